// Package sqlite is everything saasd does with SQLite, with a pure-Go driver
// so that saasd builds with CGO_ENABLED=0: the control database's dialector
// (Control), one file per tenant (Tenants: names and bounded open handles;
// Provisioner: create, migrate, drop) and SQLite's dialect of the shared
// tenant store.
package sqlite
