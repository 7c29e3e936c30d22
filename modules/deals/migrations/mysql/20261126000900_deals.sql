-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE deals (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name         VARCHAR(191) NOT NULL,
  lead_id      BIGINT UNSIGNED NULL,
  product_id   BIGINT UNSIGNED NULL,
  value        BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  stage        VARCHAR(32) NOT NULL DEFAULT 'prospecting',
  closing_date DATE NULL,
  created_at   DATETIME(6) NOT NULL,
  updated_at   DATETIME(6) NOT NULL,
  KEY ix_deals_stage (stage),
  KEY ix_deals_lead_id (lead_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE deals;
