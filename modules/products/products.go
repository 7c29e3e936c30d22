// Package products is the tenant-side products module. One table serves
// two views: /api/v2/products by id, and seed 003's /api/v1/products by a
// slug made from the name, with the seed's own field names (company, unit,
// procat_id, …) and /api/v1/auth/product, the signed-in user's.
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
		{Name: "procat_id", Type: core.RefField, Ref: "categories", Filter: true},
		{Name: "prosubcat_id", Type: core.RefField, Ref: "subcategories", Filter: true},
		{Name: "company_id", Type: core.RefField, Ref: "companies", Filter: true},
		{Name: "vendor", Type: core.TextField, Search: true},
		{Name: "tags", Type: core.TextField, Max: 500, Search: true},
		{Name: "location", Type: core.TextField},
		{Name: "min_quantity", Type: core.IntField},
		{Name: "picture", Type: core.TextField, Max: 2048}, // the URL of the picture
		{Name: "unit_id", Type: core.RefField, Ref: "units"},
		{Name: "featured", Type: core.BoolField, Filter: true},
		{Name: crud.SlugField, Type: core.TextField, Computed: true, Unique: true},
		{Name: "user_id", Type: core.RefField, Ref: "users", Computed: true},
	},
}

// V1 is the products table as seed 003 names its fields.
var V1 = []crud.Alias{
	{Key: "name", Field: "name"}, {Key: "price", Field: "price"}, {Key: "description", Field: "description"},
	{Key: "procat_id", Field: "procat_id"}, {Key: "prosubcat_id", Field: "prosubcat_id"}, {Key: "company", Field: "company_id"},
	{Key: "vendor", Field: "vendor"}, {Key: "tags", Field: "tags"}, {Key: "location", Field: "location"},
	{Key: "min_quantity", Field: "min_quantity"}, {Key: "picture", Field: "picture"}, {Key: "unit", Field: "unit_id"},
	{Key: "featured", Field: "featured"},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	e := &crud.Endpoints{Schema: Schema, Store: store, Label: "Product", SlugFrom: "name", Owner: "user_id"}
	v1 := crud.View{E: e, In: V1, Out: crud.Same(crud.SlugField, "user_id")}
	m := crud.NewModule("products", crud.Sub(migrations), e)
	m.With(v1.ListRoute("/products", true, crud.All(crud.Count("sort"), crud.Featured("featured"), unique)), v1.CreateRoute("/products"))
	m.With(v1.ItemRoutes("/products/:slug", true)...)
	m.With(v1.ListRoute("/auth/product", false, crud.All(v1.Mine(), crud.Count("limit"))))
	return m
}

// unique is seed 003's ?unique=true: one product (the newest) of each user.
var unique = crud.FlagQuery("unique", false, func(q *core.ListQuery, set bool) {
	if set {
		q.OnePer = "user_id"
	}
})
