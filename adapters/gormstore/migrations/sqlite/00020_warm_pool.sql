-- +goose Up
-- The warm pool (tenants.warm_pool): tenant databases made and migrated
-- ahead of any tenant, per database server, claimed by new tenants. A claim
-- locks one ready entry and moves it to claimed in the transaction that
-- inserts its tenant; tenant_id is unique, so no entry is ever given to two
-- tenants. database_name is set from the entry's own id right after the
-- insert, hence NULL at first. Numbered 00020: it was 00017 on a branch
-- that merged after 00018 and 00019.
CREATE TABLE warm_databases (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  server         VARCHAR(64) NOT NULL,
  database_name  VARCHAR(64) NULL UNIQUE,
  state          VARCHAR(16) NOT NULL,
  schema_version BIGINT NOT NULL DEFAULT 0,
  tenant_id      BIGINT NULL UNIQUE,
  created_at     DATETIME NOT NULL,
  updated_at     DATETIME NOT NULL
);
CREATE INDEX ix_warm_databases_claim ON warm_databases (server, state, schema_version, id);

-- +goose Down
DROP TABLE warm_databases;
