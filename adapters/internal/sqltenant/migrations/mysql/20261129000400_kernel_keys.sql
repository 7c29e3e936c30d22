-- +goose Up
-- +goose NO TRANSACTION
-- Seed 004 names the admin role "administrator"; "admin" stays an alias.
UPDATE users SET role = 'administrator' WHERE role = 'admin';

-- Tenant API keys: only the SHA-256 of the secret, like sessions. A key
-- acts for its user, with its role at most; revoked keys stay listed.
CREATE TABLE api_keys (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name         VARCHAR(191) NOT NULL,
  key_hash     BINARY(32) NOT NULL,
  hint         VARCHAR(16) NOT NULL,
  user_id      BIGINT UNSIGNED NOT NULL,
  role         VARCHAR(16) NOT NULL,
  created_at   DATETIME(6) NOT NULL,
  last_used_at DATETIME(6) NULL,
  revoked_at   DATETIME(6) NULL,
  UNIQUE KEY uq_api_keys_hash (key_hash),
  KEY ix_api_keys_user (user_id),
  CONSTRAINT fk_api_keys_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per-tenant record numbers (core.Numbering): one row per sequence
-- ("INV-2026"), locked and advanced in the transaction of the insert.
CREATE TABLE sequences (
  name    VARCHAR(64) NOT NULL PRIMARY KEY,
  counter BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB;

-- +goose Down
DROP TABLE sequences;
DROP TABLE api_keys;
UPDATE users SET role = 'admin' WHERE role = 'administrator';
