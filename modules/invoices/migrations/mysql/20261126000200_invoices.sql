-- +goose Up
-- +goose NO TRANSACTION
CREATE TABLE invoices (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_number VARCHAR(191) NOT NULL,
  customer_id    BIGINT UNSIGNED NOT NULL,
  date           DATE NOT NULL,
  due_date       DATE NULL,
  status         VARCHAR(32) NOT NULL DEFAULT 'Unpaid',
  amount         BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  notes          TEXT NULL,
  created_at     DATETIME(6) NOT NULL,
  updated_at     DATETIME(6) NOT NULL,
  KEY ix_invoices_customer_id (customer_id),
  KEY ix_invoices_status (status),
  KEY ix_invoices_date (date),
  UNIQUE KEY uq_invoices_number (invoice_number)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE invoice_items (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_id  BIGINT UNSIGNED NOT NULL,
  description VARCHAR(255) NOT NULL,
  qty         BIGINT NOT NULL,
  amount      BIGINT NOT NULL COMMENT 'minor units, per unit',
  CONSTRAINT fk_invoice_items_invoices FOREIGN KEY (invoice_id) REFERENCES invoices (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE invoice_items;
DROP TABLE invoices;
