// Package tickets is the tenant-side tickets module.
package tickets

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the tickets table.
var Schema = &core.Schema{
	Table: "tickets",
	Fields: []core.Field{
		{Name: "customer_id", Type: core.RefField, Ref: "customers", Filter: true},
		{Name: "subject", Type: core.TextField, Required: true, Search: true},
		{Name: "message", Type: core.TextField, Max: 10000, Search: true},
		{Name: "department_id", Type: core.IntField, Filter: true},
		{Name: "priority", Type: core.EnumField, Values: []string{"Medium", "Low", "High", "Urgent"}, Filter: true},
		{Name: "status", Type: core.EnumField, Values: []string{"Open", "Pending", "Closed"}, Filter: true},
	},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("tickets", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Ticket",
	})
}
