-- +goose Up
CREATE TABLE invoices (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  invoice_number TEXT NOT NULL,
  customer_id    INTEGER NOT NULL,
  date           DATE NOT NULL,
  due_date       DATE NULL,
  status         TEXT NOT NULL DEFAULT 'Unpaid',
  amount         INTEGER NOT NULL DEFAULT 0,
  notes          TEXT NULL,
  created_at     DATETIME NOT NULL,
  updated_at     DATETIME NOT NULL
);
CREATE INDEX ix_invoices_customer_id ON invoices (customer_id);
CREATE INDEX ix_invoices_status ON invoices (status);
CREATE INDEX ix_invoices_date ON invoices (date);
CREATE UNIQUE INDEX uq_invoices_number ON invoices (invoice_number);

CREATE TABLE invoice_items (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  invoice_id  INTEGER NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
  description TEXT NOT NULL,
  qty         INTEGER NOT NULL,
  amount      INTEGER NOT NULL -- minor units, per unit
);
CREATE INDEX ix_invoice_items_invoice_id ON invoice_items (invoice_id);

-- +goose Down
DROP TABLE invoice_items;
DROP TABLE invoices;
