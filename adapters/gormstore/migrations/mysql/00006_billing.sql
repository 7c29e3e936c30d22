-- +goose Up
ALTER TABLE tenants
  ADD COLUMN expires_override BOOLEAN NOT NULL DEFAULT FALSE,
  ADD COLUMN suspended_by     VARCHAR(16) NOT NULL DEFAULT '';

-- Each tenant's subscription lifecycle, as a document the billing domain
-- reads and writes whole; version guards against lost updates.
CREATE TABLE subscriptions (
  tenant_id  BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  state      VARCHAR(16) NOT NULL,
  doc        MEDIUMTEXT NOT NULL,
  invoiced   INT NOT NULL DEFAULT 0 COMMENT 'bills that have an invoice',
  version    BIGINT NOT NULL DEFAULT 1,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE subscription_events (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id  BIGINT UNSIGNED NOT NULL,
  at         DATETIME(6) NOT NULL,
  from_state VARCHAR(16) NOT NULL,
  to_state   VARCHAR(16) NOT NULL,
  cause      VARCHAR(32) NOT NULL,
  plan_id    BIGINT UNSIGNED NOT NULL,
  bill       INT NOT NULL DEFAULT 0,
  KEY ix_subscription_events_tenant (tenant_id, id)
) ENGINE=InnoDB;

-- SaaS invoices: the operator billing its tenants. One per bill of a
-- subscription, never two (uq_saas_invoices_bill).
CREATE TABLE saas_invoices (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id    BIGINT UNSIGNED NOT NULL,
  number       VARCHAR(40) NOT NULL,
  bill         INT NOT NULL,
  period_start DATETIME(6) NOT NULL,
  period_end   DATETIME(6) NOT NULL,
  currency     CHAR(3) NOT NULL,
  total        BIGINT NOT NULL COMMENT 'minor units',
  state        VARCHAR(8) NOT NULL,
  line_items   TEXT NOT NULL COMMENT 'JSON list of {description, quantity, unit_amount}',
  issued_at    DATETIME(6) NULL,
  paid_at      DATETIME(6) NULL,
  payment_ref  VARCHAR(191) NOT NULL DEFAULT '',
  voided_at    DATETIME(6) NULL,
  UNIQUE KEY uq_saas_invoices_number (number),
  UNIQUE KEY uq_saas_invoices_bill (tenant_id, bill)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The outbox: events written in the same transaction as their cause, sent
-- to webhooks from here.
CREATE TABLE outbox (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  type          VARCHAR(40) NOT NULL,
  tenant_id     BIGINT UNSIGNED NOT NULL,
  data          TEXT NOT NULL,
  at            DATETIME(6) NOT NULL,
  dispatched_at DATETIME(6) NULL,
  KEY ix_outbox_undispatched (dispatched_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE leases (
  name       VARCHAR(40) NOT NULL PRIMARY KEY,
  holder     VARCHAR(191) NOT NULL,
  expires_at DATETIME(6) NOT NULL
) ENGINE=InnoDB;

-- +goose Down
DROP TABLE leases;
DROP TABLE outbox;
DROP TABLE saas_invoices;
DROP TABLE subscription_events;
DROP TABLE subscriptions;
ALTER TABLE tenants DROP COLUMN suspended_by, DROP COLUMN expires_override;
