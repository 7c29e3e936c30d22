-- +goose Up
-- Who this installation is: tenant databases carry its id in a marker, so
-- nothing of another installation on the same server is ever touched.
-- One row (k = 'this'); the tenant prefix is fixed when it is first made.
CREATE TABLE installation (
  k             VARCHAR(8) NOT NULL PRIMARY KEY,
  id            VARCHAR(32) NOT NULL,
  tenant_prefix VARCHAR(64) NOT NULL,
  created_at    DATETIME(6) NOT NULL
);
-- The tenant schema version each tenant database was last migrated to, and
-- why its last migration failed ('' when it did not).
ALTER TABLE tenants ADD COLUMN schema_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN migration_error VARCHAR(1000) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tenants DROP COLUMN migration_error;
ALTER TABLE tenants DROP COLUMN schema_version;
DROP TABLE installation;
