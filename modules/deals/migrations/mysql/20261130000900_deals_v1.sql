-- +goose Up
-- +goose NO TRANSACTION
-- The fields of seed 003's deals.
ALTER TABLE deals
  ADD COLUMN sales_funnel_id BIGINT NULL,
  ADD COLUMN user_id         BIGINT UNSIGNED NULL;

-- +goose Down
ALTER TABLE deals DROP COLUMN sales_funnel_id, DROP COLUMN user_id;
