-- +goose Up
-- Each tenant's own database login (unused on SQLite, kept for one schema).
ALTER TABLE tenants ADD COLUMN db_user TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN db_secret TEXT NULL;

-- +goose Down
ALTER TABLE tenants DROP COLUMN db_secret;
ALTER TABLE tenants DROP COLUMN db_user;
