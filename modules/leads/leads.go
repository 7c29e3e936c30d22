// Package leads is the tenant-side leads module.
package leads

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the leads table.
var Schema = &core.Schema{
	Table: "leads",
	Fields: []core.Field{
		{Name: "first_name", Type: core.TextField, Required: true, Search: true},
		{Name: "last_name", Type: core.TextField, Search: true},
		{Name: "email", Type: core.EmailField, Search: true, Filter: true},
		{Name: "company", Type: core.TextField, Search: true},
		{Name: "phone", Type: core.TextField, Max: 50},
		{Name: "source", Type: core.TextField, Max: 100, Filter: true},
		{Name: "status", Type: core.EnumField, Values: []string{"new", "contacted", "qualified", "won", "lost"}, Filter: true},
	},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("leads", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Lead",
	})
}
