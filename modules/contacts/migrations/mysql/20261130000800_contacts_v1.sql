-- +goose Up
-- +goose NO TRANSACTION
-- The fields of seed 003's contacts.
ALTER TABLE contacts
  ADD COLUMN ldsrc_id BIGINT UNSIGNED NULL,
  ADD COLUMN picture  VARCHAR(2048) NOT NULL DEFAULT '',
  ADD COLUMN user_id  BIGINT UNSIGNED NULL;

-- +goose Down
ALTER TABLE contacts DROP COLUMN ldsrc_id, DROP COLUMN picture, DROP COLUMN user_id;
