// Package contracts is the tenant-side contracts module, counted against the plan'\”s contracts limit.
package contracts

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Resource is the quota resource this module counts: one row of its table each.
const Resource core.Resource = "contracts"

// Schema is the contracts table.
var Schema = &core.Schema{
	Table:  "contracts",
	Counts: Resource,
	Fields: []core.Field{
		{Name: "subject", Type: core.TextField, Required: true, Search: true},
		{Name: "customer_id", Type: core.RefField, Ref: "customers", Required: true, Filter: true},
		{Name: "value", Type: core.MoneyField},
		{Name: "start_date", Type: core.DateField},
		{Name: "end_date", Type: core.DateField},
		{Name: "description", Type: core.TextField, Max: 5000},
	},
	DateFilter: "start_date",
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("contracts", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Contract",
	})
}
