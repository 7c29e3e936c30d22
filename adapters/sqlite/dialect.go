package sqlite

import (
	"errors"
	"strings"

	gosqlite "github.com/glebarez/go-sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is SQLite's SQL for the shared tenant store.
type dialect struct{}

func (dialect) Name() string { return "sqlite" }

// LockSuffix is empty: SQLite has no row locks, and a tenant file's handle
// has one connection, so its transactions are serial anyway.
func (dialect) LockSuffix() string { return "" }

// IsDuplicate reports a unique or primary key constraint failure.
func (dialect) IsDuplicate(err error) bool {
	var se *gosqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func (dialect) TablesQuery(string) (string, []any) {
	return "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", nil
}

// IsNoTable reports SQLite's "no such table", which has no code of its own.
func (dialect) IsNoTable(err error) bool { return strings.Contains(err.Error(), "no such table") }
