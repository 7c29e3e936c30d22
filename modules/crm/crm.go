// Package crm is the tenant-side schema of the CRM records that plans
// limit: customers, invoices, quotes, projects, tasks, contracts and users.
package crm

import (
	"embed"
	"io/fs"

	"github.com/saasd/saasd/core"
)

//go:embed migrations
var migrations embed.FS

// Name is the module's name: its migration namespace.
const Name = "crm"

// Migrations returns the tenant tables, as mysql/*.sql and sqlite/*.sql.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

// Tables maps each limited resource to the tenant table whose rows count
// against it.
func Tables() map[core.Resource]string {
	return map[core.Resource]string{
		core.Customers: "customers",
		core.Invoices:  "invoices",
		core.Projects:  "projects",
		core.Staff:     "users",
		core.Estimates: "quotes",
		core.Contracts: "contracts",
		core.Tasks:     "tasks",
	}
}
