-- +goose Up
-- The fields of seed 003's contacts.
ALTER TABLE contacts ADD COLUMN ldsrc_id INTEGER NULL;
ALTER TABLE contacts ADD COLUMN picture TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN user_id INTEGER NULL;

-- +goose Down
ALTER TABLE contacts DROP COLUMN ldsrc_id;
ALTER TABLE contacts DROP COLUMN picture;
ALTER TABLE contacts DROP COLUMN user_id;
