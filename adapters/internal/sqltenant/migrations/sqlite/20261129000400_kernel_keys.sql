-- +goose Up
-- Seed 004 names the admin role "administrator"; "admin" stays an alias.
UPDATE users SET role = 'administrator' WHERE role = 'admin';

-- Tenant API keys: only the SHA-256 of the secret, like sessions.
CREATE TABLE api_keys (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  name         TEXT NOT NULL,
  key_hash     BLOB NOT NULL UNIQUE,
  hint         TEXT NOT NULL,
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role         TEXT NOT NULL,
  created_at   DATETIME NOT NULL,
  last_used_at DATETIME NULL,
  revoked_at   DATETIME NULL
);
CREATE INDEX ix_api_keys_user ON api_keys (user_id);

-- Per-tenant record numbers (core.Numbering).
CREATE TABLE sequences (
  name    TEXT NOT NULL PRIMARY KEY,
  counter INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE sequences;
DROP TABLE api_keys;
UPDATE users SET role = 'admin' WHERE role = 'administrator';
