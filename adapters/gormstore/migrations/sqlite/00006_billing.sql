-- +goose Up
ALTER TABLE tenants ADD COLUMN expires_override BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tenants ADD COLUMN suspended_by TEXT NOT NULL DEFAULT '';

-- Each tenant's subscription lifecycle, as a document the billing domain
-- reads and writes whole.
CREATE TABLE subscriptions (
  tenant_id  INTEGER NOT NULL PRIMARY KEY,
  state      TEXT NOT NULL,
  doc        TEXT NOT NULL,
  invoiced   INTEGER NOT NULL DEFAULT 0, -- bills that have an invoice
  version    INTEGER NOT NULL DEFAULT 1,
  updated_at DATETIME NOT NULL
);

CREATE TABLE subscription_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id  INTEGER NOT NULL,
  at         DATETIME NOT NULL,
  from_state TEXT NOT NULL,
  to_state   TEXT NOT NULL,
  cause      TEXT NOT NULL,
  plan_id    INTEGER NOT NULL,
  bill       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_subscription_events_tenant ON subscription_events (tenant_id, id);

-- SaaS invoices: one per bill of a subscription, never two.
CREATE TABLE saas_invoices (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id    INTEGER NOT NULL,
  number       TEXT NOT NULL UNIQUE,
  bill         INTEGER NOT NULL,
  period_start DATETIME NOT NULL,
  period_end   DATETIME NOT NULL,
  currency     TEXT NOT NULL,
  total        INTEGER NOT NULL, -- minor units
  state        TEXT NOT NULL,
  line_items   TEXT NOT NULL,
  issued_at    DATETIME NULL,
  paid_at      DATETIME NULL,
  payment_ref  TEXT NOT NULL DEFAULT '',
  voided_at    DATETIME NULL,
  UNIQUE (tenant_id, bill)
);

-- The outbox: events written in the same transaction as their cause.
CREATE TABLE outbox (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  type          TEXT NOT NULL,
  tenant_id     INTEGER NOT NULL,
  data          TEXT NOT NULL,
  at            DATETIME NOT NULL,
  dispatched_at DATETIME NULL
);
CREATE INDEX ix_outbox_undispatched ON outbox (dispatched_at, id);

CREATE TABLE leases (
  name       TEXT NOT NULL PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE leases;
DROP TABLE outbox;
DROP TABLE saas_invoices;
DROP TABLE subscription_events;
DROP TABLE subscriptions;
ALTER TABLE tenants DROP COLUMN suspended_by;
ALTER TABLE tenants DROP COLUMN expires_override;
