package billing

import (
	"fmt"
	"slices"
	"time"

	"github.com/saasd/saasd/core"
)

// State is where a subscription stands in its billing life.
type State string

// Subscription states. Canceled and Expired are terminal.
const (
	Trialing  State = "trialing"
	Active    State = "active"
	PastDue   State = "past_due"  // a bill is unpaid past the grace days
	Suspended State = "suspended" // still unpaid after the suspension delay
	Canceled  State = "canceled"
	Expired   State = "expired"
)

// Terminal reports whether s is final: nothing but payments of old bills
// happens to a canceled or expired subscription.
func (s State) Terminal() bool { return s == Canceled || s == Expired }

func (s State) valid() bool {
	switch s {
	case Trialing, Active, PastDue, Suspended, Canceled, Expired:
		return true
	}
	return false
}

// Cause says why an event happened.
type Cause string

// Event causes.
const (
	CauseStart           Cause = "start"
	CauseTrialEnd        Cause = "trial_end"        // trial over, first period billed
	CauseRenewal         Cause = "renewal"          // period over, next one billed
	CauseOverdue         Cause = "overdue"          // a bill unpaid past the grace days
	CauseSuspend         Cause = "suspend"          // still unpaid after the suspension delay
	CausePayment         Cause = "payment"          // a bill paid
	CauseCancel          Cause = "cancel"           // canceled at once
	CauseCancelScheduled Cause = "cancel_scheduled" // will cancel at the end of the period
	CausePeriodEndCancel Cause = "period_end_cancel"
	CausePlanChange      Cause = "plan_change"
	CauseExpiry          Cause = "expiry"
)

// Event is one recorded step of a subscription. At is when the step fell
// due, not when Advance noticed it, so a subscription advanced late records
// the same events as one advanced on time. From equals To for steps that
// keep the state (a renewal, a payment that leaves bills overdue).
type Event struct {
	At     time.Time
	From   State // "" for the start
	To     State
	Cause  Cause
	PlanID int64 // the plan after the step
	Bill   int   // the bill the step raised, paid or found overdue; 0 for none
}

// Bill is what a subscription owes for a stretch of service. The caller
// turns each bill into an Invoice (Bill.Invoice) and reports its payment
// with Lifecycle.Pay. A bill with a zero total is settled when raised.
type Bill struct {
	N           int // 1-based, in the order raised; unique per subscription
	PeriodStart time.Time
	PeriodEnd   time.Time
	Lines       []Line
	Total       core.Money // never negative: a surplus credit is carried instead
	DueAt       time.Time
	PaidAt      time.Time // zero while unpaid
}

// Paid reports whether b has been paid or needed no payment.
func (b Bill) Paid() bool { return !b.PaidAt.IsZero() }

// Default collection terms.
const (
	DefaultGraceDays   = 7
	DefaultSuspendDays = 14
)

// Terms are how strictly a subscription is collected and when it ends.
type Terms struct {
	GraceDays   int       // days a bill may stay unpaid before past_due
	SuspendDays int       // further days in past_due before suspended
	ExpiresAt   time.Time // when the subscription expires; zero for never
}

// DefaultTerms returns the default grace and suspension delays, no expiry.
func DefaultTerms() Terms {
	return Terms{GraceDays: DefaultGraceDays, SuspendDays: DefaultSuspendDays}
}

// Lifecycle is the billing state of one tenant's subscription: a pure state
// machine with no storage and no clock of its own. Every operation takes the
// time it happens at and first applies everything due up to then (Advance);
// it returns the events it recorded, which are also appended to Events.
// Times are kept in UTC.
//
// Periods are calendar periods anchored at Anchor: period k runs from
// AddMonths(Anchor, k·m) to AddMonths(Anchor, (k+1)·m), m being 1 or 12, so
// a subscription anchored on Jan 31 renews on Feb 28, Mar 31, Apr 30.
//
// A past_due or suspended subscription keeps renewing and billing each
// period exactly once, so that paying what is overdue restores it without
// gaps; cancel it to stop billing. Fields are exported for storage; change
// them only through the methods.
type Lifecycle struct {
	PlanID   int64
	PlanName string
	Cycle    core.BillingCycle
	Price    core.Money // per period of the current plan
	State    State

	Anchor      time.Time // start of period 0 of the current cycle
	Period      int       // index of the current period since Anchor
	PeriodStart time.Time // zero while trialing
	PeriodEnd   time.Time
	TrialEnd    time.Time // zero without a trial

	CancelAtPeriodEnd bool
	ExpiresAt         time.Time // zero for never
	GraceDays         int
	SuspendDays       int
	PastDueSince      time.Time  // zero unless past_due or suspended
	Credit            core.Money // owed to the tenant, deducted from the next bills
	AsOf              time.Time  // the latest time the subscription was advanced to

	Bills  []Bill
	Events []Event
}

