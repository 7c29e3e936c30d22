// Package tenant is the tenant service: it creates tenants together with
// their own database, changes and removes them, and reports their usage.
package tenant

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// Service manages tenants.
type Service struct {
	tenants     ports.TenantStore
	plans       ports.PlanStore
	provisioner ports.Provisioner
	counter     ports.UsageCounter
	clock       ports.Clock
	baseDomain  string
	accounts    ports.AccountStore
	hasher      ports.PasswordHasher
	recounter   ports.UsageRecounter
}

// Option configures a Service.
type Option func(*Service)

// WithAdmin makes Create add the tenant's first user, an admin, to the new
// tenant database before the tenant is marked ready.
func WithAdmin(accounts ports.AccountStore, hasher ports.PasswordHasher) Option {
	return func(s *Service) { s.accounts, s.hasher = accounts, hasher }
}

// WithRecounter enables Recount.
func WithRecounter(r ports.UsageRecounter) Option {
	return func(s *Service) { s.recounter = r }
}

// New returns a tenant service. baseDomain is what tenant domains end in.
func New(tenants ports.TenantStore, plans ports.PlanStore, p ports.Provisioner, c ports.UsageCounter, clock ports.Clock, baseDomain string, opts ...Option) *Service {
	s := &Service{tenants: tenants, plans: plans, provisioner: p, counter: c, clock: clock, baseDomain: baseDomain}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Created is a new tenant with its first user.
type Created struct {
	Tenant core.Tenant
	Admin  core.User
	// AdminPassword is set only when the request gave none and one was
	// generated: it is shown once and never stored in clear.
	AdminPassword string
}

// Domain returns the host name a tenant is served on.
func (s *Service) Domain(t core.Tenant) string { return t.Subdomain + "." + s.baseDomain }

// Create validates n, records the tenant, provisions its database and only
// then marks it ready. If any step fails the steps before it are undone, so
// no tenant row claims a missing database and no database lacks its tenant.
// Returns core.Invalid (also for an unknown plan) or core.Conflict.
func (s *Service) Create(ctx context.Context, n core.NewTenant) (core.Tenant, error) {
	c, err := s.CreateWithAdmin(ctx, n)
	return c.Tenant, err
}

// CreateWithAdmin is Create that also reports the first user (with the
// WithAdmin option) and the password generated for it when n had none.
func (s *Service) CreateWithAdmin(ctx context.Context, n core.NewTenant) (Created, error) {
	n.Normalize()
	if err := n.Validate(); err != nil {
		return Created{}, err
	}
	plan, err := s.plans.Plan(ctx, n.PlanID)
	if core.KindOf(err) == core.NotFound {
		return Created{}, core.InvalidFields(map[string]string{"plan_id": "no such plan"})
	} else if err != nil {
		return Created{}, err
	}
	var out Created
	if s.accounts != nil && n.Password == "" {
		if n.Password, err = randomPassword(); err != nil {
			return Created{}, err
		}
		out.AdminPassword = n.Password
	}
	var hash string
	if s.accounts != nil {
		if hash, err = s.hasher.Hash(n.Password); err != nil {
			return Created{}, err
		}
	}
	now := s.clock.Now()
	t := core.Tenant{
		CompanyName: n.CompanyName, Email: n.Email, FirstName: n.FirstName, LastName: n.LastName,
		Subdomain: n.Subdomain, PlanID: plan.ID, PlanName: plan.Name, Status: core.StatusProvisioning,
		StartedAt: now,
	}
	if err := s.tenants.CreateTenant(ctx, &t); err != nil {
		return Created{}, err
	}
	// Undo with a context of its own: the caller's may be what failed.
	undo := func(dropDB bool) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if dropDB {
			_ = s.provisioner.Drop(cctx, t)
		}
		_ = s.tenants.DeleteTenant(cctx, t.ID)
	}
	db, err := s.provisioner.Provision(ctx, t)
	if err != nil {
		undo(false)
		return Created{}, fmt.Errorf("provision tenant %d: %w", t.ID, err)
	}
	// Drop needs the name of the database to remove.
	t.Database = db
	if s.accounts != nil {
		out.Admin = core.User{Name: strings.TrimSpace(n.FirstName + " " + n.LastName), Email: n.Email, Role: core.RoleAdmin}
		if err := s.accounts.CreateUser(ctx, t, &out.Admin, hash); err != nil {
			undo(true)
			return Created{}, fmt.Errorf("create first user: %w", err)
		}
	}
	status, expires := core.StatusActive, core.PeriodEnd(now, plan.BillingCycle)
	if plan.TrialEnabled {
		status, expires = core.StatusTrial, now.AddDate(0, 0, plan.TrialDays)
	}
	// A separate variable: on error the store returns a zero tenant, and undo
	// must still see the one it is undoing.
	ready, err := s.tenants.UpdateTenant(ctx, t.ID, func(t *core.Tenant) error {
		t.Database, t.Status, t.ExpiresAt, t.NextInvoice = db, status, &expires, &expires
		return nil
	})
	if err != nil {
		undo(true)
		return Created{}, fmt.Errorf("activate tenant: %w", err)
	}
	out.Tenant = ready
	return out, nil
}

// randomPassword makes a password that passes core.ValidatePassword.
func randomPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "p4" + base64.RawURLEncoding.EncodeToString(b), nil
}

// Get returns a tenant. Returns core.NotFound, also for one being deleted.
func (s *Service) Get(ctx context.Context, id int64) (core.Tenant, error) {
	t, err := s.tenants.Tenant(ctx, id)
	if err != nil {
		return core.Tenant{}, err
	}
	if t.Status == core.StatusDeleting {
		return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
	}
	return t, nil
}

