// Package contacts is the tenant-side contacts module.
package contacts

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the contacts table.
var Schema = &core.Schema{
	Table: "contacts",
	Fields: []core.Field{
		{Name: "first_name", Type: core.TextField, Required: true, Search: true},
		{Name: "last_name", Type: core.TextField, Search: true},
		{Name: "email", Type: core.EmailField, Search: true, Filter: true},
		{Name: "phone", Type: core.TextField, Max: 50},
		{Name: "mobile", Type: core.TextField, Max: 50},
		{Name: "customer_id", Type: core.RefField, Ref: "customers", Filter: true},
	},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("contacts", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Contact",
	})
}
