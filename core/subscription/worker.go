package subscription

import (
	"context"
	"fmt"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/ports"
)

// Worker moves subscriptions along: it renews and invoices due ones,
// moves unpaid ones to past_due and suspended, and keeps tenant status and
// expiry in step.
type Worker struct {
	store   ports.BillingStore
	gateway ports.Gateway
	clock   ports.Clock
	terms   billing.Terms
	holder  string
}

// NewWorker returns a worker; holder names this process in the lease.
func NewWorker(store ports.BillingStore, gateway ports.Gateway, clock ports.Clock, terms billing.Terms, holder string) *Worker {
	return &Worker{store: store, gateway: gateway, clock: clock, terms: terms, holder: holder}
}

// Run is what one pass did.
type Run struct {
	Leased   bool // false: another worker holds the lease and this pass did nothing
	Tenants  int  // tenants looked at
	Changed  int  // tenants whose subscription or status changed
	Invoices int  // invoices issued
}

// LeaseTTL is how long one pass may hold the billing lease.
const LeaseTTL = 2 * time.Minute

// RunOnce makes one pass over every billable tenant, each in a transaction
// of its own, under the billing lease. It catches up after downtime: each
// period is renewed and invoiced exactly once however late the pass is.
func (w *Worker) RunOnce(ctx context.Context) (Run, error) {
	var run Run
	ok, err := w.store.Lease(ctx, "billing", w.holder, LeaseTTL)
	if err != nil || !ok {
		return run, err
	}
	run.Leased = true
	var after int64
	for {
		ids, err := w.store.BillableTenants(ctx, after, 100)
		if err != nil {
			return run, err
		}
		for _, id := range ids {
			changed, issued, err := w.advance(ctx, id)
			if err != nil {
				return run, fmt.Errorf("tenant %d: %w", id, err)
			}
			run.Tenants++
			run.Invoices += issued
			if changed {
				run.Changed++
			}
		}
		if len(ids) < 100 {
			return run, nil
		}
		after = ids[len(ids)-1]
		// Keep the lease for long runs.
		if ok, err := w.store.Lease(ctx, "billing", w.holder, LeaseTTL); err != nil || !ok {
			return run, err
		}
	}
}

// advance brings one tenant up to now.
func (w *Worker) advance(ctx context.Context, tenantID int64) (changed bool, issued int, err error) {
	now := w.clock.Now()
	err = w.store.InTx(ctx, func(tx ports.BillingTx) error {
		changed, issued = false, 0
		t, err := tx.Tenant(tenantID)
		if err != nil {
			return err
		}
		l, invoiced, err := tx.Lifecycle(tenantID)
		if err != nil {
			return err
		}
		var events []billing.Event
		if l == nil {
			if l, events, err = start(tx, t, w.terms); err != nil {
				return err
			}
		}
		events = append(events, l.Advance(now)...)
		first := invoiced + 1
		if issued, err = issueInvoices(tx, &t, l, &invoiced, now); err != nil {
			return err
		}
		for n := first; n <= invoiced && issued > 0; n++ {
			if err := w.collect(ctx, tx, &t, l, &events, n, now); err != nil {
				return err
			}
		}
		statusChanged := sync(&t, l, events, now)
		if len(events) == 0 && issued == 0 && !statusChanged {
			return nil
		}
		changed = true
		if err := tx.SaveLifecycle(tenantID, l, invoiced, events); err != nil {
			return err
		}
		return tx.SaveTenant(t)
	})
	return changed, issued, err
}

// start begins the lifecycle of a tenant that has none yet, from when its
// subscription started.
func start(tx ports.BillingTx, t core.Tenant, terms billing.Terms) (*billing.Lifecycle, []billing.Event, error) {
	plan, err := tx.Plan(t.PlanID)
	if err != nil {
		return nil, nil, err
	}
	return billing.Start(plan, t.StartedAt, terms)
}

