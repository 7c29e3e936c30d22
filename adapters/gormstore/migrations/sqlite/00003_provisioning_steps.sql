-- +goose Up
-- The record of each tenant's provisioning saga: every step and its undoing.
-- Kept after the tenant is gone (no foreign key), to explain what happened.
CREATE TABLE provisioning_steps (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id INTEGER NOT NULL,
  step      TEXT NOT NULL,
  outcome   TEXT NOT NULL,
  error     TEXT NULL,
  at        DATETIME NOT NULL
);
CREATE INDEX ix_provisioning_steps_tenant ON provisioning_steps (tenant_id);

-- +goose Down
DROP TABLE provisioning_steps;
