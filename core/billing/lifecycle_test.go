package billing_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/ports"
)

var (
	lcBasic  = core.Plan{ID: 10, Name: "Basic", BillingCycle: core.Monthly, PriceMonthly: 1000}
	lcPro    = core.Plan{ID: 11, Name: "Pro", BillingCycle: core.Monthly, PriceMonthly: 4900}
	lcTrial  = core.Plan{ID: 12, Name: "Starter", BillingCycle: core.Monthly, PriceMonthly: 1000, TrialEnabled: true, TrialDays: 14}
	lcAnnual = core.Plan{ID: 13, Name: "Annual", BillingCycle: core.Yearly, PriceMonthly: 1000, PriceYearly: 12000}
	lcFree   = core.Plan{ID: 14, Name: "Free", BillingCycle: core.Monthly}
)

// lcClock is a fake clock the tests move by hand.
type lcClock struct{ now time.Time }

func (c *lcClock) Now() time.Time { return c.now }

var _ ports.Clock = (*lcClock)(nil)

func lcStart(t *testing.T, plan core.Plan, at time.Time, terms billing.Terms) *billing.Lifecycle {
	t.Helper()
	l, _, err := billing.Start(plan, at, terms)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return l
}

// lcEvents renders events as "2026-03-08 active>past_due overdue #1".
func lcEvents(evs []billing.Event) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		s := fmt.Sprintf("%s %s>%s %s", e.At.Format(time.DateOnly), e.From, e.To, e.Cause)
		if e.Bill != 0 {
			s += fmt.Sprintf(" #%d", e.Bill)
		}
		out = append(out, s)
	}
	return out
}

func lcAmounts(b billing.Bill) []core.Money {
	out := make([]core.Money, len(b.Lines))
	for i, l := range b.Lines {
		out[i] = l.Amount()
	}
	return out
}

func lcSnapshot(l *billing.Lifecycle) billing.Lifecycle {
	c := *l
	c.Bills = slices.Clone(l.Bills)
	c.Events = slices.Clone(l.Events)
	return c
}

func TestStart(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name       string
		plan       core.Plan
		terms      billing.Terms
		wantFields []string
		wantState  billing.State
		wantEnd    time.Time // period end, or trial end while trialing
		wantBill   core.Money
	}{
		{name: "no trial starts active and bills the first period", plan: lcBasic, terms: billing.DefaultTerms(),
			wantState: billing.Active, wantEnd: time.Date(2026, 2, 28, 9, 30, 0, 0, time.UTC), wantBill: 1000},
		{name: "yearly", plan: lcAnnual, terms: billing.DefaultTerms(),
			wantState: billing.Active, wantEnd: time.Date(2027, 1, 31, 9, 30, 0, 0, time.UTC), wantBill: 12000},
		{name: "trial plan starts trialing without a bill", plan: lcTrial, terms: billing.DefaultTerms(),
			wantState: billing.Trialing, wantEnd: time.Date(2026, 2, 14, 9, 30, 0, 0, time.UTC)},
		{name: "trial disabled ignores trial days", plan: core.Plan{ID: 1, Name: "X", PriceMonthly: 500, TrialDays: 30}, terms: billing.DefaultTerms(),
			wantState: billing.Active, wantEnd: time.Date(2026, 2, 28, 9, 30, 0, 0, time.UTC), wantBill: 500},
		{name: "bad plan", plan: core.Plan{BillingCycle: "weekly", PriceMonthly: -1}, wantFields: []string{"plan.billing_cycle", "plan.id", "plan.price"}},
		{name: "bad terms", plan: lcBasic, terms: billing.Terms{GraceDays: -1, SuspendDays: 400, ExpiresAt: at}, wantFields: []string{"expires_at", "grace_days", "suspend_days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, evs, err := billing.Start(tt.plan, at, tt.terms)
			if tt.wantFields != nil {
				got := make([]string, 0)
				for f := range core.FieldsOf(err) {
					got = append(got, f)
				}
				slices.Sort(got)
				if core.KindOf(err) != core.Invalid || !slices.Equal(got, tt.wantFields) {
					t.Fatalf("Start error = %v, fields %v; want invalid %v", err, got, tt.wantFields)
				}
				return
			}
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			if len(evs) != 1 || evs[0].From != "" || evs[0].To != tt.wantState || evs[0].Cause != billing.CauseStart || !evs[0].At.Equal(at) {
				t.Errorf("events = %v, want one start to %s", lcEvents(evs), tt.wantState)
			}
			if err := l.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if tt.wantState == billing.Trialing {
				if !l.TrialEnd.Equal(tt.wantEnd) || len(l.Bills) != 0 {
					t.Errorf("trial end %s with %d bills, want %s with none", l.TrialEnd, len(l.Bills), tt.wantEnd)
				}
				return
			}
			if !l.PeriodStart.Equal(at) || !l.PeriodEnd.Equal(tt.wantEnd) {
				t.Errorf("period = %s..%s, want %s..%s", l.PeriodStart, l.PeriodEnd, at, tt.wantEnd)
			}
			b, ok := l.Bill(1)
			if !ok || b.Total != tt.wantBill || !b.DueAt.Equal(at) || b.Paid() || evs[0].Bill != 1 {
				t.Errorf("bill 1 = %+v (event bill %d), want %s due at the start", b, evs[0].Bill, tt.wantBill)
			}
		})
	}
}

