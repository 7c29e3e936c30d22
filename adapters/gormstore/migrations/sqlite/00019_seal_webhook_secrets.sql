-- +goose Up
-- Webhook signing secrets are sealed with the key ring from now on; SQLite
-- does not bound the column's length, so only MySQL widens it. Those stored
-- in clear before are sealed at start (WebhookStore.SealSecrets).
SELECT 1;

-- +goose Down
SELECT 1;
