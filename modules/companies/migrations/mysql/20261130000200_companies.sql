-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE companies (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  c_name        VARCHAR(191) NOT NULL,
  c_mobileNum   VARCHAR(50) NOT NULL DEFAULT '',
  c_whatsappNum VARCHAR(50) NOT NULL DEFAULT '',
  c_bio         TEXT NULL,
  c_email       VARCHAR(191) NOT NULL DEFAULT '',
  personal_name VARCHAR(191) NOT NULL DEFAULT '',
  category_id   BIGINT UNSIGNED NULL,
  actype_id     BIGINT UNSIGNED NULL,
  position      VARCHAR(191) NOT NULL DEFAULT '',
  c_logo        VARCHAR(2048) NOT NULL DEFAULT '',
  slug          VARCHAR(191) NOT NULL,
  user_id       BIGINT UNSIGNED NULL,
  created_at    DATETIME(6) NOT NULL,
  updated_at    DATETIME(6) NOT NULL,
  UNIQUE KEY ux_companies_slug (slug),
  KEY ix_companies_user_id (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE companies;
