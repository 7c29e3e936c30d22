-- +goose Up
-- Stored answers are sealed from now on (a signup's answer holds a live
-- session token, a tenant create's a generated password); those stored
-- before were in clear, so they are dropped. A retry with one of those keys
-- runs as a new request.
DELETE FROM idempotency_keys;

-- +goose Down
SELECT 1;
