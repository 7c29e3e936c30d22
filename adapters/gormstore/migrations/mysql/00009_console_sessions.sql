-- +goose Up
-- Console sign-ins: a browser session stands for the API token it was made
-- with. Only the SHA-256 of the session id is kept; revoking the token ends
-- its sessions because authentication joins the token and checks it is live.
CREATE TABLE console_sessions (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id_hash    BINARY(32) NOT NULL,
  token_id   BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_console_sessions_hash (id_hash),
  KEY ix_console_sessions_expires (expires_at),
  CONSTRAINT fk_console_sessions_token FOREIGN KEY (token_id) REFERENCES api_tokens (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE console_sessions;
