// Package deals is the tenant-side deals module.
package deals

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the deals table.
var Schema = &core.Schema{
	Table: "deals",
	Fields: []core.Field{
		{Name: "name", Type: core.TextField, Required: true, Search: true},
		{Name: "lead_id", Type: core.RefField, Ref: "leads", Filter: true},
		{Name: "product_id", Type: core.RefField, Ref: "products", Filter: true},
		{Name: "value", Type: core.MoneyField},
		{Name: "stage", Type: core.EnumField, Values: []string{"prospecting", "negotiation", "won", "lost"}, Filter: true},
		{Name: "closing_date", Type: core.DateField},
	},
	DateFilter: "closing_date",
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("deals", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Deal",
	})
}