// Start begins a subscription to plan at at: trialing until at + the plan's
// trial days when the plan has a trial, else active with its first period
// billed at once. Returns core.Invalid naming every refused field.
func Start(plan core.Plan, at time.Time, terms Terms) (*Lifecycle, []Event, error) {
	errs := map[string]string{}
	checkPlan(plan, errs)
	if terms.GraceDays < 0 || terms.GraceDays > 365 {
		errs["grace_days"] = "must be between 0 and 365"
	}
	if terms.SuspendDays < 0 || terms.SuspendDays > 365 {
		errs["suspend_days"] = "must be between 0 and 365"
	}
	if at.IsZero() {
		errs["at"] = "is required"
	} else if !terms.ExpiresAt.IsZero() && !terms.ExpiresAt.After(at) {
		errs["expires_at"] = "must be after the start"
	}
	if len(errs) > 0 {
		return nil, nil, core.InvalidFields(errs)
	}
	at = at.UTC()
	l := &Lifecycle{GraceDays: terms.GraceDays, SuspendDays: terms.SuspendDays, AsOf: at}
	if !terms.ExpiresAt.IsZero() {
		l.ExpiresAt = terms.ExpiresAt.UTC()
	}
	l.setRate(RateOf(plan))
	if plan.TrialEnabled && plan.TrialDays > 0 {
		l.TrialEnd = at.AddDate(0, 0, plan.TrialDays)
		l.record(at, Trialing, CauseStart, 0)
	} else {
		l.beginCycle(at)
		n := l.raisePeriodBill()
		l.record(at, Active, CauseStart, n)
	}
	return l, slices.Clone(l.Events), nil
}

// Validate checks a lifecycle read back from storage. Returns core.Invalid.
func (l *Lifecycle) Validate() error {
	errs := map[string]string{}
	if !l.State.valid() {
		errs["state"] = "unknown state"
	}
	if l.PlanID <= 0 {
		errs["plan_id"] = "is required"
	}
	if l.Cycle != core.Monthly && l.Cycle != core.Yearly {
		errs["cycle"] = "must be monthly or yearly"
	}
	if l.Price < 0 {
		errs["price"] = "must not be negative"
	}
	if l.Credit < 0 {
		errs["credit"] = "must not be negative"
	}
	if l.GraceDays < 0 || l.SuspendDays < 0 {
		errs["terms"] = "grace and suspension days must not be negative"
	}
	if l.State == Trialing && l.TrialEnd.IsZero() {
		errs["trial_end"] = "is required while trialing"
	}
	if l.State != Trialing && l.State.valid() && !l.PeriodStart.IsZero() && !l.PeriodEnd.After(l.PeriodStart) {
		errs["period_end"] = "must be after the period start"
	}
	for i, b := range l.Bills {
		if b.N != i+1 {
			errs["bills"] = "must be numbered 1, 2, 3… in order"
		}
	}
	if len(errs) > 0 {
		return core.InvalidFields(errs)
	}
	return nil
}

// Bill returns bill n.
func (l *Lifecycle) Bill(n int) (Bill, bool) {
	if n < 1 || n > len(l.Bills) {
		return Bill{}, false
	}
	return l.Bills[n-1], true
}

// Advance applies, in time order, everything due up to now: the end of the
// trial, each period end (one renewal and one bill per period, or the
// scheduled cancellation), bills turning overdue, suspension and expiry. It
// catches up over any downtime and is idempotent: advancing again to the
// same or an earlier time does nothing. Steps due at the same instant apply
// in the order expiry, overdue, suspension, trial end, period end.
func (l *Lifecycle) Advance(now time.Time) []Event {
	now = now.UTC()
	mark := len(l.Events)
	for {
		d, ok := l.next()
		if !ok || d.at.After(now) {
			break
		}
		l.apply(d)
	}
	if now.After(l.AsOf) {
		l.AsOf = now
	}
	return l.since(mark)
}

