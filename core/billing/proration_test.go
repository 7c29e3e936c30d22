package billing_test

import (
	"math"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
)

func utcDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestProrate(t *testing.T) {
	t.Parallel()
	basic := billing.Rate{PlanID: 1, PlanName: "Basic", Cycle: core.Monthly, Price: 1000}
	pro := billing.Rate{PlanID: 2, PlanName: "Pro", Cycle: core.Monthly, Price: 4900}
	annual := billing.Rate{PlanID: 3, PlanName: "Annual", Cycle: core.Yearly, Price: 12000}
	annualPro := billing.Rate{PlanID: 4, PlanName: "Annual Pro", Cycle: core.Yearly, Price: 24000}
	rate := func(price core.Money) billing.Rate {
		return billing.Rate{PlanID: 9, PlanName: "Odd", Cycle: core.Monthly, Price: price}
	}
	tests := []struct {
		name        string
		from, to    billing.Rate
		start, end  time.Time
		at          time.Time
		credit      core.Money
		charge      core.Money
		wantInvalid string // the refused field
	}{
		{name: "halfway through a 30-day month", from: basic, to: pro, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 4, 16), credit: -500, charge: 2450},
		{name: "downgrade halfway", from: pro, to: basic, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 4, 16), credit: -2450, charge: 500},
		{name: "31-day month, 21 days left", from: basic, to: pro, start: utcDay(2026, 1, 1), end: utcDay(2026, 2, 1), at: utcDay(2026, 1, 11), credit: -677, charge: 3319},
		{name: "leap February, 15 of 29 days left", from: basic, to: pro, start: utcDay(2028, 2, 1), end: utcDay(2028, 3, 1), at: utcDay(2028, 2, 15), credit: -517, charge: 2534},
		{name: "a tie rounds half-up, not half-even", from: rate(1001), to: rate(1003), start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 4, 16), credit: -501, charge: 502},
		{name: "thirds round to nearest", from: rate(999), to: rate(1000), start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 4, 21), credit: -333, charge: 333},
		{name: "yearly cycle, 184 of 365 days left", from: annual, to: annualPro, start: utcDay(2026, 1, 1), end: utcDay(2027, 1, 1), at: utcDay(2026, 7, 1), credit: -6049, charge: 12099},
		{name: "at the very start", from: basic, to: pro, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 4, 1), credit: -1000, charge: 4900},
		{name: "at the very end", from: basic, to: pro, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 5, 1), credit: 0, charge: 0},
		{name: "second in progress counts as used", from: rate(0), to: rate(2_592_000), start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 4, 16).Add(500 * time.Millisecond), credit: 0, charge: 1_295_999},
		{name: "largest price without overflow", from: rate(0), to: rate(math.MaxInt64), start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 4, 16), credit: 0, charge: 4611686018427387904},
		{name: "before the period", from: basic, to: pro, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 3, 31), wantInvalid: "at"},
		{name: "after the period", from: basic, to: pro, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 5, 2), wantInvalid: "at"},
		{name: "empty period", from: basic, to: pro, start: utcDay(2026, 4, 1), end: utcDay(2026, 4, 1), at: utcDay(2026, 4, 1), wantInvalid: "period"},
		{name: "negative price", from: rate(-1), to: pro, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 4, 16), wantInvalid: "price"},
		{name: "different cycles", from: basic, to: annual, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1), at: utcDay(2026, 4, 16), wantInvalid: "cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			credit, charge, err := billing.Prorate(tt.from, tt.to, tt.start, tt.end, tt.at)
			if tt.wantInvalid != "" {
				if core.KindOf(err) != core.Invalid || core.FieldsOf(err)[tt.wantInvalid] == "" {
					t.Fatalf("Prorate error = %v (fields %v), want invalid %q", err, core.FieldsOf(err), tt.wantInvalid)
				}
				return
			}
			if err != nil {
				t.Fatalf("Prorate: %v", err)
			}
			if credit.Amount() != tt.credit || charge.Amount() != tt.charge {
				t.Errorf("Prorate = credit %s, charge %s; want %s, %s", credit.Amount(), charge.Amount(), tt.credit, tt.charge)
			}
			if credit.Quantity != 1 || charge.Quantity != 1 || credit.Description == "" || charge.Description == "" {
				t.Errorf("lines = %+v, %+v; want one described unit each", credit, charge)
			}
		})
	}
}

func TestRateOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		plan  core.Plan
		cycle core.BillingCycle
		price core.Money
	}{
		{name: "monthly", plan: core.Plan{BillingCycle: core.Monthly, PriceMonthly: 1000, PriceYearly: 9000}, cycle: core.Monthly, price: 1000},
		{name: "no cycle is monthly", plan: core.Plan{PriceMonthly: 1000}, cycle: core.Monthly, price: 1000},
		{name: "yearly price", plan: core.Plan{BillingCycle: core.Yearly, PriceMonthly: 1000, PriceYearly: 9000}, cycle: core.Yearly, price: 9000},
		{name: "yearly without a yearly price", plan: core.Plan{BillingCycle: core.Yearly, PriceMonthly: 1000}, cycle: core.Yearly, price: 12000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if r := billing.RateOf(tt.plan); r.Cycle != tt.cycle || r.Price != tt.price {
				t.Errorf("RateOf = %s at %s, want %s at %s", r.Cycle, r.Price, tt.cycle, tt.price)
			}
		})
	}
}
