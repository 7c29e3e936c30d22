-- +goose Up
-- +goose NO TRANSACTION
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

CREATE TABLE sessions (
  token_hash BINARY(32) NOT NULL PRIMARY KEY,
  user_id    BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  KEY ix_sessions_user (user_id),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- One row per quota resource (added by sqltenant.Migrate for every resource
-- a registered module counts): how many rows its table has. Creates and
-- deletes lock the row and change it in their own transaction, so the
-- limit check and the insert are one step and the count cannot drift.
CREATE TABLE usage_counters (
  resource VARCHAR(32) NOT NULL PRIMARY KEY,
  used     BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB;

-- +goose Down
DROP TABLE usage_counters;
DROP TABLE sessions;
DROP TABLE users;
