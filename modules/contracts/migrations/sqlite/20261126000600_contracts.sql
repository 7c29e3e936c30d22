-- +goose Up
CREATE TABLE contracts (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  subject     TEXT NOT NULL,
  customer_id INTEGER NOT NULL,
  value       INTEGER NOT NULL DEFAULT 0,
  start_date  DATE NULL,
  end_date    DATE NULL,
  description TEXT NULL,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);
CREATE INDEX ix_contracts_customer_id ON contracts (customer_id);

-- +goose Down
DROP TABLE contracts;
