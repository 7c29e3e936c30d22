// The ports of core/kernel and the tenant-side modules: their records, and
// the outbox the kernel announces quota thresholds through.
package ports

import (
	"context"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
)

// RecordStore keeps the records of tenant-side modules in the tenant's own
// database. Schemas come from code; values have been validated by
// core.Schema.Decode.
type RecordStore interface {
	// List returns a page of records, newest first, and the total matching q.
	List(ctx context.Context, t core.Tenant, s *core.Schema, q core.ListQuery) ([]core.Record, int64, error)
	// Get returns one record. Returns core.NotFound.
	Get(ctx context.Context, t core.Tenant, s *core.Schema, id int64) (core.Record, error)
	// Create inserts all records or none. When quota is limited, the rows of
	// the table are counted and locked in the same transaction, so parallel
	// creates can never pass the limit. Returns core.QuotaExceeded,
	// core.Invalid (a reference to a missing row) or core.Conflict.
	Create(ctx context.Context, t core.Tenant, s *core.Schema, recs []core.Record, quota quota.Quota) ([]core.Record, error)
	// Update changes the given fields of one record. Returns core.NotFound,
	// core.Invalid or core.Conflict.
	Update(ctx context.Context, t core.Tenant, s *core.Schema, id int64, r core.Record) (core.Record, error)
	// Delete removes one record (and its items). Returns core.NotFound.
	Delete(ctx context.Context, t core.Tenant, s *core.Schema, id int64) error
}

// Outbox appends events for webhooks outside any other transaction, for
// events whose cause lives in another database (a tenant's).
type Outbox interface {
	Append(ctx context.Context, events ...core.Event) error
}

// RecordTotals adds up money in a tenant's records, in the tenant's database.
type RecordTotals interface {
	// Sum adds up the Money field over the records of s that match q's
	// Filters (a []any value matches any of its values) and DateFrom/DateTo
	// (page, limit and search are ignored), exactly, in minor units.
	// Returns core.Invalid when the sum leaves the range of Money.
	Sum(ctx context.Context, t core.Tenant, s *core.Schema, field string, q core.ListQuery) (core.Money, error)
}
