-- +goose Up
CREATE TABLE webhooks (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  url        TEXT NOT NULL,
  events     TEXT NOT NULL, -- JSON list of event types, or ["*"]
  secret     TEXT NOT NULL,
  created_at DATETIME NOT NULL
);

-- One row per event and webhook: the delivery log.
CREATE TABLE webhook_deliveries (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id    INTEGER NOT NULL,
  event_id      INTEGER NOT NULL,
  status        TEXT NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  response_code INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT NULL,
  next_attempt  DATETIME NOT NULL,
  delivered_at  DATETIME NULL,
  created_at    DATETIME NOT NULL,
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
