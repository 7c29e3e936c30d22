package core

import "time"

// Subscription is a tenant's current plan and billing period.
type Subscription struct {
	TenantID      int64
	PlanID        int64
	PlanName      string
	Status        Status
	StartedAt     time.Time
	ExpiresAt     *time.Time
	NextInvoiceAt *time.Time
	BillingCycle  BillingCycle
	State         string // the billing lifecycle's state: trialing, active, past_due, suspended, canceled, expired
}

// SubscriptionUpdate changes a subscription; nil fields stay as they are.
type SubscriptionUpdate struct {
	PlanID    *int64
	ExpiresAt *time.Time
}

// PeriodEnd returns the end of a billing period that starts at start. Months
// are calendar months clamped to the last day: Jan 31 + 1 month is Feb 28/29.
func PeriodEnd(start time.Time, cycle BillingCycle) time.Time {
	months := 1
	if cycle == Yearly {
		months = 12
	}
	return AddMonths(start, months)
}

// AddMonths adds n calendar months to t, clamping the day to the end of the
// target month rather than overflowing into the next one as time.AddDate does.
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return first.AddDate(0, 0, d-1)
}