func TestLifecycleTrial(t *testing.T) {
	t.Parallel()
	start := utcDay(2026, 1, 17) // 14 days: the trial ends on Jan 31
	tests := []struct {
		name      string
		ops       func(l *billing.Lifecycle) ([]billing.Event, error)
		want      []string
		wantState billing.State
		wantBills []core.Money
	}{
		{name: "nothing before the trial ends",
			ops:       func(l *billing.Lifecycle) ([]billing.Event, error) { return l.Advance(utcDay(2026, 1, 30)), nil },
			wantState: billing.Trialing},
		{name: "trial ends into an anchored first period",
			ops: func(l *billing.Lifecycle) ([]billing.Event, error) { return l.Advance(utcDay(2026, 3, 1)), nil },
			want: []string{
				"2026-01-31 trialing>active trial_end #1",
				"2026-02-28 active>active renewal #2",
			},
			wantState: billing.Active, wantBills: []core.Money{1000, 1000}},
		{name: "plan change during the trial bills the new plan at its end",
			ops: func(l *billing.Lifecycle) ([]billing.Event, error) {
				evs, err := l.ChangePlan(lcPro, utcDay(2026, 1, 20))
				return append(evs, l.Advance(utcDay(2026, 1, 31))...), err
			},
			want: []string{
				"2026-01-20 trialing>trialing plan_change",
				"2026-01-31 trialing>active trial_end #1",
			},
			wantState: billing.Active, wantBills: []core.Money{4900}},
		{name: "cancel at period end during the trial ends with it, unbilled",
			ops: func(l *billing.Lifecycle) ([]billing.Event, error) {
				evs, err := l.Cancel(true, utcDay(2026, 1, 20))
				return append(evs, l.Advance(utcDay(2026, 6, 1))...), err
			},
			want: []string{
				"2026-01-20 trialing>trialing cancel_scheduled",
				"2026-01-31 trialing>canceled period_end_cancel",
			},
			wantState: billing.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := lcStart(t, lcTrial, start, billing.Terms{GraceDays: 30, SuspendDays: 30})
			evs, err := tt.ops(l)
			if err != nil {
				t.Fatalf("ops: %v", err)
			}
			if got := lcEvents(evs); !slices.Equal(got, tt.want) {
				t.Errorf("events =\n%q\nwant\n%q", got, tt.want)
			}
			if l.State != tt.wantState {
				t.Errorf("state = %s, want %s", l.State, tt.wantState)
			}
			var totals []core.Money
			for _, b := range l.Bills {
				totals = append(totals, b.Total)
			}
			if !slices.Equal(totals, tt.wantBills) {
				t.Errorf("bill totals = %v, want %v", totals, tt.wantBills)
			}
		})
	}
}

