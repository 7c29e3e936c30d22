package sqltenant

import "database/sql"

// Opener opens a database pool as sql.Open does; tenantID is the tenant
// the pool serves alone (0: none, or many). cmd hands one in that wraps
// the driver (tracing); nil is sql.Open itself.
type Opener func(driverName, dsn string, tenantID int64) (*sql.DB, error)

// Open opens dsn with o, or with sql.Open when o is nil.
func (o Opener) Open(driverName, dsn string, tenantID int64) (*sql.DB, error) {
	if o == nil {
		return sql.Open(driverName, dsn)
	}
	return o(driverName, dsn, tenantID)
}
