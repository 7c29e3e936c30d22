// The ports of core/stats: the counts the console's overview shows.
package ports

import (
	"context"
	"time"

	"github.com/saasd/saasd/core"
)

// OpenInvoice is what the overview needs of an issued, unpaid invoice.
type OpenInvoice struct {
	Total    core.Money
	IssuedAt time.Time
}

// StatsReader reads aggregates across all tenants from the control database.
type StatsReader interface {
	// TenantsByStatus counts the tenants in each status, deleted ones included.
	TenantsByStatus(ctx context.Context) (map[core.Status]int64, error)
	// SignupTimes returns when each tenant created at or after since was created.
	SignupTimes(ctx context.Context, since time.Time) ([]time.Time, error)
	// ActiveTenantsByPlan counts the active (paying, not trial) tenants per plan ID.
	ActiveTenantsByPlan(ctx context.Context) (map[int64]int64, error)
	// OpenInvoices returns every open invoice.
	OpenInvoices(ctx context.Context) ([]OpenInvoice, error)
	// FailedMigrations counts the tenants whose last migration failed.
	FailedMigrations(ctx context.Context) (int64, error)
}