// Pay records that bill n was paid at at. When nothing else is overdue then,
// a past_due or suspended subscription becomes active again. Old bills of a
// canceled or expired subscription can still be paid. Returns core.NotFound
// for an unknown bill, core.Conflict for a bill already paid, core.Invalid
// for a time before AsOf.
func (l *Lifecycle) Pay(n int, at time.Time) ([]Event, error) {
	return l.do(at, func(c *Lifecycle, at time.Time) error {
		if n < 1 || n > len(c.Bills) {
			return core.Errorf(core.NotFound, "bill %d not found", n)
		}
		b := &c.Bills[n-1]
		if b.Paid() {
			return core.Errorf(core.Conflict, "bill %d is already paid", n)
		}
		b.PaidAt = at
		to := c.State
		if (to == PastDue || to == Suspended) && !c.overdue(at) {
			to, c.PastDueSince = Active, time.Time{}
		}
		c.record(at, to, CausePayment, n)
		return nil
	})
}

// Cancel ends the subscription: at once, or at the end of the current period
// (of the trial while trialing) when atPeriodEnd is set. Canceling at once
// refunds nothing and leaves unpaid bills owed. Scheduling a cancellation
// that is already scheduled does nothing. Returns core.Conflict when the
// subscription is already canceled or expired, core.Invalid for a time
// before AsOf.
func (l *Lifecycle) Cancel(atPeriodEnd bool, at time.Time) ([]Event, error) {
	return l.do(at, func(c *Lifecycle, at time.Time) error {
		switch {
		case c.State.Terminal():
			return core.Errorf(core.Conflict, "subscription is already %s", c.State)
		case !atPeriodEnd:
			c.record(at, Canceled, CauseCancel, 0)
		case !c.CancelAtPeriodEnd:
			c.CancelAtPeriodEnd = true
			c.record(at, c.State, CauseCancelScheduled, 0)
		}
		return nil
	})
}

// ChangePlan moves the subscription to plan at at.
//
// While trialing only the plan changes; the first bill at the end of the
// trial is for the new plan. While active, a plan on the same cycle is
// prorated over the rest of the current period (Prorate): one bill due at
// at with the credit for the old plan and the charge for the new one. A plan
// on another cycle restarts the periods at at: the bill credits the unused
// part of the old period and charges a full period of the new plan. A
// bill whose credit exceeds its charge is settled at once and the surplus
// kept in Credit for the next bills.
//
// Changing to the current plan does nothing. Returns core.Conflict while
// past_due or suspended (pay first) or once canceled or expired,
// core.Invalid for a bad plan or a time before AsOf.
func (l *Lifecycle) ChangePlan(plan core.Plan, at time.Time) ([]Event, error) {
	errs := map[string]string{}
	if checkPlan(plan, errs); len(errs) > 0 {
		return nil, core.InvalidFields(errs)
	}
	to := RateOf(plan)
	return l.do(at, func(c *Lifecycle, at time.Time) error {
		switch {
		case c.State.Terminal():
			return core.Errorf(core.Conflict, "subscription is %s", c.State)
		case c.State == PastDue || c.State == Suspended:
			return core.Errorf(core.Conflict, "subscription is %s: pay the overdue bills before changing plan", c.State)
		case to.PlanID == c.PlanID:
			return nil
		case c.State == Trialing:
			c.setRate(to)
			c.record(at, Trialing, CausePlanChange, 0)
			return nil
		}
		var lines []Line
		if to.Cycle == c.Cycle {
			credit, charge, err := Prorate(c.rate(), to, c.PeriodStart, c.PeriodEnd, at)
			if err != nil {
				return err
			}
			lines = []Line{credit, charge}
			c.setRate(to)
		} else {
			unused, err := ProratedAmount(c.Price, c.PeriodStart, c.PeriodEnd, at)
			if err != nil {
				return err
			}
			lines = []Line{{Description: fmt.Sprintf("Unused time on %s (%s to %s)", c.PlanName, day(at), day(c.PeriodEnd)), Quantity: 1, UnitAmount: -unused}}
			c.setRate(to)
			c.beginCycle(at)
			lines = append(lines, c.periodLine())
		}
		n := c.raise(at, at, c.PeriodEnd, lines)
		c.record(at, c.State, CausePlanChange, n)
		return nil
	})
}

