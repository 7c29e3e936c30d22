-- +goose Up
-- A move copies a tenant's database to another server as a recorded saga:
-- moving_to names the target while the copy runs (the tenant is read-only
-- then), moved_from the server whose old copy is still to be dropped once
-- the tenant was switched. Reconcile undoes the first and finishes the
-- second after a crash.
ALTER TABLE tenants ADD COLUMN moving_to VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN moved_from VARCHAR(32) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tenants DROP COLUMN moved_from;
ALTER TABLE tenants DROP COLUMN moving_to;
