-- +goose Up
CREATE TABLE quotes (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL,
  valid_until DATE NULL,
  status      TEXT NOT NULL DEFAULT 'Draft',
  amount      INTEGER NOT NULL DEFAULT 0,
  notes       TEXT NULL,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);
CREATE INDEX ix_quotes_customer_id ON quotes (customer_id);
CREATE INDEX ix_quotes_status ON quotes (status);

CREATE TABLE quote_items (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  quote_id    INTEGER NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
  description TEXT NOT NULL,
  qty         INTEGER NOT NULL,
  amount      INTEGER NOT NULL -- minor units, per unit
);
CREATE INDEX ix_quote_items_quote_id ON quote_items (quote_id);

-- +goose Down
DROP TABLE quote_items;
DROP TABLE quotes;