// SetExpiry sets when the subscription expires; the zero time removes the
// expiry. The next Advance past it expires the subscription. Returns
// core.Conflict once canceled or expired, core.Invalid for a time before
// AsOf.
func (l *Lifecycle) SetExpiry(expiresAt time.Time) error {
	if l.State.Terminal() {
		return core.Errorf(core.Conflict, "subscription is already %s", l.State)
	}
	if !expiresAt.IsZero() && expiresAt.Before(l.AsOf) {
		return core.InvalidFields(map[string]string{"expires_at": "must not be before " + l.AsOf.Format(time.RFC3339)})
	}
	if !expiresAt.IsZero() {
		expiresAt = expiresAt.UTC()
	}
	l.ExpiresAt = expiresAt
	return nil
}

// do advances a copy of l to at, applies op to it and keeps the copy only
// when op succeeds, so a refused operation leaves l as it was.
func (l *Lifecycle) do(at time.Time, op func(c *Lifecycle, at time.Time) error) ([]Event, error) {
	if at.IsZero() {
		return nil, core.InvalidFields(map[string]string{"at": "is required"})
	}
	at = at.UTC()
	if at.Before(l.AsOf) {
		return nil, core.InvalidFields(map[string]string{"at": "must not be before " + l.AsOf.Format(time.RFC3339)})
	}
	c := *l
	c.Bills = slices.Clone(l.Bills) // bills are only paid in place; their lines never change
	c.Events = slices.Clone(l.Events)
	mark := len(c.Events)
	c.Advance(at)
	if err := op(&c, at); err != nil {
		return nil, err
	}
	*l = c
	return l.since(mark), nil
}

// step is a kind of due step; lower values win ties.
type step int

const (
	stepExpire step = iota
	stepOverdue
	stepSuspend
	stepTrialEnd
	stepPeriodEnd
)

type due struct {
	at   time.Time
	kind step
}

// next returns the earliest step that is due, whatever the time now.
func (l *Lifecycle) next() (due, bool) {
	if l.State.Terminal() {
		return due{}, false
	}
	var best due
	found := false
	consider := func(at time.Time, kind step) {
		if at.IsZero() {
			return
		}
		if !found || at.Before(best.at) || (at.Equal(best.at) && kind < best.kind) {
			best, found = due{at: at, kind: kind}, true
		}
	}
	consider(l.ExpiresAt, stepExpire)
	switch l.State {
	case Trialing:
		consider(l.TrialEnd, stepTrialEnd)
	case Active:
		if b, ok := l.firstUnpaid(); ok {
			consider(l.deadline(b), stepOverdue)
		}
		consider(l.PeriodEnd, stepPeriodEnd)
	case PastDue:
		consider(l.PastDueSince.AddDate(0, 0, l.SuspendDays), stepSuspend)
		consider(l.PeriodEnd, stepPeriodEnd)
	case Suspended:
		consider(l.PeriodEnd, stepPeriodEnd)
	}
	return best, found
}

func (l *Lifecycle) apply(d due) {
	switch d.kind {
	case stepExpire:
		l.record(d.at, Expired, CauseExpiry, 0)
	case stepOverdue:
		b, _ := l.firstUnpaid()
		l.PastDueSince = d.at
		l.record(d.at, PastDue, CauseOverdue, b.N)
	case stepSuspend:
		l.record(d.at, Suspended, CauseSuspend, 0)
	case stepTrialEnd:
		if l.CancelAtPeriodEnd {
			l.record(d.at, Canceled, CausePeriodEndCancel, 0)
			return
		}
		l.beginCycle(d.at)
		n := l.raisePeriodBill()
		l.record(d.at, Active, CauseTrialEnd, n)
	case stepPeriodEnd:
		if l.CancelAtPeriodEnd {
			l.record(d.at, Canceled, CausePeriodEndCancel, 0)
			return
		}
		l.Period++
		l.setPeriod()
		n := l.raisePeriodBill()
		l.record(d.at, l.State, CauseRenewal, n)
	}
}

