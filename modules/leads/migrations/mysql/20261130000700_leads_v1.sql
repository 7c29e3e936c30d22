-- +goose Up
-- +goose NO TRANSACTION
-- The fields of seed 003's leads, product leads and service leads.
ALTER TABLE leads
  ADD COLUMN designation VARCHAR(191) NOT NULL DEFAULT '',
  ADD COLUMN notes       TEXT NULL,
  ADD COLUMN company_id  BIGINT UNSIGNED NULL,
  ADD COLUMN mobile      VARCHAR(50) NOT NULL DEFAULT '',
  ADD COLUMN picture     VARCHAR(2048) NOT NULL DEFAULT '',
  ADD COLUMN product_id  BIGINT UNSIGNED NULL,
  ADD COLUMN service_id  BIGINT UNSIGNED NULL,
  ADD COLUMN user_id     BIGINT UNSIGNED NULL;

-- +goose Down
ALTER TABLE leads DROP COLUMN designation, DROP COLUMN notes, DROP COLUMN company_id, DROP COLUMN mobile,
  DROP COLUMN picture, DROP COLUMN product_id, DROP COLUMN service_id, DROP COLUMN user_id;
