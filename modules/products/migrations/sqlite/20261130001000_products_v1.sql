-- +goose Up
-- The fields of seed 003's products; rows from before get a slug of their id.
ALTER TABLE products ADD COLUMN procat_id INTEGER NULL;
ALTER TABLE products ADD COLUMN prosubcat_id INTEGER NULL;
ALTER TABLE products ADD COLUMN company_id INTEGER NULL;
ALTER TABLE products ADD COLUMN vendor TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN location TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN min_quantity INTEGER NULL;
ALTER TABLE products ADD COLUMN picture TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN unit_id INTEGER NULL;
ALTER TABLE products ADD COLUMN featured INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN slug TEXT NULL;
ALTER TABLE products ADD COLUMN user_id INTEGER NULL;
UPDATE products SET slug = 'product-' || id WHERE slug IS NULL;
CREATE UNIQUE INDEX ux_products_slug ON products (slug);

-- +goose Down
DROP INDEX ux_products_slug;
ALTER TABLE products DROP COLUMN procat_id;
ALTER TABLE products DROP COLUMN prosubcat_id;
ALTER TABLE products DROP COLUMN company_id;
ALTER TABLE products DROP COLUMN vendor;
ALTER TABLE products DROP COLUMN tags;
ALTER TABLE products DROP COLUMN location;
ALTER TABLE products DROP COLUMN min_quantity;
ALTER TABLE products DROP COLUMN picture;
ALTER TABLE products DROP COLUMN unit_id;
ALTER TABLE products DROP COLUMN featured;
ALTER TABLE products DROP COLUMN slug;
ALTER TABLE products DROP COLUMN user_id;
