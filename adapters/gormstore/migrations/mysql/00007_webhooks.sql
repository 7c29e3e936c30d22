-- +goose Up
CREATE TABLE webhooks (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  url        VARCHAR(2000) NOT NULL,
  events     TEXT NOT NULL COMMENT 'JSON list of event types, or ["*"]',
  secret     VARCHAR(100) NOT NULL,
  created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per event and webhook: the delivery log.
CREATE TABLE webhook_deliveries (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  webhook_id    BIGINT UNSIGNED NOT NULL,
  event_id      BIGINT UNSIGNED NOT NULL,
  status        VARCHAR(16) NOT NULL,
  attempts      INT NOT NULL DEFAULT 0,
  response_code INT NOT NULL DEFAULT 0,
  last_error    TEXT NULL,
  next_attempt  DATETIME(6) NOT NULL,
  delivered_at  DATETIME(6) NULL,
  created_at    DATETIME(6) NOT NULL,
  UNIQUE KEY uq_webhook_deliveries (webhook_id, event_id),
  KEY ix_webhook_deliveries_due (status, next_attempt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
