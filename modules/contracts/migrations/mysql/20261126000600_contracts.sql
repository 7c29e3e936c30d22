-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE contracts (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subject     VARCHAR(191) NOT NULL,
  customer_id BIGINT UNSIGNED NOT NULL,
  value       BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  start_date  DATE NULL,
  end_date    DATE NULL,
  description TEXT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  KEY ix_contracts_customer_id (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE contracts;
