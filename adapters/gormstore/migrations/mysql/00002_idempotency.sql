-- +goose Up
-- Answers to POSTs sent with an Idempotency-Key, replayed to retries.
CREATE TABLE idempotency_keys (
  scope        VARCHAR(64) NOT NULL,
  idem_key     VARCHAR(255) NOT NULL,
  request_hash BINARY(32) NOT NULL,
  status       INT NOT NULL DEFAULT 0 COMMENT '0 while the first request runs',
  body         MEDIUMBLOB NULL,
  created_at   DATETIME(6) NOT NULL,
  PRIMARY KEY (scope, idem_key),
  KEY ix_idempotency_keys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE idempotency_keys;
