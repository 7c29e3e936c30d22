-- +goose Up
CREATE TABLE products (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT NOT NULL,
  price       INTEGER NOT NULL DEFAULT 0,
  description TEXT NULL,
  type        TEXT NOT NULL DEFAULT 'product',
  tax_rate    INTEGER NULL,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL
);
CREATE INDEX ix_products_type ON products (type);
CREATE INDEX ix_products_name ON products (name);

-- +goose Down
DROP TABLE products;
