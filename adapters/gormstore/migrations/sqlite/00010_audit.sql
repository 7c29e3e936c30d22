-- +goose Up
-- The audit trail: one row per superadmin change, written in the change's
-- own transaction. changes is a JSON object of the changed fields (never
-- secrets).
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          DATETIME NOT NULL,
  token_id    INTEGER NOT NULL DEFAULT 0, -- 0: the CLI or a public signup
  actor       TEXT NOT NULL DEFAULT '',
  action      TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id   TEXT NOT NULL DEFAULT '',
  request_id  TEXT NOT NULL DEFAULT '',
  changes     TEXT NOT NULL
);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_audit_log_target ON audit_log (target_type, target_id);
CREATE INDEX ix_audit_log_action ON audit_log (action);
CREATE INDEX ix_audit_log_actor ON audit_log (actor);

-- +goose Down
DROP TABLE audit_log;
