-- +goose Up
-- The record of each tenant's provisioning saga: every step and its undoing.
-- Kept after the tenant is gone (no foreign key), to explain what happened.
CREATE TABLE provisioning_steps (
  id        BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id BIGINT UNSIGNED NOT NULL,
  step      VARCHAR(32) NOT NULL,
  outcome   VARCHAR(16) NOT NULL,
  error     TEXT NULL,
  at        DATETIME(6) NOT NULL,
  KEY ix_provisioning_steps_tenant (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE provisioning_steps;
