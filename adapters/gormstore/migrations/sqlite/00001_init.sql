-- +goose Up
CREATE TABLE plans (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT NOT NULL UNIQUE,
  price_monthly INTEGER NOT NULL DEFAULT 0, -- minor units
  price_yearly  INTEGER NOT NULL DEFAULT 0, -- minor units
  billing_cycle TEXT NOT NULL DEFAULT 'monthly',
  is_popular    BOOLEAN NOT NULL DEFAULT FALSE,
  trial_enabled BOOLEAN NOT NULL DEFAULT FALSE,
  trial_days    INTEGER NOT NULL DEFAULT 0,
  limits        TEXT NOT NULL, -- JSON object resource -> limit, -1 unlimited
  created_at    DATETIME NOT NULL,
  updated_at    DATETIME NOT NULL
);

CREATE TABLE tenants (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  company_name    TEXT NOT NULL,
  email           TEXT NOT NULL,
  first_name      TEXT NOT NULL,
  last_name       TEXT NOT NULL,
  subdomain       TEXT NOT NULL UNIQUE,
  plan_id         INTEGER NOT NULL REFERENCES plans (id) ON DELETE RESTRICT,
  status          TEXT NOT NULL,
  database_name   TEXT NOT NULL DEFAULT '',
  started_at      DATETIME NOT NULL,
  expires_at      DATETIME NULL,
  next_invoice_at DATETIME NULL,
  created_at      DATETIME NOT NULL,
  updated_at      DATETIME NOT NULL
);
CREATE INDEX ix_tenants_status ON tenants (status);
CREATE INDEX ix_tenants_plan ON tenants (plan_id);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  name         TEXT NOT NULL,
  token_hash   BLOB NOT NULL UNIQUE,
  created_at   DATETIME NOT NULL,
  last_used_at DATETIME NULL,
  revoked_at   DATETIME NULL
);
CREATE INDEX ix_api_tokens_name ON api_tokens (name);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE tenants;
DROP TABLE plans;
