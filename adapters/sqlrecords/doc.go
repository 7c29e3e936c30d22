// Package sqlrecords implements the tenant-side stores (records of every
// module, users' sessions) with database/sql, for MySQL schemas and SQLite
// files alike. Which handle and which table qualifier serve a tenant is the
// business of a Handles implementation from the mysql or sqlite adapter.
//
// Table and column names come from module code (core.Schema), never from
// clients; values always travel as query arguments.
package sqlrecords
