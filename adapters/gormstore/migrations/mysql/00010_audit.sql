-- +goose Up
-- The audit trail: one row per superadmin change, written in the change's
-- own transaction. changes is a JSON object of the changed fields (never
-- secrets).
CREATE TABLE audit_log (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at          DATETIME(6) NOT NULL,
  token_id    BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT '0: the CLI or a public signup',
  actor       VARCHAR(191) NOT NULL DEFAULT '',
  action      VARCHAR(64) NOT NULL,
  target_type VARCHAR(32) NOT NULL,
  target_id   VARCHAR(191) NOT NULL DEFAULT '',
  request_id  VARCHAR(128) NOT NULL DEFAULT '',
  changes     TEXT NOT NULL,
  KEY ix_audit_log_at (at),
  KEY ix_audit_log_target (target_type, target_id),
  KEY ix_audit_log_action (action),
  KEY ix_audit_log_actor (actor)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE audit_log;