func TestLifecycleYearOfRenewals(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC)
	end := core.AddMonths(start, 12)
	// Anchored on Jan 31: each period ends on the 31st or the month's last day.
	wantEnds := []string{
		"2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31",
		"2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31", "2027-01-31", "2027-02-28",
	}
	// run advances a fresh subscription to end through the clock times next yields.
	run := func(t *testing.T, next func(c *lcClock) bool) *billing.Lifecycle {
		l := lcStart(t, lcBasic, start, billing.DefaultTerms())
		clock := &lcClock{now: start}
		for next(clock) {
			l.Advance(clock.Now())
		}
		if !l.AsOf.Equal(end) {
			t.Fatalf("advanced to %s, want %s", l.AsOf, end)
		}
		return l
	}
	jump := run(t, func(c *lcClock) bool {
		if c.now.Equal(end) {
			return false
		}
		c.now = end
		return true
	})
	tests := []struct {
		name string
		next func(c *lcClock) bool
	}{
		{name: "one jump", next: func(c *lcClock) bool {
			if c.now.Equal(end) {
				return false
			}
			c.now = end
			return true
		}},
		{name: "month by month", next: func() func(c *lcClock) bool {
			i := 0
			return func(c *lcClock) bool {
				if i == 12 {
					return false
				}
				i++
				c.now = core.AddMonths(start, i)
				return true
			}
		}()},
		{name: "day by day", next: func(c *lcClock) bool {
			if !c.now.Before(end) {
				return false
			}
			if c.now = c.now.Add(24 * time.Hour); c.now.After(end) {
				c.now = end
			}
			return true
		}},
		{name: "every 17 days and repeated", next: func() func(c *lcClock) bool {
			repeat := false
			return func(c *lcClock) bool {
				if repeat = !repeat; repeat {
					return true // advance twice to the same time: nothing is billed twice
				}
				if !c.now.Before(end) {
					return false
				}
				if c.now = c.now.AddDate(0, 0, 17); c.now.After(end) {
					c.now = end
				}
				return true
			}
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := run(t, tt.next)
			if !reflect.DeepEqual(*l, *jump) {
				t.Fatalf("subscription differs from the one advanced in one jump:\n%v\nwant\n%v", lcEvents(l.Events), lcEvents(jump.Events))
			}
			renewals := 0
			for _, e := range l.Events {
				if e.Cause == billing.CauseRenewal {
					renewals++
				}
			}
			if renewals != 12 || len(l.Bills) != 13 {
				t.Errorf("%d renewals and %d bills, want 12 and 13", renewals, len(l.Bills))
			}
			for i, b := range l.Bills {
				if got := b.PeriodEnd.Format(time.DateOnly); got != wantEnds[i] || b.Total != 1000 || b.N != i+1 {
					t.Errorf("bill %d = #%d ends %s total %s, want ends %s total 10.00", i, b.N, got, b.Total, wantEnds[i])
				}
				if i > 0 && !b.PeriodStart.Equal(l.Bills[i-1].PeriodEnd) {
					t.Errorf("bill %d starts %s, previous ended %s", b.N, b.PeriodStart, l.Bills[i-1].PeriodEnd)
				}
				if b.PeriodEnd.Hour() != 8 {
					t.Errorf("bill %d ends at %s, want the start's time of day", b.N, b.PeriodEnd)
				}
			}
			// Nobody paid: overdue a week after the first bill, suspended two weeks later.
			if got := lcEvents(l.Events[:4]); !slices.Equal(got, []string{
				"2026-01-31 >active start #1",
				"2026-02-07 active>past_due overdue #1",
				"2026-02-21 past_due>suspended suspend",
				"2026-02-28 suspended>suspended renewal #2",
			}) {
				t.Errorf("first events = %q", got)
			}
		})
	}
	t.Run("month by month, paying each bill", func(t *testing.T) {
		t.Parallel()
		l := lcStart(t, lcBasic, start, billing.DefaultTerms())
		clock := &lcClock{now: start}
		for i := 1; i <= 12; i++ {
			if _, err := l.Pay(len(l.Bills), clock.Now().Add(time.Hour)); err != nil {
				t.Fatalf("Pay: %v", err)
			}
			clock.now = core.AddMonths(start, i)
			l.Advance(clock.Now())
		}
		if l.State != billing.Active || len(l.Bills) != 13 {
			t.Fatalf("state %s with %d bills, want active with 13", l.State, len(l.Bills))
		}
		for i, b := range l.Bills {
			if got, want := b.PeriodEnd, jump.Bills[i].PeriodEnd; !got.Equal(want) || b.Total != jump.Bills[i].Total {
				t.Errorf("bill %d ends %s total %s, want as in the jump: %s total %s", b.N, got, b.Total, want, jump.Bills[i].Total)
			}
		}
	})
}

func TestLifecycleAnchoring(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		plan     core.Plan
		start    time.Time
		until    time.Time
		wantEnds []string
	}{
		{name: "Jan 31 monthly keeps the 31st", plan: lcFree, start: utcDay(2026, 1, 31), until: utcDay(2026, 5, 31),
			wantEnds: []string{"2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"}},
		{name: "Jan 31 monthly in a leap year", plan: lcFree, start: utcDay(2028, 1, 31), until: utcDay(2028, 3, 31),
			wantEnds: []string{"2028-02-29", "2028-03-31", "2028-04-30"}},
		{name: "Jan 30 monthly", plan: lcFree, start: utcDay(2026, 1, 30), until: utcDay(2026, 3, 30),
			wantEnds: []string{"2026-02-28", "2026-03-30", "2026-04-30"}},
		{name: "Feb 29 yearly", plan: core.Plan{ID: 20, Name: "Y", BillingCycle: core.Yearly}, start: utcDay(2028, 2, 29), until: utcDay(2031, 2, 28),
			wantEnds: []string{"2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"}},
		{name: "a trial ending on Aug 31 anchors there", plan: core.Plan{ID: 21, Name: "T", TrialEnabled: true, TrialDays: 14}, start: utcDay(2026, 8, 17), until: utcDay(2026, 11, 30),
			wantEnds: []string{"2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := lcStart(t, tt.plan, tt.start, billing.DefaultTerms())
			l.Advance(tt.until)
			var ends []string
			for _, b := range l.Bills {
				ends = append(ends, b.PeriodEnd.Format(time.DateOnly))
				if !b.Paid() {
					t.Errorf("bill %d of a free plan is unpaid", b.N)
				}
			}
			if !slices.Equal(ends, tt.wantEnds) {
				t.Errorf("period ends = %v, want %v", ends, tt.wantEnds)
			}
			if l.State != billing.Active {
				t.Errorf("state = %s, want active", l.State)
			}
		})
	}
}

