// Package deals is the tenant-side deals module. One table serves
// /api/v2/deals and seed 003's /api/v1/deals, whose field names are the
// seed's: ld_id (the lead), pro_id (the product), sfun_id (the stage of the
// sales funnel, by number).
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
		{Name: "sales_funnel_id", Type: core.IntField, Filter: true},
		{Name: "user_id", Type: core.RefField, Ref: "users", Computed: true},
	},
	DateFilter: "closing_date",
}

// v1 names the fields as seed 003 does.
var v1 = []crud.Alias{
	{Key: "name", Field: "name"}, {Key: "ld_id", Field: "lead_id"}, {Key: "pro_id", Field: "product_id"},
	{Key: "sfun_id", Field: "sales_funnel_id"}, {Key: "value", Field: "value"}, {Key: "closing_date", Field: "closing_date"},
}

// New returns the module, storing through store.
func New(store ports.RecordStore) *crud.Module {
	e := &crud.Endpoints{Schema: Schema, Store: store, Label: "Deal", Owner: "user_id"}
	view := crud.View{E: e, In: v1, Out: crud.Same("stage", "user_id")}
	m := crud.NewModule("deals", crud.Sub(migrations), e)
	m.With(view.ListRoute("/deals", false, crud.All(view.Mine(), crud.Count("limit"))), view.CreateRoute("/deals"))
	m.With(view.ItemRoutes("/deals/:id", false)...)
	return m
}
