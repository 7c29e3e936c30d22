// Package gormstore implements the control-database ports (tenants, plans,
// API tokens) with GORM, on MySQL/MariaDB or on an embedded SQLite file.
// Schema changes are versioned goose migrations embedded in the binary.
package gormstore
