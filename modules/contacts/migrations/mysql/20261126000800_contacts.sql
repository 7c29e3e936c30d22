-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE contacts (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  first_name  VARCHAR(191) NOT NULL,
  last_name   VARCHAR(191) NOT NULL DEFAULT '',
  email       VARCHAR(191) NOT NULL DEFAULT '',
  phone       VARCHAR(191) NOT NULL DEFAULT '',
  mobile      VARCHAR(191) NOT NULL DEFAULT '',
  customer_id BIGINT UNSIGNED NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  KEY ix_contacts_customer_id (customer_id),
  KEY ix_contacts_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE contacts;
