-- +goose Up
CREATE TABLE transactions (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  type        TEXT NOT NULL,
  account_id  INTEGER NULL,
  amount      INTEGER NOT NULL DEFAULT 0,
  category_id INTEGER NULL,
  description TEXT NULL,
  date        DATE NOT NULL,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);
CREATE INDEX ix_transactions_type ON transactions (type);
CREATE INDEX ix_transactions_account_id ON transactions (account_id);
CREATE INDEX ix_transactions_date ON transactions (date);

-- +goose Down
DROP TABLE transactions;
