-- +goose Up
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT NOT NULL,
  email         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL DEFAULT 'staff',
  created_at    DATETIME NOT NULL,
  updated_at    DATETIME NOT NULL
);

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

CREATE TABLE invoices (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  invoice_number TEXT NOT NULL UNIQUE,
  customer_id    INTEGER NOT NULL,
  date           DATE NOT NULL,
  due_date       DATE NULL,
  status         TEXT NOT NULL DEFAULT 'Unpaid',
  total          INTEGER NOT NULL DEFAULT 0, -- minor units
  notes          TEXT NULL,
  created_at     DATETIME NOT NULL,
  updated_at     DATETIME NOT NULL
);
CREATE INDEX ix_invoices_customer ON invoices (customer_id);

CREATE TABLE invoice_items (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  invoice_id  INTEGER NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
  description TEXT NOT NULL,
  qty         INTEGER NOT NULL,
  amount      INTEGER NOT NULL -- minor units, per unit
);

CREATE TABLE quotes (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL,
  valid_until DATE NULL,
  status      TEXT NOT NULL DEFAULT 'Draft',
  total       INTEGER NOT NULL DEFAULT 0, -- minor units
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);

CREATE TABLE projects (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT NOT NULL,
  customer_id INTEGER NULL,
  status      TEXT NOT NULL DEFAULT 'active',
  description TEXT NULL,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);

CREATE TABLE tasks (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NULL,
  name       TEXT NOT NULL,
  status     TEXT NOT NULL DEFAULT 'open',
  due_date   DATE NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);

CREATE TABLE contracts (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL,
  subject     TEXT NOT NULL,
  value       INTEGER NOT NULL DEFAULT 0, -- minor units
  start_date  DATE NULL,
  end_date    DATE NULL,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);

-- +goose Down
DROP TABLE contracts;
DROP TABLE tasks;
DROP TABLE projects;
DROP TABLE quotes;
DROP TABLE invoice_items;
DROP TABLE invoices;
DROP TABLE customers;
DROP TABLE users;
