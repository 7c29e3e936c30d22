// Package products is the tenant-side products module.
package products

import (
	"embed"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/ports"
)

//go:embed migrations
var migrations embed.FS

// Schema is the products table.
var Schema = &core.Schema{
	Table: "products",
	Fields: []core.Field{
		{Name: "name", Type: core.TextField, Required: true, Search: true},
		{Name: "price", Type: core.MoneyField, Required: true},
		{Name: "description", Type: core.TextField, Max: 5000, Search: true},
		{Name: "type", Type: core.EnumField, Values: []string{"product", "service"}, Filter: true},
		{Name: "tax_rate", Type: core.IntField},
	},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	return crud.NewModule("products", crud.Sub(migrations), &crud.Endpoints{
		Schema: Schema, Store: store, Label: "Product",
	})
}
