package stats_test

import (
	"context"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/stats"
	"github.com/saasd/saasd/ports"
)

// reader is a StatsReader with fixed answers.
type reader struct {
	byStatus map[core.Status]int64
	signups  []time.Time
	active   map[int64]int64
	open     []ports.OpenInvoice
}

func (r reader) TenantsByStatus(context.Context) (map[core.Status]int64, error) {
	return r.byStatus, nil
}
func (r reader) SignupTimes(context.Context, time.Time) ([]time.Time, error)  { return r.signups, nil }
func (r reader) ActiveTenantsByPlan(context.Context) (map[int64]int64, error) { return r.active, nil }
func (r reader) OpenInvoices(context.Context) ([]ports.OpenInvoice, error)    { return r.open, nil }
func (r reader) FailedMigrations(context.Context) (int64, error)              { return 2, nil }

func TestOverview(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC)
	plans := memory.NewStores()
	monthly := core.Plan{Name: "M", PriceMonthly: 3000, BillingCycle: core.Monthly, Limits: core.Limits{}}
	yearly := core.Plan{Name: "Y", PriceMonthly: 1000, PriceYearly: 12000, BillingCycle: core.Yearly, Limits: core.Limits{}}
	for _, p := range []*core.Plan{&monthly, &yearly} {
		if err := plans.CreatePlan(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	r := reader{
		byStatus: map[core.Status]int64{core.StatusActive: 3, core.StatusFailed: 1},
		signups:  []time.Time{now, now.Add(-time.Hour), now.AddDate(0, 0, -29), now.AddDate(0, 0, -30)},
		active:   map[int64]int64{monthly.ID: 2, yearly.ID: 1},
		open:     []ports.OpenInvoice{{Total: 500, IssuedAt: now.AddDate(0, 0, -8)}, {Total: 700, IssuedAt: now.AddDate(0, 0, -1)}},
	}
	o, err := stats.New(r, plans, clock.NewFake(now), 7).Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o.MRR != 2*3000+1000 {
		t.Errorf("MRR = %v, want 70.00", o.MRR)
	}
	if len(o.Signups) != stats.SignupDays || o.Signups[29].Date != "2026-03-31" || o.Signups[29].Count != 2 ||
		o.Signups[0].Date != "2026-03-02" || o.Signups[0].Count != 1 {
		t.Errorf("signups = %+v", o.Signups)
	}
	if o.OpenInvoices != 2 || o.OpenAmount != 1200 || o.OverdueInvoices != 1 || o.OverdueAmount != 500 {
		t.Errorf("invoices = %+v", o)
	}
	if o.FailedProvisioning != 1 || o.FailedMigrations != 2 {
		t.Errorf("failed = %d, %d", o.FailedProvisioning, o.FailedMigrations)
	}

	r.open = []ports.OpenInvoice{{Total: 1 << 62}, {Total: 1 << 62}}
	if _, err := stats.New(r, plans, clock.NewFake(now), 7).Overview(ctx); core.KindOf(err) != core.Invalid {
		t.Errorf("overflowing sum: %v", err)
	}
}
