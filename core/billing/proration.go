package billing

import (
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/saasd/saasd/core"
)

// Rate is what a plan costs per billing period, as a subscription bills it.
type Rate struct {
	PlanID   int64
	PlanName string
	Cycle    core.BillingCycle
	Price    core.Money // per period of Cycle
}

// RateOf returns the rate p is billed at: its own cycle (monthly when unset)
// and the price for that cycle. A yearly plan without a yearly price costs
// twelve monthly prices; plan prices are at most core.MaxPrice, so that
// product fits, and one that would not (a plan stored before the bound)
// costs the most int64 cents hold rather than wrapping into a free year.
func RateOf(p core.Plan) Rate {
	r := Rate{PlanID: p.ID, PlanName: p.Name, Cycle: p.BillingCycle, Price: p.PriceMonthly}
	if r.Cycle == "" {
		r.Cycle = core.Monthly
	}
	if r.Cycle == core.Yearly {
		r.Price = p.PriceYearly
		if r.Price == 0 {
			var err error
			if r.Price, err = p.PriceMonthly.Mul(12); err != nil {
				r.Price = math.MaxInt64
			}
		}
	}
	return r
}

// ProratedAmount returns the part of price that the rest of the period
// [start, end) from at is worth: price × (end−at) / (end−start), both
// durations in whole seconds (the second in progress at at counts as used),
// rounded half-up to the cent. The arithmetic is exact 128-bit integer
// arithmetic, so any int64 price is safe. Returns core.Invalid for a negative
// price, a period shorter than one second, or at outside [start, end].
func ProratedAmount(price core.Money, start, end, at time.Time) (core.Money, error) {
	switch {
	case price < 0:
		return 0, core.InvalidFields(map[string]string{"price": "must not be negative"})
	case end.Sub(start) < time.Second:
		return 0, core.InvalidFields(map[string]string{"period": "must last at least one second"})
	case at.Before(start) || at.After(end):
		return 0, core.InvalidFields(map[string]string{"at": "must lie within the period"})
	}
	length := uint64(end.Sub(start) / time.Second)
	remaining := uint64(end.Sub(at) / time.Second)
	return core.Money(mulDivHalfUp(uint64(price), remaining, length)), nil
}

// mulDivHalfUp returns a×b/c rounded half-up, for b <= c (so the result fits).
func mulDivHalfUp(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, r := bits.Div64(hi, lo, c)
	if r >= c-r { // 2r >= c without overflowing
		q++
	}
	return q
}

// Prorate prices a change from one rate to another at time at inside the
// current period [start, end) of a subscription. It returns two invoice
// lines: the credit for the unused part of from (negative) and the charge for
// the rest of the period on to, each ProratedAmount of its price, that is
// price × remaining/length in whole seconds rounded half-up to the cent.
// For example $10.00 → $49.00 halfway through a 30-day month gives −5.00 and
// +24.50. Both rates must share a billing cycle; a change of cycle restarts
// the period instead (see Lifecycle.ChangePlan). Returns core.Invalid.
func Prorate(from, to Rate, start, end, at time.Time) (credit, charge Line, err error) {
	if from.Cycle != to.Cycle {
		return Line{}, Line{}, core.InvalidFields(map[string]string{"cycle": "prorating needs plans with the same billing cycle"})
	}
	unused, err := ProratedAmount(from.Price, start, end, at)
	if err != nil {
		return Line{}, Line{}, err
	}
	rest, err := ProratedAmount(to.Price, start, end, at)
	if err != nil {
		return Line{}, Line{}, err
	}
	credit = Line{Description: fmt.Sprintf("Unused time on %s (%s to %s)", from.PlanName, day(at), day(end)), Quantity: 1, UnitAmount: -unused}
	charge = Line{Description: fmt.Sprintf("Remaining time on %s (%s to %s)", to.PlanName, day(at), day(end)), Quantity: 1, UnitAmount: rest}
	return credit, charge, nil
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
