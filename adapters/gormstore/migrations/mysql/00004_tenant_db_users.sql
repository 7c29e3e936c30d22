-- +goose Up
-- Each tenant's own database login; the password is sealed (AES-GCM).
ALTER TABLE tenants
  ADD COLUMN db_user   VARCHAR(80) NOT NULL DEFAULT '' AFTER database_name,
  ADD COLUMN db_secret TEXT NULL AFTER db_user;

-- +goose Down
ALTER TABLE tenants DROP COLUMN db_secret, DROP COLUMN db_user;
