package mysql

import (
	"errors"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// dialect is MySQL's and MariaDB's SQL for the shared tenant store.
type dialect struct{}

func (dialect) Name() string       { return "mysql" }
func (dialect) LockSuffix() string { return "FOR UPDATE" }

// IsDuplicate reports ER_DUP_ENTRY.
func (dialect) IsDuplicate(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && me.Number == 1062
}

func (dialect) TablesQuery(database string) (string, []any) {
	return "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name", []any{database}
}

// IsNoTable reports ER_NO_SUCH_TABLE.
func (dialect) IsNoTable(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && me.Number == 1146
}
