-- +goose Up
CREATE TABLE projects (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT NOT NULL,
  customer_id INTEGER NULL,
  status      TEXT NOT NULL DEFAULT 'active',
  description TEXT NULL,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);
CREATE INDEX ix_projects_customer_id ON projects (customer_id);
CREATE INDEX ix_projects_status ON projects (status);

-- +goose Down
DROP TABLE projects;
