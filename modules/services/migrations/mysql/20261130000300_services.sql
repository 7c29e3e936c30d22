-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE services (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title               VARCHAR(191) NOT NULL,
  price               BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  servcategory_id     BIGINT UNSIGNED NULL,
  serv_subcategory_id BIGINT UNSIGNED NULL,
  company_id          BIGINT UNSIGNED NULL,
  image               VARCHAR(2048) NOT NULL DEFAULT '',
  description         TEXT NULL,
  brand               VARCHAR(191) NOT NULL DEFAULT '',
  tags                VARCHAR(500) NOT NULL DEFAULT '',
  featured            TINYINT(1) NOT NULL DEFAULT 0,
  slug                VARCHAR(191) NOT NULL,
  user_id             BIGINT UNSIGNED NULL,
  created_at          DATETIME(6) NOT NULL,
  updated_at          DATETIME(6) NOT NULL,
  UNIQUE KEY ux_services_slug (slug),
  KEY ix_services_user_id (user_id),
  KEY ix_services_featured (featured)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE services;
