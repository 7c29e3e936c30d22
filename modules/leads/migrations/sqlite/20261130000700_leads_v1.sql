-- +goose Up
-- The fields of seed 003's leads, product leads and service leads.
ALTER TABLE leads ADD COLUMN designation TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN notes TEXT NULL;
ALTER TABLE leads ADD COLUMN company_id INTEGER NULL;
ALTER TABLE leads ADD COLUMN mobile TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN picture TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN product_id INTEGER NULL;
ALTER TABLE leads ADD COLUMN service_id INTEGER NULL;
ALTER TABLE leads ADD COLUMN user_id INTEGER NULL;

-- +goose Down
ALTER TABLE leads DROP COLUMN designation;
ALTER TABLE leads DROP COLUMN notes;
ALTER TABLE leads DROP COLUMN company_id;
ALTER TABLE leads DROP COLUMN mobile;
ALTER TABLE leads DROP COLUMN picture;
ALTER TABLE leads DROP COLUMN product_id;
ALTER TABLE leads DROP COLUMN service_id;
ALTER TABLE leads DROP COLUMN user_id;
