-- +goose Up
-- Tenants register webhooks for their own events (seed 004): a webhook
-- with a tenant_id receives only that tenant's events of scope 'tenant';
-- one without is the operator's and receives the operator's events.
ALTER TABLE webhooks ADD COLUMN tenant_id INTEGER NULL;
CREATE INDEX ix_webhooks_tenant ON webhooks (tenant_id);
ALTER TABLE outbox ADD COLUMN scope TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN scope;
DROP INDEX ix_webhooks_tenant;
ALTER TABLE webhooks DROP COLUMN tenant_id;
