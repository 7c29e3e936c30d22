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

// Busy reports whether err is the server refusing a connection for a
// while: ER_CON_COUNT_ERROR (1040, too many connections) or
// ER_TOO_MANY_USER_CONNECTIONS (1203, a login's max_user_connections). The
// caller may retry shortly; the edge answers 503 rather than 500.
func Busy(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && (me.Number == 1040 || me.Number == 1203)
}

// IsNoTable reports ER_NO_SUCH_TABLE.
func (dialect) IsNoTable(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && me.Number == 1146
}
