-- +goose Up
CREATE TABLE deals (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  name         TEXT NOT NULL,
  lead_id      INTEGER NULL,
  product_id   INTEGER NULL,
  value        INTEGER NOT NULL DEFAULT 0,
  stage        TEXT NOT NULL DEFAULT 'prospecting',
  closing_date DATE NULL,
  created_at   DATETIME NOT NULL,
  updated_at   DATETIME NOT NULL
);
CREATE INDEX ix_deals_stage ON deals (stage);
CREATE INDEX ix_deals_lead_id ON deals (lead_id);

-- +goose Down
DROP TABLE deals;
