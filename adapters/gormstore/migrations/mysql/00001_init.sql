-- +goose Up
CREATE TABLE plans (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name          VARCHAR(100) NOT NULL,
  price_monthly BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  price_yearly  BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  billing_cycle VARCHAR(16) NOT NULL DEFAULT 'monthly',
  is_popular    BOOLEAN NOT NULL DEFAULT FALSE,
  trial_enabled BOOLEAN NOT NULL DEFAULT FALSE,
  trial_days    INT NOT NULL DEFAULT 0,
  limits        TEXT NOT NULL COMMENT 'JSON object resource -> limit, -1 unlimited',
  created_at    DATETIME(6) NOT NULL,
  updated_at    DATETIME(6) NOT NULL,
  UNIQUE KEY uq_plans_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tenants (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  company_name    VARCHAR(191) NOT NULL,
  email           VARCHAR(191) NOT NULL,
  first_name      VARCHAR(100) NOT NULL,
  last_name       VARCHAR(100) NOT NULL,
  subdomain       VARCHAR(63) NOT NULL,
  plan_id         BIGINT UNSIGNED NOT NULL,
  status          VARCHAR(16) NOT NULL,
  database_name   VARCHAR(64) NOT NULL DEFAULT '',
  started_at      DATETIME(6) NOT NULL,
  expires_at      DATETIME(6) NULL,
  next_invoice_at DATETIME(6) NULL,
  created_at      DATETIME(6) NOT NULL,
  updated_at      DATETIME(6) NOT NULL,
  UNIQUE KEY uq_tenants_subdomain (subdomain),
  KEY ix_tenants_status (status),
  CONSTRAINT fk_tenants_plan FOREIGN KEY (plan_id) REFERENCES plans (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE api_tokens (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name         VARCHAR(100) NOT NULL,
  token_hash   BINARY(32) NOT NULL,
  created_at   DATETIME(6) NOT NULL,
  last_used_at DATETIME(6) NULL,
  revoked_at   DATETIME(6) NULL,
  UNIQUE KEY uq_api_tokens_hash (token_hash),
  KEY ix_api_tokens_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE tenants;
DROP TABLE plans;
