-- +goose Up
-- Webhook signing secrets are sealed with the key ring from now on: a sealed
-- secret is longer than the 100 characters the column held. Those stored in
-- clear before are sealed at start (WebhookStore.SealSecrets).
ALTER TABLE webhooks MODIFY secret VARCHAR(255) NOT NULL;

-- +goose Down
-- Sealed secrets do not fit the old column: it stays wide.
SELECT 1;
