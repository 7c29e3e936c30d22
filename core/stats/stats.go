// Package stats computes the superadmin overview: tenants by status, signups
// per day, monthly recurring revenue, open and overdue invoices and what
// failed, in one call instead of paging through every tenant.
package stats

import (
	"context"
	"math/bits"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/ports"
)

// SignupDays is how many days of signups the overview shows.
const SignupDays = 30

// Day is the number of signups on one UTC day.
type Day struct {
	Date  string // YYYY-MM-DD
	Count int64
}

// Overview is the state of the whole installation.
type Overview struct {
	Tenants map[core.Status]int64
	Signups []Day // SignupDays days, oldest first, ending today
	// MRR is the monthly recurring revenue of active subscriptions: each
	// active tenant's plan rate, a yearly rate counted as a twelfth.
	MRR                core.Money
	OpenInvoices       int64
	OpenAmount         core.Money
	OverdueInvoices    int64 // open for longer than the grace days
	OverdueAmount      core.Money
	FailedProvisioning int64 // tenants in status failed
	FailedMigrations   int64
	At                 time.Time
}

// Service computes overviews.
type Service struct {
	reader    ports.StatsReader
	plans     ports.PlanStore
	clock     ports.Clock
	graceDays int
}

// New returns a stats service; invoices open for more than graceDays are overdue.
func New(reader ports.StatsReader, plans ports.PlanStore, clock ports.Clock, graceDays int) *Service {
	return &Service{reader: reader, plans: plans, clock: clock, graceDays: graceDays}
}

// Overview computes the overview now.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	now := s.clock.Now().UTC()
	o := Overview{At: now}
	var err error
	if o.Tenants, err = s.reader.TenantsByStatus(ctx); err != nil {
		return Overview{}, err
	}
	o.FailedProvisioning = o.Tenants[core.StatusFailed]

	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	first := today.AddDate(0, 0, 1-SignupDays)
	times, err := s.reader.SignupTimes(ctx, first)
	if err != nil {
		return Overview{}, err
	}
	o.Signups = make([]Day, SignupDays)
	for i := range o.Signups {
		o.Signups[i].Date = first.AddDate(0, 0, i).Format(time.DateOnly)
	}
	for _, at := range times {
		// Before first the division would truncate towards day 0.
		if i := int(at.UTC().Sub(first) / (24 * time.Hour)); !at.Before(first) && i < SignupDays {
			o.Signups[i].Count++
		}
	}

	active, err := s.reader.ActiveTenantsByPlan(ctx)
	if err != nil {
		return Overview{}, err
	}
	if len(active) > 0 {
		plans, err := s.plans.Plans(ctx)
		if err != nil {
			return Overview{}, err
		}
		for _, p := range plans {
			r := billing.RateOf(p)
			monthly := r.Price
			if r.Cycle == core.Yearly {
				monthly = r.Price / 12
			}
			if o.MRR, err = addMoney(o.MRR, monthly, active[p.ID]); err != nil {
				return Overview{}, err
			}
		}
	}

	open, err := s.reader.OpenInvoices(ctx)
	if err != nil {
		return Overview{}, err
	}
	overdueBefore := now.AddDate(0, 0, -s.graceDays)
	for _, inv := range open {
		o.OpenInvoices++
		if o.OpenAmount, err = addMoney(o.OpenAmount, inv.Total, 1); err != nil {
			return Overview{}, err
		}
		if inv.IssuedAt.Before(overdueBefore) {
			o.OverdueInvoices++
			if o.OverdueAmount, err = addMoney(o.OverdueAmount, inv.Total, 1); err != nil {
				return Overview{}, err
			}
		}
	}
	if o.FailedMigrations, err = s.reader.FailedMigrations(ctx); err != nil {
		return Overview{}, err
	}
	return o, nil
}

// addMoney returns sum + price×n, or core.Invalid when that overflows int64.
func addMoney(sum, price core.Money, n int64) (core.Money, error) {
	overflow := core.Errorf(core.Invalid, "sum of money too large")
	if price < 0 || n < 0 {
		return 0, core.Errorf(core.Invalid, "negative amount in a sum")
	}
	hi, lo := bits.Mul64(uint64(price), uint64(n))
	if hi != 0 || lo > 1<<63-1 {
		return 0, overflow
	}
	total, carry := bits.Add64(uint64(sum), lo, 0)
	if carry != 0 || total > 1<<63-1 {
		return 0, overflow
	}
	return core.Money(total), nil
}
