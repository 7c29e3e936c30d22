-- +goose Up
CREATE TABLE contacts (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  first_name  TEXT NOT NULL,
  last_name   TEXT NOT NULL DEFAULT '',
  email       TEXT NOT NULL DEFAULT '',
  phone       TEXT NOT NULL DEFAULT '',
  mobile      TEXT NOT NULL DEFAULT '',
  customer_id INTEGER NULL,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);
CREATE INDEX ix_contacts_customer_id ON contacts (customer_id);
CREATE INDEX ix_contacts_email ON contacts (email);

-- +goose Down
DROP TABLE contacts;
