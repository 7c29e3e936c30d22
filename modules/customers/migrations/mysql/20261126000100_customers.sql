-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE customers (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account    VARCHAR(191) NOT NULL,
  email      VARCHAR(191) NOT NULL DEFAULT '',
  phone      VARCHAR(191) NOT NULL DEFAULT '',
  address    VARCHAR(191) NOT NULL DEFAULT '',
  city       VARCHAR(191) NOT NULL DEFAULT '',
  state      VARCHAR(191) NOT NULL DEFAULT '',
  zip        VARCHAR(191) NOT NULL DEFAULT '',
  country    VARCHAR(191) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_customers_account (account),
  KEY ix_customers_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE customers;
