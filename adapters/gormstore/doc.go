// Package gormstore implements the control-database ports with GORM:
// tenants, plans, API tokens, idempotency keys, provisioning steps, billing
// (lifecycles, invoices, leases), webhooks and the outbox. It holds no
// driver: the dialector comes from adapters/mysql or adapters/sqlite.
// Schema changes are versioned goose migrations embedded in the binary,
// one folder per dialect.
package gormstore
