-- +goose Up
-- +goose NO TRANSACTION
-- The fields of seed 003's products; rows from before get a slug of their id.
ALTER TABLE products
  ADD COLUMN procat_id    BIGINT UNSIGNED NULL,
  ADD COLUMN prosubcat_id BIGINT UNSIGNED NULL,
  ADD COLUMN company_id   BIGINT UNSIGNED NULL,
  ADD COLUMN vendor       VARCHAR(191) NOT NULL DEFAULT '',
  ADD COLUMN tags         VARCHAR(500) NOT NULL DEFAULT '',
  ADD COLUMN location     VARCHAR(191) NOT NULL DEFAULT '',
  ADD COLUMN min_quantity BIGINT NULL,
  ADD COLUMN picture      VARCHAR(2048) NOT NULL DEFAULT '',
  ADD COLUMN unit_id      BIGINT UNSIGNED NULL,
  ADD COLUMN featured     TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN slug         VARCHAR(191) NULL,
  ADD COLUMN user_id      BIGINT UNSIGNED NULL,
  ADD UNIQUE KEY ux_products_slug (slug);
UPDATE products SET slug = CONCAT('product-', id) WHERE slug IS NULL;

-- +goose Down
ALTER TABLE products DROP COLUMN procat_id, DROP COLUMN prosubcat_id, DROP COLUMN company_id, DROP COLUMN vendor,
  DROP COLUMN tags, DROP COLUMN location, DROP COLUMN min_quantity, DROP COLUMN picture, DROP COLUMN unit_id,
  DROP COLUMN featured, DROP COLUMN slug, DROP COLUMN user_id;
