// Package quotes is the tenant-side quotes module, counted against the plan'\”s estimates limit; totals are computed from the items.
package quotes

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Resource is the quota resource this module counts: one row of its table each.
const Resource core.Resource = "estimates"

// Schema is the quotes table.
var Schema = &core.Schema{
	Table:  "quotes",
	Counts: Resource,
	Fields: []core.Field{
		{Name: "customer_id", Type: core.RefField, Ref: "customers", Required: true, Filter: true},
		{Name: "valid_until", Type: core.DateField},
		{Name: "status", Type: core.EnumField, Values: []string{"Draft", "Sent", "Accepted", "Declined"}, Filter: true},
		{Name: "amount", Type: core.MoneyField, Computed: true},
		{Name: "notes", Type: core.TextField, Max: 5000},
	},
	DateFilter: "valid_until",
	Items:      &core.ItemsSchema{Table: "quote_items", FK: "quote_id"},
	Total:      "amount",
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("quotes", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Quote",
	})
}