// issueInvoices issues an invoice for every bill that has none yet.
func issueInvoices(tx ports.BillingTx, t *core.Tenant, l *billing.Lifecycle, invoiced *int, now time.Time) (int, error) {
	issued := 0
	for n := *invoiced + 1; n <= len(l.Bills); n++ {
		b := l.Bills[n-1]
		inv, err := b.Invoice(InvoiceNumber(t.ID, n), t.ID)
		if err != nil {
			return issued, err
		}
		if err := inv.Open(b.PeriodStart); err != nil {
			return issued, err
		}
		if b.Paid() { // zero bills are settled when they are raised
			if err := inv.MarkPaid("zero-amount", b.PeriodStart); err != nil {
				return issued, err
			}
		}
		if err := tx.CreateInvoice(inv); err != nil {
			if core.KindOf(err) == core.Conflict {
				continue // a racing pass issued it: never twice
			}
			return issued, err
		}
		issued++
		t.Emit(core.EventInvoiceCreated, now, map[string]any{"number": inv.Number, "total": inv.Total.String(), "currency": inv.Currency})
	}
	*invoiced = len(l.Bills)
	return issued, nil
}

// InvoiceNumber is the number of a tenant's n-th invoice.
func InvoiceNumber(tenantID int64, n int) string { return fmt.Sprintf("INV-%d-%04d", tenantID, n) }

// sync brings the tenant's status and dates in line with its subscription
// and the operator's expiry date, and records what changed as events.
// It reports whether anything changed.
func sync(t *core.Tenant, l *billing.Lifecycle, events []billing.Event, now time.Time) bool {
	before := *t
	before.Events = append([]core.Event(nil), t.Events...)
	for _, e := range events {
		if e.Cause == billing.CauseRenewal {
			t.Emit(core.EventSubscriptionRenewed, e.At, map[string]any{"plan_id": e.PlanID, "bill": e.Bill})
		}
	}
	if !t.ExpiresOverride {
		end := l.PeriodEnd
		if l.State == billing.Trialing {
			end = l.TrialEnd
		}
		if !end.IsZero() && (t.ExpiresAt == nil || !t.ExpiresAt.Equal(end)) {
			t.ExpiresAt, t.NextInvoice = &end, &end
		}
	}
	expired := t.ExpiresOverride && t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
	billingStop := l.State == billing.Suspended || l.State.Terminal()
	switch {
	case (expired || billingStop) && (t.Status == core.StatusActive || t.Status == core.StatusTrial):
		t.Status = core.StatusInactive
		t.SuspendedBy = "billing"
		reason := string(l.State)
		if expired {
			t.SuspendedBy, reason = "expiry", "expired"
		}
		t.Emit(core.EventTenantSuspended, now, map[string]any{"reason": reason})
	case !expired && !billingStop && t.Status == core.StatusInactive && t.SuspendedBy != "":
		t.SuspendedBy = ""
		t.Status = core.StatusActive
		if l.State == billing.Trialing {
			t.Status = core.StatusTrial
		}
	case t.Status == core.StatusTrial && l.State != billing.Trialing && !billingStop:
		t.Status = core.StatusActive
	}
	return t.Status != before.Status || t.SuspendedBy != before.SuspendedBy || len(t.Events) != len(before.Events) ||
		!sameTime(t.ExpiresAt, before.ExpiresAt)
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// collect asks the gateway for the n-th bill's invoice; money taken at once
// pays it in the same transaction.
func (w *Worker) collect(ctx context.Context, tx ports.BillingTx, t *core.Tenant, l *billing.Lifecycle, events *[]billing.Event, n int, now time.Time) error {
	inv, err := tx.Invoice(t.ID, InvoiceNumber(t.ID, n))
	if err != nil || inv.State != billing.InvoiceOpen {
		return err
	}
	ref, err := w.gateway.Collect(ctx, inv)
	if err != nil || ref == "" {
		return err // a failed collection leaves the invoice open, to be paid or retried
	}
	if err := inv.MarkPaid(ref, now); err != nil {
		return err
	}
	if err := tx.SaveInvoice(inv); err != nil {
		return err
	}
	paid, err := l.Pay(n, now)
	if err != nil {
		return err
	}
	*events = append(*events, paid...)
	t.Emit(core.EventInvoicePaid, now, map[string]any{"number": inv.Number, "total": inv.Total.String(), "payment_ref": ref, "gateway": w.gateway.Name()})
	return nil
}
