-- +goose Up
-- The superadmin list pages through tenants newest first without deleted
-- ones: this index gives the page's ids without reading the rows, so a
-- deep page of 100,000 tenants skips index entries, not rows. Fleet
-- filters (schema_version) get theirs.
CREATE INDEX ix_tenants_id_status ON tenants (id, status);
CREATE INDEX ix_tenants_schema_version ON tenants (schema_version);

-- +goose Down
DROP INDEX ix_tenants_schema_version;
DROP INDEX ix_tenants_id_status;
