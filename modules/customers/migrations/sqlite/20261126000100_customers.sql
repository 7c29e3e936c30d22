-- +goose Up
CREATE TABLE customers (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  account    TEXT NOT NULL,
  email      TEXT NOT NULL DEFAULT '',
  phone      TEXT NOT NULL DEFAULT '',
  address    TEXT NOT NULL DEFAULT '',
  city       TEXT NOT NULL DEFAULT '',
  state      TEXT NOT NULL DEFAULT '',
  zip        TEXT NOT NULL DEFAULT '',
  country    TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE INDEX ix_customers_account ON customers (account);
CREATE INDEX ix_customers_email ON customers (email);

-- +goose Down
DROP TABLE customers;