type lcStep struct {
	op   func(l *billing.Lifecycle) ([]billing.Event, error)
	want []string
}

func lcAdvance(at time.Time, want ...string) lcStep {
	return lcStep{op: func(l *billing.Lifecycle) ([]billing.Event, error) { return l.Advance(at), nil }, want: want}
}

func lcPay(n int, at time.Time, want ...string) lcStep {
	return lcStep{op: func(l *billing.Lifecycle) ([]billing.Event, error) { return l.Pay(n, at) }, want: want}
}

func lcCancel(atPeriodEnd bool, at time.Time, want ...string) lcStep {
	return lcStep{op: func(l *billing.Lifecycle) ([]billing.Event, error) { return l.Cancel(atPeriodEnd, at) }, want: want}
}

func lcChange(p core.Plan, at time.Time, want ...string) lcStep {
	return lcStep{op: func(l *billing.Lifecycle) ([]billing.Event, error) { return l.ChangePlan(p, at) }, want: want}
}

func lcExpire(at time.Time) lcStep {
	return lcStep{op: func(l *billing.Lifecycle) ([]billing.Event, error) { return nil, l.SetExpiry(at) }}
}

// runSteps starts plan on Mar 1 2026 and runs steps, checking the events of each.
func runSteps(t *testing.T, plan core.Plan, terms billing.Terms, steps []lcStep) *billing.Lifecycle {
	t.Helper()
	l := lcStart(t, plan, utcDay(2026, 3, 1), terms)
	for i, s := range steps {
		evs, err := s.op(l)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := lcEvents(evs); !slices.Equal(got, s.want) {
			t.Fatalf("step %d events =\n%q\nwant\n%q", i, got, s.want)
		}
	}
	if err := l.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	return l
}

