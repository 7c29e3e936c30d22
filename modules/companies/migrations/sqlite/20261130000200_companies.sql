-- +goose Up
CREATE TABLE companies (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  c_name        TEXT NOT NULL,
  c_mobileNum   TEXT NOT NULL DEFAULT '',
  c_whatsappNum TEXT NOT NULL DEFAULT '',
  c_bio         TEXT NULL,
  c_email       TEXT NOT NULL DEFAULT '',
  personal_name TEXT NOT NULL DEFAULT '',
  category_id   INTEGER NULL,
  actype_id     INTEGER NULL,
  position      TEXT NOT NULL DEFAULT '',
  c_logo        TEXT NOT NULL DEFAULT '',
  slug          TEXT NOT NULL,
  user_id       INTEGER NULL,
  created_at    DATETIME NOT NULL,
  updated_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX ux_companies_slug ON companies (slug);
CREATE INDEX ix_companies_user_id ON companies (user_id);

-- +goose Down
DROP TABLE companies;
