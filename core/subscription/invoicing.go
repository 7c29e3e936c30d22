package subscription

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/ports"
)

// Invoices returns a tenant's SaaS invoices, newest first. Returns core.NotFound.
func (s *Service) Invoices(ctx context.Context, tenantID int64) ([]*billing.Invoice, error) {
	if _, err := s.tenant(ctx, tenantID); err != nil {
		return nil, err
	}
	return s.store.Invoices(ctx, tenantID)
}

// Invoice returns one SaaS invoice. Returns core.NotFound.
func (s *Service) Invoice(ctx context.Context, tenantID int64, number string) (*billing.Invoice, error) {
	var inv *billing.Invoice
	err := s.store.InTx(ctx, func(tx ports.BillingTx) error {
		var err error
		inv, err = tx.Invoice(tenantID, number)
		return err
	})
	return inv, err
}

// Pay marks an open invoice paid with the payment's reference (the manual
// gateway: payments are recorded through the API). The subscription counts
// the bill as paid, which lifts a past_due or billing suspension.
// Returns core.NotFound, core.Invalid (no reference) or core.Conflict (not open).
func (s *Service) Pay(ctx context.Context, tenantID int64, number, ref string) (*billing.Invoice, error) {
	actx := core.WithAudit(ctx, "invoice.pay", "invoice", number, map[string]any{"tenant_id": tenantID, "payment_ref": strings.TrimSpace(ref)})
	return s.settle(actx, tenantID, number, func(inv *billing.Invoice, t *core.Tenant) error {
		if err := inv.MarkPaid(ref, s.clock.Now()); err != nil {
			return err
		}
		t.Emit(core.EventInvoicePaid, s.clock.Now(), map[string]any{"number": inv.Number, "total": inv.Total.String(), "payment_ref": strings.TrimSpace(ref)})
		return nil
	})
}

// Void cancels an open invoice: the bill is forgiven, so it cannot make the
// subscription past due. Returns core.NotFound or core.Conflict.
func (s *Service) Void(ctx context.Context, tenantID int64, number string) (*billing.Invoice, error) {
	actx := core.WithAudit(ctx, "invoice.void", "invoice", number, map[string]any{"tenant_id": tenantID})
	return s.settle(actx, tenantID, number, func(inv *billing.Invoice, _ *core.Tenant) error { return inv.Void(s.clock.Now()) })
}

// settle applies op to an invoice and tells the subscription its bill is
// settled, in one transaction.
func (s *Service) settle(ctx context.Context, tenantID int64, number string, op func(*billing.Invoice, *core.Tenant) error) (*billing.Invoice, error) {
	var out *billing.Invoice
	now := s.clock.Now()
	err := s.store.InTx(ctx, func(tx ports.BillingTx) error {
		t, err := tx.Tenant(tenantID)
		if err != nil {
			return err
		}
		if t.Gone() || t.Status == core.StatusProvisioning {
			return core.Errorf(core.NotFound, "tenant not found")
		}
		inv, err := tx.Invoice(tenantID, number)
		if err != nil {
			return err
		}
		if err := op(inv, &t); err != nil {
			return err
		}
		if err := tx.SaveInvoice(inv); err != nil {
			return err
		}
		l, invoiced, err := tx.Lifecycle(tenantID)
		if err != nil || l == nil {
			return err
		}
		events := l.Advance(now)
		if b, ok := l.Bill(inv.Bill); ok && !b.Paid() {
			paid, err := l.Pay(inv.Bill, now)
			if err != nil {
				return err
			}
			events = append(events, paid...)
		}
		if _, err := issueInvoices(tx, &t, l, &invoiced, now); err != nil {
			return err
		}
		sync(&t, l, events, now)
		if err := tx.SaveLifecycle(tenantID, l, invoiced, events); err != nil {
			return err
		}
		out = inv
		return tx.SaveTenant(t)
	})
	return out, err
}

// Cancel cancels a tenant's subscription at the end of the paid-up period
// (the tenant is served until then) or at once (the tenant is suspended now).
// Returns core.NotFound, or core.Conflict when it is canceled or expired already.
func (s *Service) Cancel(ctx context.Context, tenantID int64, atPeriodEnd bool) (core.Subscription, error) {
	actx := core.WithAudit(ctx, "subscription.cancel", "subscription", strconv.FormatInt(tenantID, 10), map[string]any{"at_period_end": atPeriodEnd})
	return s.change(actx, tenantID, func(tx ports.BillingTx, t *core.Tenant, l *billing.Lifecycle, now time.Time) ([]billing.Event, error) {
		return l.Cancel(atPeriodEnd, now)
	})
}

