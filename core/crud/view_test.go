package crud_test

import (
	"context"
	"testing"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
)

var deals = &core.Schema{Table: "deals", Fields: []core.Field{
	{Name: "name", Type: core.TextField, Required: true},
	{Name: "lead_id", Type: core.RefField, Ref: "leads"},
	{Name: "stage", Type: core.EnumField, Values: []string{"open", "won"}},
	{Name: "user_id", Type: core.RefField, Ref: "users", Computed: true},
}}

func view() crud.View {
	e := &crud.Endpoints{Schema: deals, Label: "Deal", Owner: "user_id"}
	return crud.View{E: e, In: []crud.Alias{{Key: "name", Field: "name"}, {Key: "ld_id", Field: "lead_id"}}, Required: []string{"ld_id"}}
}

func TestViewDecode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec, err := view().Decode(ctx, map[string]any{"name": "Big", "ld_id": "7"}, true)
	if err != nil || rec["lead_id"] != int64(7) || rec["name"] != "Big" || rec["stage"] != "open" {
		t.Fatalf("Decode = %v, %v", rec, err)
	}
	for name, tc := range map[string]struct {
		raw    map[string]any
		create bool
		field  string
	}{
		"the table's name is not the view's":  {map[string]any{"name": "x", "ld_id": 1, "lead_id": 1}, true, "lead_id"},
		"a typo":                              {map[string]any{"name": "x", "ld_id": 1, "nmae": "y"}, true, "nmae"},
		"an error named as the view names it": {map[string]any{"name": "x", "ld_id": "abc"}, true, "ld_id"},
		"required by the view":                {map[string]any{"name": "x"}, true, "ld_id"},
		"required by the schema":              {map[string]any{"ld_id": 1}, true, "name"},
		"set by the server":                   {map[string]any{"user_id": 1}, false, "user_id"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := view().Decode(ctx, tc.raw, tc.create)
			if core.KindOf(err) != core.Invalid || core.FieldsOf(err)[tc.field] == "" {
				t.Fatalf("Decode(%v) = %v, want 422 naming %s", tc.raw, err, tc.field)
			}
		})
	}
	if rec, err := view().Decode(ctx, map[string]any{"ld_id": "2"}, false); err != nil || len(rec) != 1 || rec["lead_id"] != int64(2) {
		t.Fatalf("partial Decode = %v, %v", rec, err)
	}
}

func TestViewDescribesItsBody(t *testing.T) {
	t.Parallel()
	body := view().Body()
	if len(body) != 2 || body[1].Name != "ld_id" || body[1].Type != core.RefField || !body[1].Required || !body[0].Required {
		t.Fatalf("Body = %+v", body)
	}
	q := crud.All(crud.Count("sort"), crud.Featured("featured"))
	if len(q.Params) != 2 || q.Params[0].Name != "sort" || q.Params[1].Type != core.BoolField {
		t.Fatalf("Params = %+v", q.Params)
	}
}

func TestViewPresent(t *testing.T) {
	t.Parallel()
	out := view().Present(core.Record{"id": int64(1), "name": "Big", "lead_id": int64(7), "stage": "won"})
	if out["ld_id"] != int64(7) || out["name"] != "Big" || out["id"] != int64(1) {
		t.Fatalf("Present = %v", out)
	}
	if _, ok := out["lead_id"]; ok {
		t.Fatalf("the table's name leaks into the view: %v", out)
	}
}