func TestLifecycleDunning(t *testing.T) {
	t.Parallel()
	second := time.Second
	tests := []struct {
		name      string
		plan      core.Plan // Basic when unset
		terms     billing.Terms
		steps     []lcStep
		wantState billing.State
	}{
		{name: "unpaid, past due, suspended, paid, active", terms: billing.DefaultTerms(), wantState: billing.Active, steps: []lcStep{
			lcAdvance(utcDay(2026, 3, 8).Add(-second)),
			lcAdvance(utcDay(2026, 3, 8), "2026-03-08 active>past_due overdue #1"),
			lcAdvance(utcDay(2026, 3, 22).Add(-second)),
			lcAdvance(utcDay(2026, 3, 22), "2026-03-22 past_due>suspended suspend"),
			lcPay(1, utcDay(2026, 3, 23), "2026-03-23 suspended>active payment #1"),
			lcAdvance(utcDay(2026, 4, 1), "2026-04-01 active>active renewal #2"),
		}},
		{name: "paid within the grace days stays active", terms: billing.DefaultTerms(), wantState: billing.PastDue, steps: []lcStep{
			lcPay(1, utcDay(2026, 3, 5), "2026-03-05 active>active payment #1"),
			lcAdvance(utcDay(2026, 4, 10),
				"2026-04-01 active>active renewal #2",
				"2026-04-08 active>past_due overdue #2"),
		}},
		{name: "paying during past due reactivates", terms: billing.DefaultTerms(), wantState: billing.Active, steps: []lcStep{
			lcAdvance(utcDay(2026, 3, 10), "2026-03-08 active>past_due overdue #1"),
			lcPay(1, utcDay(2026, 3, 10), "2026-03-10 past_due>active payment #1"),
			lcAdvance(utcDay(2026, 3, 31)),
		}},
		{name: "one of two overdue bills paid stays past due", terms: billing.Terms{GraceDays: 7, SuspendDays: 60}, wantState: billing.Active, steps: []lcStep{
			lcAdvance(utcDay(2026, 4, 9),
				"2026-03-08 active>past_due overdue #1",
				"2026-04-01 past_due>past_due renewal #2"),
			lcPay(2, utcDay(2026, 4, 9), "2026-04-09 past_due>past_due payment #2"),
			lcPay(1, utcDay(2026, 4, 10), "2026-04-10 past_due>active payment #1"),
		}},
		{name: "a late payment first catches up", terms: billing.DefaultTerms(), wantState: billing.Suspended, steps: []lcStep{
			lcPay(1, utcDay(2026, 4, 20),
				"2026-03-08 active>past_due overdue #1",
				"2026-03-22 past_due>suspended suspend",
				"2026-04-01 suspended>suspended renewal #2",
				"2026-04-20 suspended>suspended payment #1"), // bill 2 is overdue since Apr 8
			lcPay(2, utcDay(2026, 4, 21), "2026-04-21 suspended>active payment #2"),
			lcAdvance(utcDay(2026, 5, 15),
				"2026-05-01 active>active renewal #3",
				"2026-05-08 active>past_due overdue #3"),
			lcAdvance(utcDay(2026, 5, 22), "2026-05-22 past_due>suspended suspend"),
		}},
		{name: "no grace and no delay suspends at once", terms: billing.Terms{}, wantState: billing.Suspended, steps: []lcStep{
			lcAdvance(utcDay(2026, 3, 1),
				"2026-03-01 active>past_due overdue #1",
				"2026-03-01 past_due>suspended suspend"),
		}},
		{name: "a free plan is never overdue", plan: lcFree, terms: billing.Terms{}, wantState: billing.Active, steps: []lcStep{
			lcAdvance(utcDay(2026, 5, 1),
				"2026-04-01 active>active renewal #2",
				"2026-05-01 active>active renewal #3"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plan := tt.plan
			if plan.ID == 0 {
				plan = lcBasic
			}
			l := runSteps(t, plan, tt.terms, tt.steps)
			if l.State != tt.wantState {
				t.Errorf("state = %s, want %s", l.State, tt.wantState)
			}
		})
	}
}

func TestLifecycleCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		plan      core.Plan
		steps     []lcStep
		wantState billing.State
		wantBills int
	}{
		{name: "at once", plan: lcBasic, wantState: billing.Canceled, wantBills: 1, steps: []lcStep{
			lcPay(1, utcDay(2026, 3, 1), "2026-03-01 active>active payment #1"),
			lcCancel(false, utcDay(2026, 3, 10), "2026-03-10 active>canceled cancel"),
			lcAdvance(utcDay(2027, 1, 1)),
		}},
		{name: "at period end", plan: lcBasic, wantState: billing.Canceled, wantBills: 1, steps: []lcStep{
			lcPay(1, utcDay(2026, 3, 1), "2026-03-01 active>active payment #1"),
			lcCancel(true, utcDay(2026, 3, 10), "2026-03-10 active>active cancel_scheduled"),
			lcCancel(true, utcDay(2026, 3, 11)), // already scheduled: nothing happens
			lcAdvance(utcDay(2026, 4, 1).Add(-time.Second)),
			lcAdvance(utcDay(2027, 1, 1), "2026-04-01 active>canceled period_end_cancel"),
		}},
		{name: "at once after scheduling", plan: lcBasic, wantState: billing.Canceled, wantBills: 1, steps: []lcStep{
			lcCancel(true, utcDay(2026, 3, 2), "2026-03-02 active>active cancel_scheduled"),
			lcCancel(false, utcDay(2026, 3, 3), "2026-03-03 active>canceled cancel"),
		}},
		{name: "at period end while past due", plan: lcBasic, wantState: billing.Canceled, wantBills: 1, steps: []lcStep{
			lcCancel(true, utcDay(2026, 3, 9), "2026-03-08 active>past_due overdue #1", "2026-03-09 past_due>past_due cancel_scheduled"),
			lcAdvance(utcDay(2026, 6, 1), "2026-03-22 past_due>suspended suspend", "2026-04-01 suspended>canceled period_end_cancel"),
			lcPay(1, utcDay(2026, 6, 2), "2026-06-02 canceled>canceled payment #1"), // the debt can still be collected
		}},
		{name: "at period end keeps the plan change bill", plan: lcBasic, wantState: billing.Canceled, wantBills: 2, steps: []lcStep{
			lcPay(1, utcDay(2026, 3, 1), "2026-03-01 active>active payment #1"),
			lcCancel(true, utcDay(2026, 3, 5), "2026-03-05 active>active cancel_scheduled"),
			lcChange(lcPro, utcDay(2026, 3, 6), "2026-03-06 active>active plan_change #2"),
			lcAdvance(utcDay(2026, 4, 2), "2026-03-13 active>past_due overdue #2", "2026-03-27 past_due>suspended suspend", "2026-04-01 suspended>canceled period_end_cancel"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := runSteps(t, tt.plan, billing.DefaultTerms(), tt.steps)
			if l.State != tt.wantState || len(l.Bills) != tt.wantBills {
				t.Errorf("state %s with %d bills, want %s with %d", l.State, len(l.Bills), tt.wantState, tt.wantBills)
			}
		})
	}
}

func TestLifecycleExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		plan      core.Plan
		expires   time.Time // in the terms at the start
		steps     []lcStep
		wantState billing.State // Expired when unset
		wantBills int
	}{
		{name: "mid period", plan: lcFree, expires: utcDay(2026, 5, 15), wantBills: 3, steps: []lcStep{
			lcAdvance(utcDay(2027, 1, 1),
				"2026-04-01 active>active renewal #2",
				"2026-05-01 active>active renewal #3",
				"2026-05-15 active>expired expiry"),
		}},
		{name: "at a period end it expires instead of renewing", plan: lcFree, expires: utcDay(2026, 4, 1), wantBills: 1, steps: []lcStep{
			lcAdvance(utcDay(2026, 4, 1), "2026-04-01 active>expired expiry"),
		}},
		{name: "on the day a bill turns overdue it only expires", plan: lcBasic, expires: utcDay(2026, 3, 8), wantBills: 1, steps: []lcStep{
			lcAdvance(utcDay(2026, 4, 1), "2026-03-08 active>expired expiry"),
		}},
		{name: "on the day the trial ends, unbilled", plan: lcTrial, expires: utcDay(2026, 3, 15), steps: []lcStep{
			lcAdvance(utcDay(2026, 4, 1), "2026-03-15 trialing>expired expiry"),
		}},
		{name: "during the trial", plan: lcTrial, expires: utcDay(2026, 3, 10), steps: []lcStep{
			lcAdvance(utcDay(2026, 4, 1), "2026-03-10 trialing>expired expiry"),
		}},
		{name: "while suspended", plan: lcBasic, expires: utcDay(2026, 3, 25), wantBills: 1, steps: []lcStep{
			lcAdvance(utcDay(2026, 4, 1),
				"2026-03-08 active>past_due overdue #1",
				"2026-03-22 past_due>suspended suspend",
				"2026-03-25 suspended>expired expiry"),
		}},
		{name: "set later", plan: lcFree, wantBills: 2, steps: []lcStep{
			lcAdvance(utcDay(2026, 4, 5), "2026-04-01 active>active renewal #2"),
			lcExpire(utcDay(2026, 4, 20)),
			lcAdvance(utcDay(2026, 6, 1), "2026-04-20 active>expired expiry"),
		}},
		{name: "removed", plan: lcFree, expires: utcDay(2026, 3, 20), wantState: billing.Active, wantBills: 2, steps: []lcStep{
			lcExpire(time.Time{}),
			lcAdvance(utcDay(2026, 4, 1), "2026-04-01 active>active renewal #2"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			terms := billing.DefaultTerms()
			terms.ExpiresAt = tt.expires
			l := runSteps(t, tt.plan, terms, tt.steps)
			wantState := tt.wantState
			if wantState == "" {
				wantState = billing.Expired
			}
			if l.State != wantState || len(l.Bills) != tt.wantBills {
				t.Errorf("state %s with %d bills, want %s with %d", l.State, len(l.Bills), wantState, tt.wantBills)
			}
		})
	}
}

func TestLifecycleChangePlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		plan       core.Plan
		steps      []lcStep
		wantBills  int
		wantAmount map[int][]core.Money // line amounts per bill number
		wantTotal  map[int]core.Money
		wantCredit core.Money
		check      func(t *testing.T, l *billing.Lifecycle)
	}{
		{name: "upgrade halfway through a 30-day month", plan: lcBasic,
			steps: []lcStep{
				lcPay(1, utcDay(2026, 3, 1), "2026-03-01 active>active payment #1"),
				lcAdvance(utcDay(2026, 4, 1), "2026-04-01 active>active renewal #2"),
				lcPay(2, utcDay(2026, 4, 1), "2026-04-01 active>active payment #2"),
				lcChange(lcPro, utcDay(2026, 4, 16), "2026-04-16 active>active plan_change #3"),
				lcPay(3, utcDay(2026, 4, 17), "2026-04-17 active>active payment #3"),
				lcAdvance(utcDay(2026, 5, 1), "2026-05-01 active>active renewal #4"),
			},
			wantBills:  4,
			wantAmount: map[int][]core.Money{3: {-500, 2450}, 4: {4900}},
			wantTotal:  map[int]core.Money{3: 1950, 4: 4900},
			check: func(t *testing.T, l *billing.Lifecycle) {
				b, _ := l.Bill(3)
				if !b.PeriodStart.Equal(utcDay(2026, 4, 16)) || !b.PeriodEnd.Equal(utcDay(2026, 5, 1)) || !b.DueAt.Equal(utcDay(2026, 4, 16)) {
					t.Errorf("proration bill covers %s..%s due %s, want Apr 16..May 1 due Apr 16", b.PeriodStart, b.PeriodEnd, b.DueAt)
				}
				if l.PlanID != lcPro.ID || l.PlanName != "Pro" || l.Price != 4900 || l.Events[len(l.Events)-3].PlanID != lcPro.ID {
					t.Errorf("plan = %d %q at %s, want Pro at 49.00", l.PlanID, l.PlanName, l.Price)
				}
			}},
		{name: "downgrade carries the surplus credit to later bills", plan: lcPro,
			steps: []lcStep{
				lcPay(1, utcDay(2026, 3, 1), "2026-03-01 active>active payment #1"),
				lcChange(lcBasic, utcDay(2026, 3, 16), "2026-03-16 active>active plan_change #2"),
				lcAdvance(utcDay(2026, 6, 1), "2026-04-01 active>active renewal #3", "2026-05-01 active>active renewal #4", "2026-06-01 active>active renewal #5"),
			},
			// March has 31 days; 16 remain: 49.00×16/31 = 25.29, 10.00×16/31 = 5.16,
			// so 20.13 goes to credit and pays April, May and 0.13 of June.
			wantBills:  5,
			wantAmount: map[int][]core.Money{2: {-2529, 516, 2013}, 3: {1000, -1000}, 4: {1000, -1000}, 5: {1000, -13}},
			wantTotal:  map[int]core.Money{2: 0, 3: 0, 4: 0, 5: 987},
			check: func(t *testing.T, l *billing.Lifecycle) {
				for _, n := range []int{2, 3} {
					if b, _ := l.Bill(n); !b.Paid() {
						t.Errorf("bill %d with a zero total is unpaid", n)
					}
				}
			}},
		{name: "monthly to yearly restarts the period", plan: lcBasic,
			steps: []lcStep{
				lcPay(1, utcDay(2026, 3, 1), "2026-03-01 active>active payment #1"),
				lcAdvance(utcDay(2026, 4, 1), "2026-04-01 active>active renewal #2"),
				lcPay(2, utcDay(2026, 4, 1), "2026-04-01 active>active payment #2"),
				lcChange(lcAnnual, utcDay(2026, 4, 16), "2026-04-16 active>active plan_change #3"),
				lcPay(3, utcDay(2026, 4, 16), "2026-04-16 active>active payment #3"),
				lcAdvance(utcDay(2027, 4, 16), "2027-04-16 active>active renewal #4"),
			},
			wantBills:  4,
			wantAmount: map[int][]core.Money{3: {-500, 12000}, 4: {12000}},
			wantTotal:  map[int]core.Money{3: 11500, 4: 12000},
			check: func(t *testing.T, l *billing.Lifecycle) {
				b, _ := l.Bill(3)
				if !b.PeriodEnd.Equal(utcDay(2027, 4, 16)) || !l.Anchor.Equal(utcDay(2026, 4, 16)) || l.Cycle != core.Yearly {
					t.Errorf("after the switch: bill 3 ends %s, anchor %s, cycle %s; want Apr 16 2027, Apr 16 2026, yearly", b.PeriodEnd, l.Anchor, l.Cycle)
				}
			}},
		{name: "at the very end of a period the change prices the next one", plan: lcBasic,
			steps: []lcStep{
				lcPay(1, utcDay(2026, 3, 1), "2026-03-01 active>active payment #1"),
				lcChange(lcPro, utcDay(2026, 4, 1), "2026-04-01 active>active renewal #2", "2026-04-01 active>active plan_change #3"),
			},
			wantBills:  3,
			wantAmount: map[int][]core.Money{2: {1000}, 3: {-1000, 4900}},
			wantTotal:  map[int]core.Money{2: 1000, 3: 3900}},
		{name: "same plan does nothing", plan: lcBasic,
			steps:      []lcStep{lcChange(lcBasic, utcDay(2026, 3, 5))},
			wantBills:  1,
			wantAmount: map[int][]core.Money{1: {1000}},
			wantTotal:  map[int]core.Money{1: 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := runSteps(t, tt.plan, billing.DefaultTerms(), tt.steps)
			if len(l.Bills) != tt.wantBills {
				t.Errorf("%d bills, want %d", len(l.Bills), tt.wantBills)
			}
			for n, want := range tt.wantAmount {
				b, ok := l.Bill(n)
				if !ok || !slices.Equal(lcAmounts(b), want) || b.Total != tt.wantTotal[n] {
					t.Errorf("bill %d lines %v total %s, want %v total %s", n, lcAmounts(b), b.Total, want, tt.wantTotal[n])
				}
			}
			if l.Credit != tt.wantCredit {
				t.Errorf("credit = %s, want %s", l.Credit, tt.wantCredit)
			}
			if tt.check != nil {
				tt.check(t, l)
			}
		})
	}
}

