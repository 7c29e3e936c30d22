// Package invoices is the tenant-side invoices module, counted against the
// plan's invoices limit. Totals are computed from the line items on the
// server, in minor units; a client's total is never trusted.
package invoices

import (
	"context"
	"embed"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Resource is the quota resource this module counts: one row of its table each.
const Resource core.Resource = "invoices"

// Schema is the invoices table with its items.
var Schema = &core.Schema{
	Table:  "invoices",
	Counts: Resource,
	Fields: []core.Field{
		{Name: "invoice_number", Type: core.TextField, Max: 50, Search: true, Computed: true},
		{Name: "customer_id", Type: core.RefField, Ref: "customers", Required: true, Filter: true},
		{Name: "date", Type: core.DateField},
		{Name: "due_date", Type: core.DateField},
		{Name: "status", Type: core.EnumField, Values: []string{"Unpaid", "Paid", "Partially Paid", "Cancelled", "Draft"}, Filter: true},
		{Name: "amount", Type: core.MoneyField, Computed: true},
		{Name: "notes", Type: core.TextField, Max: 5000},
	},
	DateFilter: "date",
	Items:      &core.ItemsSchema{Table: "invoice_items", FK: "invoice_id"},
	Total:      "amount",
	// INV-2026-0001, … per tenant, by the year of the invoice's date.
	Number: &core.Numbering{Field: "invoice_number", Prefix: "INV-", YearOf: "date", Width: 4},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("invoices", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Invoice",
		Events:      crud.Events{Created: "invoice.created", Updated: "invoice.updated", Deleted: "invoice.deleted"},
		BeforeWrite: defaults,
	})
}

// defaults dates a new invoice the client left undated; its number comes
// from the store (Schema.Number).
func defaults(_ context.Context, _ map[string]any, rec core.Record, create bool) error {
	if !create {
		return nil
	}
	now := time.Now().UTC()
	if rec["date"] == nil {
		rec["date"] = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	}
	return nil
}
