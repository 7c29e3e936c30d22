-- +goose Up
CREATE TABLE tickets (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id   INTEGER NULL,
  subject       TEXT NOT NULL,
  message       TEXT NULL,
  department_id INTEGER NULL,
  priority      TEXT NOT NULL DEFAULT 'Medium',
  status        TEXT NOT NULL DEFAULT 'Open',
  created_at    DATETIME NOT NULL,
  updated_at    DATETIME NOT NULL
);
CREATE INDEX ix_tickets_status ON tickets (status);
CREATE INDEX ix_tickets_department_id ON tickets (department_id);
CREATE INDEX ix_tickets_customer_id ON tickets (customer_id);

-- +goose Down
DROP TABLE tickets;
