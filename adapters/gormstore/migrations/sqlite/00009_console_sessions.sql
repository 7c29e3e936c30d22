-- +goose Up
-- Console sign-ins: a browser session stands for the API token it was made
-- with. Only the SHA-256 of the session id is kept; revoking the token ends
-- its sessions because authentication joins the token and checks it is live.
CREATE TABLE console_sessions (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  id_hash    BLOB NOT NULL UNIQUE,
  token_id   INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL
);
CREATE INDEX ix_console_sessions_token ON console_sessions (token_id);
CREATE INDEX ix_console_sessions_expires ON console_sessions (expires_at);

-- +goose Down
DROP TABLE console_sessions;
