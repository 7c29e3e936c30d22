-- +goose Up
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT NOT NULL,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL DEFAULT 'staff',
  created_at    DATETIME NOT NULL,
  updated_at    DATETIME NOT NULL
);

CREATE TABLE sessions (
  token_hash BLOB NOT NULL PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL
);
CREATE INDEX ix_sessions_user ON sessions (user_id);

CREATE TABLE usage_counters (
  resource TEXT NOT NULL PRIMARY KEY,
  used     INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE usage_counters;
DROP TABLE sessions;
DROP TABLE users;