// change runs op on a tenant's stored lifecycle (started if it has none)
// brought up to now, then issues due invoices and brings the tenant in
// line, all in one transaction.
func (s *Service) change(ctx context.Context, tenantID int64, op func(tx ports.BillingTx, t *core.Tenant, l *billing.Lifecycle, now time.Time) ([]billing.Event, error)) (core.Subscription, error) {
	var sub core.Subscription
	now := s.clock.Now()
	err := s.store.InTx(ctx, func(tx ports.BillingTx) error {
		t, err := tx.Tenant(tenantID)
		if err != nil {
			return err
		}
		if t.Gone() || t.Status == core.StatusProvisioning {
			return core.Errorf(core.NotFound, "tenant not found")
		}
		l, invoiced, err := tx.Lifecycle(tenantID)
		if err != nil {
			return err
		}
		var events []billing.Event
		if l == nil {
			if l, events, err = start(tx, t, s.terms); err != nil {
				return err
			}
		}
		events = append(events, l.Advance(now)...)
		changed, err := op(tx, &t, l, now)
		if err != nil {
			return err
		}
		events = append(events, changed...)
		if _, err := issueInvoices(tx, &t, l, &invoiced, now); err != nil {
			return err
		}
		sync(&t, l, events, now)
		if err := tx.SaveLifecycle(tenantID, l, invoiced, events); err != nil {
			return err
		}
		if err := tx.SaveTenant(t); err != nil {
			return err
		}
		plan, err := tx.Plan(t.PlanID)
		if err != nil {
			return err
		}
		sub = subscriptionOf(t, plan)
		sub.State = string(l.State)
		return nil
	})
	return sub, err
}

// updateSubscription is UpdateSubscription on a stored lifecycle: a plan
// change is prorated, an expiry date set by hand suspends the tenant when it
// passes (and lifts when moved later).
func (s *Service) updateSubscription(ctx context.Context, tenantID int64, u core.SubscriptionUpdate, plan core.Plan, edit func(*core.Tenant) error) (core.Subscription, error) {
	return s.change(ctx, tenantID, func(tx ports.BillingTx, t *core.Tenant, l *billing.Lifecycle, now time.Time) ([]billing.Event, error) {
		var events []billing.Event
		if edit != nil {
			if err := edit(t); err != nil {
				return nil, err
			}
		}
		if u.PlanID != nil && *u.PlanID != t.PlanID {
			changed, err := l.ChangePlan(plan, now)
			if err != nil {
				return nil, err
			}
			events = changed
			t.PlanID, t.PlanName, t.Limits = plan.ID, plan.Name, plan.Limits
		}
		if u.ExpiresAt != nil {
			end := u.ExpiresAt.UTC()
			t.ExpiresAt, t.ExpiresOverride = &end, true
		}
		return events, nil
	})
}

// state returns the lifecycle state of a tenant's subscription, "" when it
// has none yet.
func (s *Service) state(ctx context.Context, tenantID int64) (string, error) {
	var state string
	err := s.store.InTx(ctx, func(tx ports.BillingTx) error {
		l, _, err := tx.Lifecycle(tenantID)
		if l != nil {
			state = string(l.State)
		}
		return err
	})
	return state, err
}

// Preview is what a plan change would bill now: the bill's lines and its
// total, none while trialing or when the plan is the current one.
type Preview struct {
	PlanID int64
	Lines  []billing.Line
	Total  core.Money
}

// PreviewPlanChange works out, without saving anything, the proration that
// UpdateSubscription would apply if the tenant moved to planID now. Returns
// core.NotFound, core.Invalid (no such plan) or core.Conflict as
// UpdateSubscription does.
func (s *Service) PreviewPlanChange(ctx context.Context, tenantID, planID int64) (Preview, error) {
	plan, err := s.plans.Plan(ctx, planID)
	if core.KindOf(err) == core.NotFound {
		return Preview{}, core.InvalidFields(map[string]string{"plan_id": "no such plan"})
	} else if err != nil {
		return Preview{}, err
	}
	out := Preview{PlanID: planID}
	now := s.clock.Now()
	err = s.store.InTx(ctx, func(tx ports.BillingTx) error {
		t, err := tx.Tenant(tenantID)
		if err != nil {
			return err
		}
		if t.Gone() || t.Status == core.StatusProvisioning {
			return core.Errorf(core.NotFound, "tenant not found")
		}
		l, _, err := tx.Lifecycle(tenantID)
		if err != nil || l == nil {
			return err // not started yet: the change bills nothing
		}
		// l is this transaction's copy; it is changed here and never saved.
		l.Advance(now)
		bills := len(l.Bills)
		if _, err := l.ChangePlan(plan, now); err != nil {
			return err
		}
		if b, ok := l.Bill(len(l.Bills)); ok && len(l.Bills) > bills {
			out.Lines, out.Total = b.Lines, b.Total
		}
		return nil
	})
	return out, err
}
