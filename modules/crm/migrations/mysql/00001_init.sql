-- +goose Up
CREATE TABLE users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name          VARCHAR(191) NOT NULL,
  email         VARCHAR(191) NOT NULL,
  password_hash VARCHAR(255) NOT NULL DEFAULT '',
  role          VARCHAR(16) NOT NULL DEFAULT 'staff',
  created_at    DATETIME(6) NOT NULL,
  updated_at    DATETIME(6) NOT NULL,
  UNIQUE KEY uq_users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE customers (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account    VARCHAR(191) NOT NULL,
  email      VARCHAR(191) NOT NULL DEFAULT '',
  phone      VARCHAR(50) NOT NULL DEFAULT '',
  address    VARCHAR(255) NOT NULL DEFAULT '',
  city       VARCHAR(100) NOT NULL DEFAULT '',
  state      VARCHAR(100) NOT NULL DEFAULT '',
  zip        VARCHAR(20) NOT NULL DEFAULT '',
  country    VARCHAR(2) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_customers_account (account)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE invoices (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_number VARCHAR(50) NOT NULL,
  customer_id    BIGINT UNSIGNED NOT NULL,
  date           DATE NOT NULL,
  due_date       DATE NULL,
  status         VARCHAR(20) NOT NULL DEFAULT 'Unpaid',
  total          BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  notes          TEXT NULL,
  created_at     DATETIME(6) NOT NULL,
  updated_at     DATETIME(6) NOT NULL,
  UNIQUE KEY uq_invoices_number (invoice_number),
  KEY ix_invoices_customer (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE invoice_items (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_id  BIGINT UNSIGNED NOT NULL,
  description VARCHAR(255) NOT NULL,
  qty         INT NOT NULL,
  amount      BIGINT NOT NULL COMMENT 'minor units, per unit',
  CONSTRAINT fk_invoice_items_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE quotes (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT UNSIGNED NOT NULL,
  valid_until DATE NULL,
  status      VARCHAR(20) NOT NULL DEFAULT 'Draft',
  total       BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  KEY ix_quotes_customer (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE projects (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(191) NOT NULL,
  customer_id BIGINT UNSIGNED NULL,
  status      VARCHAR(20) NOT NULL DEFAULT 'active',
  description TEXT NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tasks (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id BIGINT UNSIGNED NULL,
  name       VARCHAR(191) NOT NULL,
  status     VARCHAR(20) NOT NULL DEFAULT 'open',
  due_date   DATE NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_tasks_project (project_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE contracts (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT UNSIGNED NOT NULL,
  subject     VARCHAR(191) NOT NULL,
  value       BIGINT NOT NULL DEFAULT 0 COMMENT 'minor units',
  start_date  DATE NULL,
  end_date    DATE NULL,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE contracts;
DROP TABLE tasks;
DROP TABLE projects;
DROP TABLE quotes;
DROP TABLE invoice_items;
DROP TABLE invoices;
DROP TABLE customers;
DROP TABLE users;
