-- +goose Up
-- Each tenant's database lives on one of the configured database servers
-- (database.servers), named here. Tenants made before servers existed are
-- on the control database's own server, "default": an upgrade moves and
-- renames nothing. The index counts tenants per server for placement.
ALTER TABLE tenants ADD COLUMN server TEXT NOT NULL DEFAULT 'default';
CREATE INDEX ix_tenants_server ON tenants (server);

-- +goose Down
DROP INDEX ix_tenants_server;
ALTER TABLE tenants DROP COLUMN server;
