-- +goose Up
CREATE TABLE services (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  title               TEXT NOT NULL,
  price               INTEGER NOT NULL DEFAULT 0,
  servcategory_id     INTEGER NULL,
  serv_subcategory_id INTEGER NULL,
  company_id          INTEGER NULL,
  image               TEXT NOT NULL DEFAULT '',
  description         TEXT NULL,
  brand               TEXT NOT NULL DEFAULT '',
  tags                TEXT NOT NULL DEFAULT '',
  featured            INTEGER NOT NULL DEFAULT 0,
  slug                TEXT NOT NULL,
  user_id             INTEGER NULL,
  created_at          DATETIME NOT NULL,
  updated_at          DATETIME NOT NULL
);
CREATE UNIQUE INDEX ux_services_slug ON services (slug);
CREATE INDEX ix_services_user_id ON services (user_id);
CREATE INDEX ix_services_featured ON services (featured);

-- +goose Down
DROP TABLE services;
