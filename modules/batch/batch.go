// Package batch is the tenant-side batch module: POST /api/v2/batch/customers
// creates every customer given or none, within the customers limit.
package batch

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/quota"
)

// MaxBatch bounds one batch.
const MaxBatch = 100

// Module is the batch module.
type Module struct {
	customers *crud.Endpoints
}

// New returns the module creating through customers, the customers
// module's endpoints (handed over by cmd/saasd: modules never import each
// other), so that batch creates are decoded, checked and counted exactly as
// single ones.
func New(customers *crud.Endpoints) *Module {
	return &Module{customers: customers}
}

// Name returns "batch".
func (m *Module) Name() string { return "batch" }

// Resources is empty: batch creates are charged to customers, whose table
// the customers module counts.
func (m *Module) Resources() []core.Resource { return nil }

// Migrations is nil: the batch module has no tables of its own.
func (m *Module) Migrations() fs.FS { return nil }

// Routes returns the batch endpoints.
func (m *Module) Routes() []kernel.Route {
	return []kernel.Route{{
		Method: "POST", Path: "/customers", Charges: m.customers.Schema.Counts, Status: 201,
		Message: "Customers created successfully", Handle: m.createCustomers,
		Doc:   kernel.Doc{Summary: "Create 1 to 100 customers, all or none", Request: batchRequest{}, Response: batchResult{}},
		Emits: m.customers.Events.CreatedEvents(),
	}}
}

// batchRequest is the body of a batch create.
type batchRequest struct {
	Customers []map[string]any `json:"customers"`
}

// batchResult is the answer: the customers created, in order.
type batchResult struct {
	Customers []any `json:"customers"`
	Count     int   `json:"count"`
}

func (m *Module) createCustomers(ctx context.Context, in kernel.Input) (any, error) {
	var body batchRequest
	if err := in.Bind(&body); err != nil {
		return nil, err
	}
	if len(body.Customers) == 0 || len(body.Customers) > MaxBatch {
		return nil, core.InvalidFields(map[string]string{"customers": fmt.Sprintf("must list 1 to %d customers", MaxBatch)})
	}
	recs := make([]core.Record, len(body.Customers))
	errs := map[string]string{}
	for i, raw := range body.Customers {
		rec, err := m.customers.Decode(ctx, raw, true)
		if err != nil {
			for f, why := range core.FieldsOf(err) {
				errs[fmt.Sprintf("customers.%d.%s", i, f)] = why
			}
			continue
		}
		recs[i] = rec
	}
	if len(errs) > 0 {
		return nil, core.InvalidFields(errs)
	}
	t, _ := core.TenantFrom(ctx)
	created, err := m.customers.Store.Create(ctx, t, m.customers.Schema, recs, quota.From(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]any, len(created))
	for i, rec := range created {
		presented := crud.Present(m.customers.Schema, rec)
		m.customers.AnnounceCreated(ctx, presented)
		out[i] = presented
	}
	return batchResult{Customers: out, Count: len(out)}, nil
}
