-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE tickets (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id   BIGINT UNSIGNED NULL,
  subject       VARCHAR(191) NOT NULL,
  message       TEXT NULL,
  department_id BIGINT NULL,
  priority      VARCHAR(32) NOT NULL DEFAULT 'Medium',
  status        VARCHAR(32) NOT NULL DEFAULT 'Open',
  created_at    DATETIME(6) NOT NULL,
  updated_at    DATETIME(6) NOT NULL,
  KEY ix_tickets_status (status),
  KEY ix_tickets_department_id (department_id),
  KEY ix_tickets_customer_id (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE tickets;
