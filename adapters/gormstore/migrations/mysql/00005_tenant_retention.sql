-- +goose Up
-- A deletion with retention keeps the row (and the database) for restore.
ALTER TABLE tenants
  ADD COLUMN deleted_at        DATETIME(6) NULL,
  ADD COLUMN restore_subdomain VARCHAR(63) NOT NULL DEFAULT '',
  ADD COLUMN restore_status    VARCHAR(16) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tenants DROP COLUMN restore_status, DROP COLUMN restore_subdomain, DROP COLUMN deleted_at;
