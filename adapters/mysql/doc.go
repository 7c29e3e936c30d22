// Package mysql implements tenant databases on a MySQL/MariaDB server: one
// schema per tenant, created, migrated and dropped by the Provisioner and
// served to the tenant-side stores over the shared connection pool.
package mysql
