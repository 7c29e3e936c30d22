// Package customers is the tenant-side customers module, counted against the plan'\”s customers limit.
package customers

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Resource is the quota resource this module counts: one row of its table each.
const Resource core.Resource = "customers"

// Schema is the customers table.
var Schema = &core.Schema{
	Table:  "customers",
	Counts: Resource,
	Fields: []core.Field{
		{Name: "account", Type: core.TextField, Required: true, Search: true},
		{Name: "email", Type: core.EmailField, Search: true, Filter: true},
		{Name: "phone", Type: core.TextField, Max: 50, Search: true},
		{Name: "address", Type: core.TextField},
		{Name: "city", Type: core.TextField, Max: 100},
		{Name: "state", Type: core.TextField, Max: 100},
		{Name: "zip", Type: core.TextField, Max: 20},
		{Name: "country", Type: core.TextField, Max: 2},
	},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("customers", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Customer",
		Events: crud.Events{Created: "customer.created", Updated: "customer.updated", Deleted: "customer.deleted"},
	})
}
