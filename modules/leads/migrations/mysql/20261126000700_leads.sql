-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE leads (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  first_name VARCHAR(191) NOT NULL,
  last_name  VARCHAR(191) NOT NULL DEFAULT '',
  email      VARCHAR(191) NOT NULL DEFAULT '',
  company    VARCHAR(191) NOT NULL DEFAULT '',
  phone      VARCHAR(191) NOT NULL DEFAULT '',
  source     VARCHAR(191) NOT NULL DEFAULT '',
  status     VARCHAR(32) NOT NULL DEFAULT 'new',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_leads_status (status),
  KEY ix_leads_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE leads;
