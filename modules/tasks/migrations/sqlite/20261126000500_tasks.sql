-- +goose Up
CREATE TABLE tasks (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT NOT NULL,
  project_id  INTEGER NULL,
  status      TEXT NOT NULL DEFAULT 'open',
  due_date    DATE NULL,
  description TEXT NULL,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);
CREATE INDEX ix_tasks_project_id ON tasks (project_id);
CREATE INDEX ix_tasks_status ON tasks (status);

-- +goose Down
DROP TABLE tasks;
