// Package mysql is everything saasd does with MySQL/MariaDB: the control
// database's dialector (Control, which creates the schema), one schema per
// tenant (Tenants: names and handles over the shared pool; Provisioner:
// create, migrate, drop, and a login per tenant confined to its schema)
// and MySQL's dialect of the shared tenant store (error codes, row locks).
package mysql
