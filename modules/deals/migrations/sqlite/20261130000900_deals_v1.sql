-- +goose Up
-- The fields of seed 003's deals.
ALTER TABLE deals ADD COLUMN sales_funnel_id INTEGER NULL;
ALTER TABLE deals ADD COLUMN user_id INTEGER NULL;

-- +goose Down
ALTER TABLE deals DROP COLUMN sales_funnel_id;
ALTER TABLE deals DROP COLUMN user_id;
