-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE transactions (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  type        VARCHAR(191) NOT NULL,
  account_id  BIGINT NULL,
  amount      BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  category_id BIGINT NULL,
  description TEXT NULL,
  date        DATE NOT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  KEY ix_transactions_type (type),
  KEY ix_transactions_account_id (account_id),
  KEY ix_transactions_date (date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE transactions;
