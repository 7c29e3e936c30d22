// Package quotes is the tenant-side quotes module, counted against the plan'\”s estimates limit; totals are computed from the items.
package quotes

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/records"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the quotes table.
var Schema = &core.Schema{
	Table:  "quotes",
	Counts: core.Estimates,
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
func New(store ports.RecordStore) *records.Module {
	return records.NewModule("quotes", records.Sub(migrations), &records.Resource{
		Schema: Schema, Store: store, Label: "Quote",
	})
}