func TestLifecycleIllegal(t *testing.T) {
	t.Parallel()
	at := utcDay(2026, 3, 1)
	active := func(t *testing.T) *billing.Lifecycle { return lcStart(t, lcBasic, at, billing.DefaultTerms()) }
	after := func(setup func(*billing.Lifecycle) error) func(t *testing.T) *billing.Lifecycle {
		return func(t *testing.T) *billing.Lifecycle {
			l := active(t)
			if err := setup(l); err != nil {
				t.Fatalf("setup: %v", err)
			}
			return l
		}
	}
	canceled := after(func(l *billing.Lifecycle) error { _, err := l.Cancel(false, at.Add(time.Hour)); return err })
	pastDue := after(func(l *billing.Lifecycle) error { l.Advance(utcDay(2026, 3, 10)); return nil })
	suspended := after(func(l *billing.Lifecycle) error { l.Advance(utcDay(2026, 3, 25)); return nil })
	paid := after(func(l *billing.Lifecycle) error { _, err := l.Pay(1, at); return err })
	expiring := func(t *testing.T) *billing.Lifecycle {
		return lcStart(t, lcBasic, at, billing.Terms{GraceDays: 30, SuspendDays: 30, ExpiresAt: utcDay(2026, 3, 15)})
	}
	tests := []struct {
		name  string
		setup func(t *testing.T) *billing.Lifecycle
		op    func(l *billing.Lifecycle) error
		want  core.Kind
	}{
		{name: "pay an unknown bill", setup: active, op: func(l *billing.Lifecycle) error { _, err := l.Pay(2, at); return err }, want: core.NotFound},
		{name: "pay bill zero", setup: active, op: func(l *billing.Lifecycle) error { _, err := l.Pay(0, at); return err }, want: core.NotFound},
		{name: "pay a paid bill", setup: paid, op: func(l *billing.Lifecycle) error { _, err := l.Pay(1, at); return err }, want: core.Conflict},
		{name: "cancel a canceled subscription", setup: canceled, op: func(l *billing.Lifecycle) error { _, err := l.Cancel(false, utcDay(2026, 3, 2)); return err }, want: core.Conflict},
		{name: "schedule cancel of a canceled subscription", setup: canceled, op: func(l *billing.Lifecycle) error { _, err := l.Cancel(true, utcDay(2026, 3, 2)); return err }, want: core.Conflict},
		{name: "cancel once the expiry has passed", setup: expiring, op: func(l *billing.Lifecycle) error { _, err := l.Cancel(false, utcDay(2026, 3, 20)); return err }, want: core.Conflict},
		{name: "change plan while past due", setup: pastDue, op: func(l *billing.Lifecycle) error { _, err := l.ChangePlan(lcPro, utcDay(2026, 3, 11)); return err }, want: core.Conflict},
		{name: "change plan while suspended", setup: suspended, op: func(l *billing.Lifecycle) error { _, err := l.ChangePlan(lcPro, utcDay(2026, 3, 26)); return err }, want: core.Conflict},
		{name: "change plan once canceled", setup: canceled, op: func(l *billing.Lifecycle) error { _, err := l.ChangePlan(lcPro, utcDay(2026, 3, 2)); return err }, want: core.Conflict},
		{name: "change to an invalid plan", setup: active, op: func(l *billing.Lifecycle) error {
			_, err := l.ChangePlan(core.Plan{ID: 99, PriceMonthly: -1}, utcDay(2026, 3, 2))
			return err
		}, want: core.Invalid},
		{name: "act before the last advance", setup: pastDue, op: func(l *billing.Lifecycle) error { _, err := l.Pay(1, utcDay(2026, 3, 9)); return err }, want: core.Invalid},
		{name: "act without a time", setup: active, op: func(l *billing.Lifecycle) error { _, err := l.Cancel(false, time.Time{}); return err }, want: core.Invalid},
		{name: "expiry before the last advance", setup: pastDue, op: func(l *billing.Lifecycle) error { return l.SetExpiry(utcDay(2026, 3, 9)) }, want: core.Invalid},
		{name: "expiry of a canceled subscription", setup: canceled, op: func(l *billing.Lifecycle) error { return l.SetExpiry(utcDay(2026, 6, 1)) }, want: core.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := tt.setup(t)
			before := lcSnapshot(l)
			err := tt.op(l)
			if core.KindOf(err) != tt.want {
				t.Fatalf("error = %v, want kind %q", err, tt.want)
			}
			if !reflect.DeepEqual(*l, before) {
				t.Errorf("refused operation changed the subscription:\n%q\nwant\n%q", lcEvents(l.Events), lcEvents(before.Events))
			}
		})
	}
}