// List returns a page of tenants and the total matching f. Returns core.Invalid
// for an unknown status filter.
func (s *Service) List(ctx context.Context, f core.TenantFilter) ([]core.Tenant, int64, error) {
	switch f.Status {
	case "", core.StatusActive, core.StatusInactive, core.StatusTrial:
	default:
		return nil, 0, core.InvalidFields(map[string]string{"status": "must be active, inactive or trial"})
	}
	errs := map[string]string{}
	if f.Page < 1 {
		errs["page"] = "must be at least 1"
	}
	if f.PerPage < 1 || f.PerPage > core.MaxPerPage {
		errs["per_page"] = fmt.Sprintf("must be between 1 and %d", core.MaxPerPage)
	}
	if len(errs) > 0 {
		return nil, 0, core.InvalidFields(errs)
	}
	return s.tenants.Tenants(ctx, f)
}

// Update changes a tenant's company name, plan or status (active or
// inactive). Returns core.NotFound or core.Invalid.
func (s *Service) Update(ctx context.Context, id int64, u core.TenantUpdate) (core.Tenant, error) {
	errs := map[string]string{}
	var name string
	if u.CompanyName != nil {
		name = strings.TrimSpace(*u.CompanyName)
		if name == "" {
			errs["company_name"] = "must not be empty"
		} else if len(name) > 191 {
			errs["company_name"] = "is too long"
		}
	}
	if u.Status != nil && *u.Status != string(core.StatusActive) && *u.Status != string(core.StatusInactive) {
		errs["status"] = "must be active or inactive"
	}
	var plan core.Plan
	if u.PlanID != nil {
		var err error
		plan, err = s.plans.Plan(ctx, *u.PlanID)
		if core.KindOf(err) == core.NotFound {
			errs["plan_id"] = "no such plan"
		} else if err != nil {
			return core.Tenant{}, err
		}
	}
	if len(errs) > 0 {
		return core.Tenant{}, core.InvalidFields(errs)
	}
	return s.tenants.UpdateTenant(ctx, id, func(t *core.Tenant) error {
		if t.Status == core.StatusDeleting || t.Status == core.StatusProvisioning {
			return core.Errorf(core.NotFound, "tenant not found")
		}
		if u.CompanyName != nil {
			t.CompanyName = name
		}
		if u.PlanID != nil {
			t.PlanID, t.PlanName, t.Limits = plan.ID, plan.Name, plan.Limits
		}
		if u.Status != nil {
			t.Status = core.Status(*u.Status)
		}
		return nil
	})
}

// Delete removes a tenant and drops its database. The tenant is marked as
// deleting first, so it is gone for the API even if dropping fails half-way
// and has to be finished later. Returns core.NotFound.
func (s *Service) Delete(ctx context.Context, id int64) error {
	t, err := s.tenants.UpdateTenant(ctx, id, func(t *core.Tenant) error {
		if t.Status == core.StatusProvisioning {
			return core.Errorf(core.Conflict, "tenant is still being provisioned")
		}
		t.Status = core.StatusDeleting
		return nil
	})
	if err != nil {
		return err
	}
	if t.Database != "" {
		if err := s.provisioner.Drop(ctx, t); err != nil {
			return fmt.Errorf("drop tenant database: %w", err)
		}
	}
	if err := s.tenants.DeleteTenant(ctx, id); err != nil && core.KindOf(err) != core.NotFound {
		return err
	}
	return nil
}

// Usage counts the tenant's records in its own database against its plan's
// limits. Returns core.NotFound.
func (s *Service) Usage(ctx context.Context, id int64) (core.Usage, error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.UsageOf(ctx, t)
}

// UsageOf is Usage for a tenant already loaded (with its plan's limits,
// when the store joined them).
func (s *Service) UsageOf(ctx context.Context, t core.Tenant) (core.Usage, error) {
	limits := t.Limits
	if limits == nil {
		plan, err := s.plans.Plan(ctx, t.PlanID)
		if err != nil {
			return nil, err
		}
		limits = plan.Limits
	}
	if t.Database == "" {
		return core.NewUsage(nil, limits), nil
	}
	counts, err := s.counter.Count(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("count usage: %w", err)
	}
	return core.NewUsage(counts, limits), nil
}

// Recount repairs the usage counters of one tenant (id > 0) or of every
// tenant (id 0) from the rows of their tables, and returns what it changed
// per tenant ID. Returns core.NotFound for an unknown id.
func (s *Service) Recount(ctx context.Context, id int64) (map[int64][]core.UsageChange, error) {
	if s.recounter == nil {
		return nil, fmt.Errorf("recount is not configured")
	}
	var list []core.Tenant
	if id > 0 {
		t, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		list = []core.Tenant{t}
	} else {
		for page := 1; ; page++ {
			batch, _, err := s.tenants.Tenants(ctx, core.TenantFilter{Page: page, PerPage: core.MaxPerPage})
			if err != nil {
				return nil, err
			}
			list = append(list, batch...)
			if len(batch) < core.MaxPerPage {
				break
			}
		}
	}
	out := map[int64][]core.UsageChange{}
	for _, t := range list {
		if t.Database == "" || t.Status == core.StatusProvisioning || t.Status == core.StatusDeleting {
			continue
		}
		changes, err := s.recounter.Recount(ctx, t)
		if err != nil {
			return out, fmt.Errorf("tenant %d: %w", t.ID, err)
		}
		if len(changes) > 0 {
			out[t.ID] = changes
		}
	}
	return out, nil
}
