// Package transactions is the tenant-side transactions module.
package transactions

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the transactions table.
var Schema = &core.Schema{
	Table: "transactions",
	Fields: []core.Field{
		{Name: "type", Type: core.EnumField, Values: []string{"Income", "Expense"}, Required: true, Filter: true},
		{Name: "account_id", Type: core.IntField, Required: true, Filter: true},
		{Name: "amount", Type: core.MoneyField, Required: true, Positive: true}, // seed 004: "Amount must be greater than 0"
		{Name: "category_id", Type: core.IntField, Filter: true},
		{Name: "description", Type: core.TextField, Max: 5000, Search: true},
		{Name: "date", Type: core.DateField, Required: true},
	},
	DateFilter: "date",
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("transactions", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Transaction",
		Events: crud.Events{CreatedBy: "type", CreatedAs: map[string]string{"Income": "payment.received", "Expense": "expense.recorded"}},
	})
}
