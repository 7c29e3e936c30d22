-- +goose Up
-- Answers to POSTs sent with an Idempotency-Key, replayed to retries.
CREATE TABLE idempotency_keys (
  scope        TEXT NOT NULL,
  idem_key     TEXT NOT NULL,
  request_hash BLOB NOT NULL,
  status       INTEGER NOT NULL DEFAULT 0, -- 0 while the first request runs
  body         BLOB NULL,
  created_at   DATETIME NOT NULL,
  PRIMARY KEY (scope, idem_key)
);
CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
