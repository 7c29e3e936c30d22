-- +goose Up
-- The warm pool (tenants.warm_pool): tenant databases made and migrated
-- ahead of any tenant, per database server, claimed by new tenants. A claim
-- locks one ready entry and moves it to claimed in the transaction that
-- inserts its tenant; tenant_id is unique, so no entry is ever given to two
-- tenants. database_name is set from the entry's own id right after the
-- insert, hence NULL at first. Numbered 00020: it was 00017 on a branch
-- that merged after 00018 and 00019.
CREATE TABLE warm_databases (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  server         VARCHAR(64) NOT NULL,
  database_name  VARCHAR(64) NULL,
  state          VARCHAR(16) NOT NULL,
  schema_version BIGINT NOT NULL DEFAULT 0,
  tenant_id      BIGINT UNSIGNED NULL,
  created_at     DATETIME(6) NOT NULL,
  updated_at     DATETIME(6) NOT NULL,
  UNIQUE KEY ux_warm_databases_name (database_name),
  UNIQUE KEY ux_warm_databases_tenant (tenant_id),
  KEY ix_warm_databases_claim (server, state, schema_version, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE warm_databases;
