-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE quotes (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT UNSIGNED NOT NULL,
  valid_until DATE NULL,
  status      VARCHAR(32) NOT NULL DEFAULT 'Draft',
  amount      BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  notes       TEXT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  KEY ix_quotes_customer_id (customer_id),
  KEY ix_quotes_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE quote_items (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  quote_id    BIGINT UNSIGNED NOT NULL,
  description VARCHAR(255) NOT NULL,
  qty         BIGINT NOT NULL,
  amount      BIGINT NOT NULL COMMENT 'minor units, per unit',
  CONSTRAINT fk_quote_items_quotes FOREIGN KEY (quote_id) REFERENCES quotes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE quote_items;
DROP TABLE quotes;
