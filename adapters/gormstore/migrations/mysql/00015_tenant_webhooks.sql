-- +goose Up
-- Tenants register webhooks for their own events (seed 004): a webhook
-- with a tenant_id receives only that tenant's events of scope 'tenant';
-- one without is the operator's and receives the operator's events.
ALTER TABLE webhooks ADD COLUMN tenant_id BIGINT UNSIGNED NULL, ADD KEY ix_webhooks_tenant (tenant_id);
ALTER TABLE outbox ADD COLUMN scope VARCHAR(16) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN scope;
ALTER TABLE webhooks DROP KEY ix_webhooks_tenant, DROP COLUMN tenant_id;
