// Package sqltenant is the tenant-side storage that MySQL schemas and SQLite
// files share, on database/sql: the records of every module, users and
// their sessions, usage counters, export, and the tenant migrations (goose,
// one version table per tenant database). It imports no driver: what
// differs between databases is a Dialect, and which handle reaches a
// tenant's tables is a Handles, both implemented by adapters/mysql and
// adapters/sqlite, the only packages that use this one.
//
// Table and column names come from module code (core.Schema), never from
// clients; values always travel as query arguments.
package sqltenant