func (l *Lifecycle) firstUnpaid() (Bill, bool) {
	for _, b := range l.Bills {
		if !b.Paid() {
			return b, true
		}
	}
	return Bill{}, false
}

func (l *Lifecycle) deadline(b Bill) time.Time { return b.DueAt.AddDate(0, 0, l.GraceDays) }

// overdue reports whether any bill is unpaid past its grace days at at.
func (l *Lifecycle) overdue(at time.Time) bool {
	for _, b := range l.Bills {
		if !b.Paid() && !l.deadline(b).After(at) {
			return true
		}
	}
	return false
}

func (l *Lifecycle) rate() Rate {
	return Rate{PlanID: l.PlanID, PlanName: l.PlanName, Cycle: l.Cycle, Price: l.Price}
}

func (l *Lifecycle) setRate(r Rate) {
	l.PlanID, l.PlanName, l.Cycle, l.Price = r.PlanID, r.PlanName, r.Cycle, r.Price
}

// beginCycle anchors the periods at at, period 0 starting then.
func (l *Lifecycle) beginCycle(at time.Time) {
	l.Anchor, l.Period = at, 0
	l.setPeriod()
}

// setPeriod derives the current period from the anchor and the period index
// rather than from the previous end, so that clamped month ends (Feb 28) do
// not drift the anchor day.
func (l *Lifecycle) setPeriod() {
	m := 1
	if l.Cycle == core.Yearly {
		m = 12
	}
	l.PeriodStart = core.AddMonths(l.Anchor, l.Period*m)
	l.PeriodEnd = core.AddMonths(l.Anchor, (l.Period+1)*m)
}

func (l *Lifecycle) periodLine() Line {
	return Line{
		Description: fmt.Sprintf("%s plan, %s (%s to %s)", l.PlanName, l.Cycle, day(l.PeriodStart), day(l.PeriodEnd)),
		Quantity:    1, UnitAmount: l.Price,
	}
}

// raisePeriodBill bills the current period, due at its start.
func (l *Lifecycle) raisePeriodBill() int {
	return l.raise(l.PeriodStart, l.PeriodStart, l.PeriodEnd, []Line{l.periodLine()})
}

// raise adds a bill due at at for [start, end] and returns its number. The
// credit balance pays what it can; a negative total goes to the credit
// balance instead, so bills never go below zero. A zero bill is paid.
// The credit cannot overflow: each bill adds at most a period's price
// (at most 12 × core.MaxPrice, about 1.2e12 cents), so it would take some
// seven million credited plan changes on one subscription to leave int64.
func (l *Lifecycle) raise(at, start, end time.Time, lines []Line) int {
	total, _ := sumLines(lines)
	if total > 0 && l.Credit > 0 {
		used := min(total, l.Credit)
		lines = append(lines, Line{Description: "Credit applied", Quantity: 1, UnitAmount: -used})
		l.Credit -= used
		total -= used
	}
	if total < 0 {
		lines = append(lines, Line{Description: "Carried to credit balance", Quantity: 1, UnitAmount: -total})
		l.Credit -= total
		total = 0
	}
	b := Bill{N: len(l.Bills) + 1, PeriodStart: start, PeriodEnd: end, Lines: lines, Total: total, DueAt: at}
	if total == 0 {
		b.PaidAt = at
	}
	l.Bills = append(l.Bills, b)
	return b.N
}

func (l *Lifecycle) record(at time.Time, to State, cause Cause, bill int) {
	l.Events = append(l.Events, Event{At: at, From: l.State, To: to, Cause: cause, PlanID: l.PlanID, Bill: bill})
	l.State = to
}

func (l *Lifecycle) since(mark int) []Event {
	if mark >= len(l.Events) {
		return nil
	}
	return slices.Clone(l.Events[mark:])
}

func checkPlan(p core.Plan, errs map[string]string) {
	if p.ID <= 0 {
		errs["plan.id"] = "is required"
	}
	switch p.BillingCycle {
	case "", core.Monthly, core.Yearly:
	default:
		errs["plan.billing_cycle"] = "must be monthly or yearly"
	}
	if p.PriceMonthly < 0 || p.PriceYearly < 0 {
		errs["plan.price"] = "must not be negative"
	}
	if p.TrialDays < 0 {
		errs["plan.trial_days"] = "must not be negative"
	}
}
