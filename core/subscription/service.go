package subscription

import (
	"context"
	"strconv"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/ports"
)

// Service manages plans and subscriptions.
type Service struct {
	plans   ports.PlanStore
	tenants ports.TenantStore
	clock   ports.Clock
	store   ports.BillingStore
	terms   billing.Terms
	limits  quota.Catalog
}

// New returns the subscription service: plans in plans, limiting the
// resources of catalog; tenants' billing (lifecycles, invoices) in store,
// collected under terms.
func New(plans ports.PlanStore, tenants ports.TenantStore, store ports.BillingStore, catalog quota.Catalog, clock ports.Clock, terms billing.Terms) *Service {
	return &Service{plans: plans, tenants: tenants, store: store, limits: catalog, clock: clock, terms: terms}
}

// CreatePlan validates in and stores a new plan. Returns core.Invalid or core.Conflict.
func (s *Service) CreatePlan(ctx context.Context, in core.PlanInput) (core.Plan, error) {
	var p core.Plan
	if err := in.Apply(&p, true, s.limits.List()); err != nil {
		return core.Plan{}, err
	}
	if err := s.plans.CreatePlan(core.WithAudit(ctx, "plan.create", "plan", "", planChanges(in)), &p); err != nil {
		return core.Plan{}, err
	}
	return p, nil
}

// Plan returns one plan. Returns core.NotFound.
func (s *Service) Plan(ctx context.Context, id int64) (core.Plan, error) {
	return s.plans.Plan(ctx, id)
}

// Plans returns every plan.
func (s *Service) Plans(ctx context.Context) ([]core.Plan, error) {
	return s.plans.Plans(ctx)
}

// UpdatePlan changes the fields in sets. Returns core.NotFound, core.Invalid or core.Conflict.
func (s *Service) UpdatePlan(ctx context.Context, id int64, in core.PlanInput) (core.Plan, error) {
	actx := core.WithAudit(ctx, "plan.update", "plan", strconv.FormatInt(id, 10), planChanges(in))
	return s.plans.UpdatePlan(actx, id, func(p *core.Plan) error { return in.Apply(p, false, s.limits.List()) })
}

// DeletePlan removes a plan no tenant is on. Returns core.NotFound or core.Conflict.
func (s *Service) DeletePlan(ctx context.Context, id int64) error {
	return s.plans.DeletePlan(core.WithAudit(ctx, "plan.delete", "plan", strconv.FormatInt(id, 10), nil), id)
}

// planChanges are the fields a plan create or update sets, for the audit trail.
func planChanges(in core.PlanInput) map[string]any {
	c := map[string]any{}
	set := func(k string, v any, present bool) {
		if present {
			c[k] = v
		}
	}
	set("name", deref(in.Name), in.Name != nil)
	set("price_monthly", deref(in.PriceMonthly), in.PriceMonthly != nil)
	set("price_yearly", deref(in.PriceYearly), in.PriceYearly != nil)
	set("billing_cycle", deref(in.BillingCycle), in.BillingCycle != nil)
	if in.IsPopular != nil {
		c["is_popular"] = *in.IsPopular
	}
	if in.TrialEnabled != nil {
		c["trial_enabled"] = *in.TrialEnabled
	}
	if in.TrialDays != nil {
		c["trial_days"] = *in.TrialDays
	}
	set("limits", in.Limits, in.Limits != nil)
	return c
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Subscription returns a tenant's subscription. Returns core.NotFound.
func (s *Service) Subscription(ctx context.Context, tenantID int64) (core.Subscription, error) {
	t, err := s.tenant(ctx, tenantID)
	if err != nil {
		return core.Subscription{}, err
	}
	p, err := s.plans.Plan(ctx, t.PlanID)
	if err != nil {
		return core.Subscription{}, err
	}
	sub := subscriptionOf(t, p)
	if sub.State, err = s.state(ctx, tenantID); err != nil {
		return core.Subscription{}, err
	}
	return sub, nil
}

// UpdateSubscription moves a tenant to another plan and/or sets when its
// subscription expires. Returns core.NotFound or core.Invalid.
func (s *Service) UpdateSubscription(ctx context.Context, tenantID int64, u core.SubscriptionUpdate) (core.Subscription, error) {
	changes := map[string]any{}
	if u.PlanID != nil {
		changes["plan_id"] = *u.PlanID
	}
	if u.ExpiresAt != nil {
		changes["expires_at"] = u.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return s.moveSubscription(ctx, core.WithAudit(ctx, "subscription.update", "subscription", strconv.FormatInt(tenantID, 10), changes), tenantID, u, nil)
}

// moveSubscription is UpdateSubscription; actx is the context of the
// change itself, carrying its audit entry, if any; edit (nil: none)
// changes the tenant in the same transaction.
func (s *Service) moveSubscription(ctx, actx context.Context, tenantID int64, u core.SubscriptionUpdate, edit func(*core.Tenant) error) (core.Subscription, error) {
	var plan core.Plan
	if u.PlanID != nil {
		var err error
		plan, err = s.plans.Plan(ctx, *u.PlanID)
		if core.KindOf(err) == core.NotFound {
			return core.Subscription{}, core.InvalidFields(map[string]string{"plan_id": "no such plan"})
		} else if err != nil {
			return core.Subscription{}, err
		}
	}
	return s.updateSubscription(actx, tenantID, u, plan, edit)
}

func (s *Service) tenant(ctx context.Context, id int64) (core.Tenant, error) {
	t, err := s.tenants.Tenant(ctx, id)
	if err == nil && (t.Gone() || t.Status == core.StatusProvisioning) {
		return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
	}
	return t, err
}

func subscriptionOf(t core.Tenant, p core.Plan) core.Subscription {
	return core.Subscription{
		TenantID: t.ID, PlanID: p.ID, PlanName: p.Name, Status: t.Status,
		StartedAt: t.StartedAt, ExpiresAt: t.ExpiresAt, NextInvoiceAt: t.NextInvoice,
		BillingCycle: p.BillingCycle,
	}
}

var _ ports.PlanChanges = (*Service)(nil)

// ChangePlan moves a tenant to another plan, prorated like a subscription
// update, and applies the rest of a tenant update (edit) in the same
// transaction, which records the caller's audit entry (a tenant update's).
// Returns core.NotFound, core.Invalid or edit's error.
func (s *Service) ChangePlan(ctx context.Context, tenantID, planID int64, edit func(*core.Tenant) error) error {
	_, err := s.moveSubscription(ctx, ctx, tenantID, core.SubscriptionUpdate{PlanID: &planID}, edit)
	return err
}
