-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE tasks (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(191) NOT NULL,
  project_id  BIGINT UNSIGNED NULL,
  status      VARCHAR(32) NOT NULL DEFAULT 'open',
  due_date    DATE NULL,
  description TEXT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  KEY ix_tasks_project_id (project_id),
  KEY ix_tasks_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE tasks;
