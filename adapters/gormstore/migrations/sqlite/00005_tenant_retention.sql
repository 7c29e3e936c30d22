-- +goose Up
-- A deletion with retention keeps the row (and the database) for restore.
ALTER TABLE tenants ADD COLUMN deleted_at DATETIME NULL;
ALTER TABLE tenants ADD COLUMN restore_subdomain TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN restore_status TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tenants DROP COLUMN restore_status;
ALTER TABLE tenants DROP COLUMN restore_subdomain;
ALTER TABLE tenants DROP COLUMN deleted_at;
