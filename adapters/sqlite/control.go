package sqlite

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	gormsqlite "github.com/glebarez/sqlite"
	"gorm.io/gorm"
)

// Control returns the GORM dialector of the control database in the file
// at path (for adapters/gormstore), creating the file's directory.
func Control(path string, open func(driverName, dsn string, tenantID int64) (*sql.DB, error)) (gorm.Dialector, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	if open == nil {
		return gormsqlite.Open(DSN(path)), nil
	}
	conn, err := open(gormsqlite.DriverName, DSN(path), 0)
	if err != nil {
		return nil, err
	}
	return &gormsqlite.Dialector{Conn: conn}, nil
}

// DSN adds the pragmas every SQLite file of saasd is opened with: WAL so
// readers do not block the writer, a busy timeout instead of immediate
// SQLITE_BUSY, and enforced foreign keys.
func DSN(path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
}
