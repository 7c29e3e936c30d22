-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE products (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(191) NOT NULL,
  price       BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  description TEXT NULL,
  type        VARCHAR(32) NOT NULL DEFAULT 'product',
  tax_rate    BIGINT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  KEY ix_products_type (type),
  KEY ix_products_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE products;
