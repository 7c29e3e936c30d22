package core

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Resource is something a plan limits and a tenant uses up. Resources are
// declared by the tenant-side modules that count them (core/quota).
type Resource string

// Unlimited is the limit that never runs out.
const Unlimited int64 = -1

// Limits maps each resource to the most a tenant may have; Unlimited for no limit.
type Limits map[Resource]int64

// Of returns the limit for r; a resource the plan does not name is unlimited.
func (l Limits) Of(r Resource) int64 {
	if v, ok := l[r]; ok {
		return v
	}
	return Unlimited
}

// BillingCycle is how often a plan is billed.
type BillingCycle string

// Billing cycles.
const (
	Monthly BillingCycle = "monthly"
	Yearly  BillingCycle = "yearly"
)

// Plan is what a tenant subscribes to: prices, trial and resource limits.
type Plan struct {
	ID           int64
	Name         string
	PriceMonthly Money
	PriceYearly  Money
	BillingCycle BillingCycle
	IsPopular    bool
	TrialEnabled bool
	TrialDays    int
	Limits       Limits
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// DefaultTrialDays is the trial length of a plan that enables a trial
// without saying how long.
const DefaultTrialDays = 14

// PlanInput is a create or update request for a plan. Nil fields are left
// as they are (update) or take their default (create). Prices arrive as the
// decimal text the client sent so that they are read exactly.
type PlanInput struct {
	Name         *string
	PriceMonthly *string
	PriceYearly  *string
	BillingCycle *string
	IsPopular    *bool
	TrialEnabled *bool
	TrialDays    *int
	Limits       map[string]int64
}

// Apply validates in and writes it onto p. With create set, the fields a
// new plan needs are required. Limits may name only the resources given
// (those the registered modules count); any of them left out is unlimited.
// On error p may be partly changed and must be discarded; the error is
// Invalid and names every refused field.
func (in PlanInput) Apply(p *Plan, create bool, resources []Resource) error {
	errs := map[string]string{}
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	if (create || in.Name != nil) && p.Name == "" {
		errs["name"] = "is required"
	} else if len(p.Name) > 100 {
		errs["name"] = "must be at most 100 characters"
	}
	price := func(field string, s *string, dst *Money, required bool) {
		if s == nil {
			if required {
				errs[field] = "is required"
			}
			return
		}
		m, err := ParseMoney(*s)
		switch {
		case err != nil:
			errs[field] = err.Error()
		case m < 0:
			errs[field] = "must not be negative"
		case m > MaxPrice:
			errs[field] = "must be at most " + MaxPrice.String()
		default:
			*dst = m
		}
	}
	price("price_monthly", in.PriceMonthly, &p.PriceMonthly, create)
	price("price_yearly", in.PriceYearly, &p.PriceYearly, false)
	if in.BillingCycle != nil {
		switch c := BillingCycle(*in.BillingCycle); c {
		case Monthly, Yearly:
			p.BillingCycle = c
		default:
			errs["billing_cycle"] = "must be monthly or yearly"
		}
	} else if p.BillingCycle == "" {
		p.BillingCycle = Monthly
	}
	if in.IsPopular != nil {
		p.IsPopular = *in.IsPopular
	}
	if in.TrialEnabled != nil {
		p.TrialEnabled = *in.TrialEnabled
	}
	if in.TrialDays != nil {
		p.TrialDays = *in.TrialDays
	}
	if p.TrialEnabled && p.TrialDays == 0 && in.TrialDays == nil {
		p.TrialDays = DefaultTrialDays
	}
	if p.TrialDays < 0 || p.TrialDays > 365 {
		errs["trial_days"] = "must be between 0 and 365"
	} else if p.TrialEnabled && p.TrialDays == 0 {
		errs["trial_days"] = "must be at least 1 when the trial is enabled"
	}
	if in.Limits != nil {
		limits := Limits{}
		for r, v := range p.Limits {
			limits[r] = v
		}
		for name, v := range in.Limits {
			switch {
			case !slices.Contains(resources, Resource(name)):
				errs["limits."+name] = fmt.Sprintf("unknown resource; valid: %s", resourceList(resources))
			case v < Unlimited:
				errs["limits."+name] = "must be -1 (unlimited) or at least 0"
			default:
				limits[Resource(name)] = v
			}
		}
		p.Limits = limits
	}
	if p.Limits == nil {
		p.Limits = Limits{}
	}
	for _, r := range resources {
		if _, ok := p.Limits[r]; !ok {
			p.Limits[r] = Unlimited
		}
	}
	if len(errs) > 0 {
		return InvalidFields(errs)
	}
	return nil
}

func resourceList(resources []Resource) string {
	names := make([]string, len(resources))
	for i, r := range resources {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
