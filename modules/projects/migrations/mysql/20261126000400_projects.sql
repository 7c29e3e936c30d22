-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE projects (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(191) NOT NULL,
  customer_id BIGINT UNSIGNED NULL,
  status      VARCHAR(32) NOT NULL DEFAULT 'active',
  description TEXT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  KEY ix_projects_customer_id (customer_id),
  KEY ix_projects_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE projects;
