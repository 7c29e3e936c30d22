// Package tenant is the tenant service: it creates tenants together with
// their own database, changes and removes them, and reports their usage.
package tenant

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/ports"
)

// Service manages tenants.
type Service struct {
	tenants     ports.TenantStore
	plans       ports.PlanStore
	provisioner ports.Provisioner
	counter     ports.UsageCounter
	resources   quota.Catalog
	clock       ports.Clock
	baseDomain  string
	accounts    ports.UserStore
	hasher      ports.PasswordHasher
	recounter   ports.UsageRecounter
	log         ports.ProvisioningLog
	users       ports.DatabaseUsers
	exporter    ports.Exporter
	retention   time.Duration
	sealer      ports.Sealer
	planChanges ports.PlanChanges
	// installation is this installation's ID, which its databases' markers
	// name; ownPrefix is set when tenant names carry its own tag, so that a
	// name alone says a login is ours.
	installation string
	ownPrefix    string
	migrating    sync.Map // tenant ID -> *sync.Mutex: one migration of a tenant at a time here
	leases       ports.Leases
	holder       string
	fault        func(ctx context.Context, step string) error
	tracer       ports.Tracer
	// servers are where tenant databases live (WithServers); placing
	// serialises the placement of new tenants.
	servers []Server
	load    ports.ServerLoad
	placing sync.Mutex
	copier  ports.DatabaseCopier // nil: tenants do not move
	settle  time.Duration
	// The warm pool (WithWarmPool): its entries, how many databases to
	// keep ready per server, and the refill's wake-up.
	pool     ports.WarmPool
	poolSize int
	claimed  chan struct{}
}

// Option configures a Service.
type Option func(*Service)

// WithAdmin makes Create add the tenant's first user, an admin, to the new
// tenant database before the tenant is marked ready.
func WithAdmin(accounts ports.UserStore, hasher ports.PasswordHasher) Option {
	return func(s *Service) { s.accounts, s.hasher = accounts, hasher }
}

// WithTracer reports each provisioning step (and its undoing) and each
// tenant migration to tr.
func WithTracer(tr ports.Tracer) Option {
	return func(s *Service) { s.tracer = tr }
}

// WithProvisioningLog records every provisioning step in log.
func WithProvisioningLog(log ports.ProvisioningLog) Option {
	return func(s *Service) { s.log = log }
}

// WithFaultHook calls hook after each provisioning step; an error it returns
// fails that step. Tests use it to fail or freeze provisioning at each step.
func WithFaultHook(hook func(ctx context.Context, step string) error) Option {
	return func(s *Service) { s.fault = hook }
}

// WithDatabaseUsers gives each tenant a database login of its own, with
// rights on its database only; its password is sealed before it is stored.
func WithDatabaseUsers(users ports.DatabaseUsers, sealer ports.Sealer) Option {
	return func(s *Service) { s.users, s.sealer = users, sealer }
}

// WithRetention keeps a deleted tenant's database for d, during which it
// can be restored.
func WithRetention(d time.Duration) Option {
	return func(s *Service) { s.retention = d }
}

// WithExporter enables Export.
func WithExporter(e ports.Exporter) Option {
	return func(s *Service) { s.exporter = e }
}

// WithInstallation names this installation: reconcile touches only the
// databases whose marker names it. ownPrefix is the tenant name prefix when
// it is the installation's own (tagged with its ID), "" when configured by
// hand and possibly shared.
func WithInstallation(id, ownPrefix string) Option {
	return func(s *Service) { s.installation, s.ownPrefix = id, ownPrefix }
}

// WithLeases lets one replica at a time run the fleet migration at start;
// holder names this process.
func WithLeases(l ports.Leases, holder string) Option {
	return func(s *Service) { s.leases, s.holder = l, holder }
}

// WithPlanChanges makes Update move tenants to another plan through p
// (billing), so that a plan change is prorated whichever endpoint asks.
func WithPlanChanges(p ports.PlanChanges) Option {
	return func(s *Service) { s.planChanges = p }
}

// WithRecounter enables Recount.
func WithRecounter(r ports.UsageRecounter) Option {
	return func(s *Service) { s.recounter = r }
}

// New returns a tenant service. Usage reports the resources of catalog;
// baseDomain is what tenant domains end in.
func New(tenants ports.TenantStore, plans ports.PlanStore, p ports.Provisioner, c ports.UsageCounter, catalog quota.Catalog, clock ports.Clock, baseDomain string, opts ...Option) *Service {
	s := &Service{tenants: tenants, plans: plans, provisioner: p, counter: c, resources: catalog, clock: clock, baseDomain: baseDomain}
	for _, o := range opts {
		o(s)
	}
	if len(s.servers) == 0 {
		s.servers = []Server{{Server: core.Server{Name: core.DefaultServer, State: core.ServerActive}, Provisioner: p, Users: s.users}}
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
	// The server is chosen and recorded with the row, before anything is
	// made on it: undo and reconcile know where to look. When the server
	// has a warm database ready, the row claims it in the same
	// transaction: created and migrated already, it only needs binding.
	srv, w, warm, err := s.createPlaced(ctx, &t)
	if err != nil {
		return Created{}, err
	}
	status, expires := core.StatusActive, core.PeriodEnd(now, plan.BillingCycle)
	if plan.TrialEnabled {
		status, expires = core.StatusTrial, now.AddDate(0, 0, plan.TrialDays)
	}
	var steps []step
	if warm {
		steps = append(steps, s.bindStep(srv, &t, w))
	} else {
		steps = append(steps, step{name: "create_database", do: func(ctx context.Context) error {
			db, err := srv.Provisioner.Create(ctx, t)
			t.Database = db
			return err
		}, undo: func(ctx context.Context) error { return srv.Provisioner.Drop(ctx, t) }},
			// The row names its database before anything happens in it, so that
			// reconcile finds what to undo after a crash.
			step{name: "record_database", do: func(ctx context.Context) error {
				_, err := s.tenants.UpdateTenant(ctx, t.ID, func(r *core.Tenant) error { r.Database = t.Database; return nil })
				return err
			}})
	}
	if srv.Users != nil {
		steps = append(steps, step{name: "create_user", do: func(ctx context.Context) error {
			user, password, err := srv.Users.CreateUser(ctx, t)
			if err != nil {
				return err
			}
			t.DBUser = user
			t.DBSecret, err = s.sealer.Seal(password)
			return err
		}, undo: func(ctx context.Context) error { return srv.Users.DropUser(ctx, t) }})
		if !warm {
			// A claimed database's tenant records its login on activation:
			// until then reconcile finds the login by the tenant's name.
			steps = append(steps, step{name: "record_user", do: func(ctx context.Context) error {
				_, err := s.tenants.UpdateTenant(ctx, t.ID, func(r *core.Tenant) error { r.DBUser, r.DBSecret = t.DBUser, t.DBSecret; return nil })
				return err
			}})
		}
	}
	if !warm {
		steps = append(steps, step{name: "migrate", do: func(ctx context.Context) error { return srv.Provisioner.Migrate(ctx, t) }})
	}
	if s.accounts != nil {
		steps = append(steps, step{name: "seed_admin", do: func(ctx context.Context) error {
			name := n.AdminName
			if name == "" {
				name = strings.TrimSpace(n.FirstName + " " + n.LastName)
			}
			out.Admin = core.User{Name: name, Email: n.Email, Role: core.RoleAdmin}
			return s.accounts.CreateUser(ctx, t, &out.Admin, hash)
		}})
	}
	steps = append(steps, step{name: "activate", do: func(ctx context.Context) error {
		// The tenant exists from here on: its creation is recorded with
		// this step, and a create undone before it leaves no record.
		actx := core.WithAudit(ctx, "tenant.create", "tenant", strconv.FormatInt(t.ID, 10), map[string]any{
			"company_name": n.CompanyName, "email": n.Email, "first_name": n.FirstName, "last_name": n.LastName,
			"subdomain": n.Subdomain, "plan_id": plan.ID, "status": string(status),
		})
		ready, err := s.tenants.UpdateTenant(actx, t.ID, func(r *core.Tenant) error {
			r.DBUser, r.DBSecret = t.DBUser, t.DBSecret
			r.Status, r.ExpiresAt, r.NextInvoice = status, &expires, &expires
			r.SchemaVersion = s.provisioner.Version()
			r.Emit(core.EventTenantCreated, now, map[string]any{"subdomain": r.Subdomain, "plan_id": r.PlanID, "status": string(status)})
			return nil
		})
		out.Tenant = ready
		return err
	}})
	if warm {
		// The refill runs once this signup is answered, not beside it; the
		// claimed entry is removed by the refill (or reconcile) too.
		defer s.wakeRefill()
	}
	// A warm signup's steps are few and quick: logged together at the end.
	if err := s.run(ctx, t, steps, warm); err != nil {
		return Created{}, err
	}
	return out, nil
}

// step is one step of the provisioning saga; undo reverses a step that
// succeeded, when a later one fails.
type step struct {
	name string
	do   func(context.Context) error
	undo func(context.Context) error
	// undoFailed runs undo also when do itself failed: a step whose
	// failure may leave what it holds behind (a claimed database).
	undoFailed bool
}

// run runs the steps in order, recording each (with batch, all at once
// when the saga is over). When one fails, the steps
// done so far are undone in reverse and the tenant row is removed; if undoing
// fails too, the tenant is left as failed for reconcile to finish.
func (s *Service) run(ctx context.Context, t core.Tenant, steps []step, batch bool) error {
	record := func(ctx context.Context, name, outcome string, err error) { s.record(ctx, t.ID, name, outcome, err) }
	if batch && s.log != nil {
		var done []core.ProvisioningStep
		record = func(_ context.Context, name, outcome string, err error) {
			done = append(done, s.step(t.ID, name, outcome, err))
		}
		// The log is a record for people: failing to write it fails nothing.
		defer func() { _ = s.log.RecordSteps(context.WithoutCancel(ctx), done) }()
	}
	for i, st := range steps {
		err := s.traced(ctx, "tenant.provision."+st.name, t.ID, st.do)
		failed := st.name
		from := i - 1 // the last step to undo
		if err != nil && st.undoFailed {
			from = i
		}
		if err == nil {
			record(ctx, st.name, core.StepDone, nil)
			if s.fault == nil {
				continue
			}
			// A fault between this step and the next: this one is undone too.
			if err = s.fault(ctx, st.name); err == nil {
				continue
			}
			from, failed = i, "after_"+st.name
		}
		record(ctx, failed, core.StepFailed, err)
		// Undo with a context of its own: the caller's may be what failed.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		clean := true
		for j := from; j >= 0; j-- {
			if steps[j].undo == nil {
				continue
			}
			if uerr := s.traced(uctx, "tenant.provision.undo."+steps[j].name, t.ID, steps[j].undo); uerr != nil {
				clean = false
				record(uctx, steps[j].name, core.StepUndoFailed, uerr)
			} else {
				record(uctx, steps[j].name, core.StepUndone, nil)
			}
		}
		if clean {
			_ = s.tenants.DeleteTenant(uctx, t.ID)
		} else {
			_, _ = s.tenants.UpdateTenant(uctx, t.ID, func(r *core.Tenant) error { r.Status = core.StatusFailed; return nil })
		}
		if core.KindOf(err) != core.Internal {
			return err
		}
		return fmt.Errorf("provision tenant %d: %s: %w", t.ID, failed, err)
	}
	return nil
}

// traced runs fn as the unit name of tenant tenantID, reported to the
// tracer when there is one.
func (s *Service) traced(ctx context.Context, name string, tenantID int64, fn func(context.Context) error) error {
	if s.tracer == nil {
		return fn(ctx)
	}
	ctx, end := s.tracer.Start(ctx, name, tenantID)
	err := fn(ctx)
	end(err)
	return err
}

func (s *Service) record(ctx context.Context, tenantID int64, name, outcome string, err error) {
	if s.log == nil {
		return
	}
	// The log is a record for people; failing to write it must not fail
	// or undo the provisioning it describes.
	_ = s.log.RecordStep(ctx, s.step(tenantID, name, outcome, err))
}

// step is the log entry of a step that ended now with outcome.
func (s *Service) step(tenantID int64, name, outcome string, err error) core.ProvisioningStep {
	rec := core.ProvisioningStep{TenantID: tenantID, Step: name, Outcome: outcome, At: s.clock.Now()}
	if err != nil {
		rec.Error = err.Error()
	}
	return rec
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
	if t.Gone() {
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
	if f.Page < 1 || f.Page > core.MaxPage {
		errs["page"] = fmt.Sprintf("must be between 1 and %d", core.MaxPage)
	}
	if f.PerPage < 1 || f.PerPage > core.MaxPerPage {
		errs["per_page"] = fmt.Sprintf("must be between 1 and %d", core.MaxPerPage)
	}
	f.Search = strings.TrimSpace(f.Search)
	if len(f.Search) > core.MaxSearchLen {
		errs["search"] = fmt.Sprintf("must be at most %d characters", core.MaxSearchLen)
	}
	if f.Sort != "" && !slices.Contains(core.TenantSorts, strings.TrimPrefix(f.Sort, "-")) {
		errs["sort"] = "must be one of " + strings.Join(core.TenantSorts, ", ") + ", with - first for descending"
	}
	if len(errs) > 0 {
		return nil, 0, core.InvalidFields(errs)
	}
	return s.tenants.Tenants(ctx, f)
}

// Steps returns the recorded provisioning steps of a tenant, oldest first;
// none when no provisioning log is configured. Returns core.NotFound.
func (s *Service) Steps(ctx context.Context, id int64) ([]core.ProvisioningStep, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	if s.log == nil {
		return nil, nil
	}
	return s.log.Steps(ctx, id)
}

// Update changes a tenant's company name, plan or status (active or
// inactive). A new plan goes through billing (WithPlanChanges), prorated
// as a subscription update is; everything is validated before anything is
// written. Returns core.NotFound or core.Invalid.
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
	if u.PlanID != nil {
		_, err := s.plans.Plan(ctx, *u.PlanID)
		if core.KindOf(err) == core.NotFound {
			errs["plan_id"] = "no such plan"
		} else if err != nil {
			return core.Tenant{}, err
		}
	}
	if len(errs) > 0 {
		return core.Tenant{}, core.InvalidFields(errs)
	}
	if u.PlanID != nil && s.planChanges == nil {
		return core.Tenant{}, fmt.Errorf("plan changes are not configured")
	}
	changes := map[string]any{}
	if u.CompanyName != nil {
		changes["company_name"] = name
	}
	if u.Status != nil {
		changes["status"] = *u.Status
	}
	if u.PlanID != nil {
		changes["plan_id"] = *u.PlanID
	}
	actx := core.WithAudit(ctx, "tenant.update", "tenant", strconv.FormatInt(id, 10), changes)
	edit := func(t *core.Tenant) error {
		if t.Gone() || t.Status == core.StatusProvisioning {
			return core.Errorf(core.NotFound, "tenant not found")
		}
		if u.CompanyName != nil {
			t.CompanyName = name
		}
		if u.Status != nil && core.Status(*u.Status) != t.Status {
			if *u.Status == string(core.StatusInactive) {
				t.Emit(core.EventTenantSuspended, s.clock.Now(), map[string]any{"reason": "operator"})
			}
			t.Status, t.SuspendedBy = core.Status(*u.Status), ""
		}
		return nil
	}
	if u.PlanID == nil {
		return s.tenants.UpdateTenant(actx, id, edit)
	}
	// The plan move, the other fields and the audit entry commit together.
	if err := s.planChanges.ChangePlan(actx, id, *u.PlanID, edit); err != nil {
		return core.Tenant{}, err
	}
	return s.tenants.Tenant(ctx, id)
}

// Delete removes a tenant: it is gone for the API at once. With a retention
// (WithRetention) its database is kept, and Restore can bring it back until
// the retention passes, when reconcile drops it; without, the database is
// dropped now. The tenant is marked as deleting first, so it is gone for the
// API even if dropping fails half-way and has to be finished later.
// Returns core.NotFound or core.Conflict (still provisioning).
func (s *Service) Delete(ctx context.Context, id int64) error {
	now := s.clock.Now()
	actx := core.WithAudit(ctx, "tenant.delete", "tenant", strconv.FormatInt(id, 10), map[string]any{"retention": s.retention.String()})
	t, err := s.tenants.UpdateTenant(actx, id, func(t *core.Tenant) error {
		switch {
		case t.Status == core.StatusDeleted:
			return core.Errorf(core.NotFound, "tenant not found")
		case t.Status == core.StatusProvisioning:
			return core.Errorf(core.Conflict, "tenant is still being provisioned")
		case t.MovingTo != "" || t.MovedFrom != "":
			return core.Errorf(core.Conflict, "tenant is being moved to another database server; delete it once the move is done")
		case s.retention > 0 && t.Status != core.StatusDeleting:
			t.Emit(core.EventTenantDeleted, now, map[string]any{"subdomain": t.Subdomain, "retained_until": now.Add(s.retention).Format(time.RFC3339)})
			// Free the subdomain for others and keep what restore needs.
			t.RestoreSubdomain, t.RestoreStatus = t.Subdomain, t.Status
			t.Subdomain, t.Status, t.DeletedAt = "~"+strconv.FormatInt(t.ID, 10), core.StatusDeleted, &now
		default:
			if t.Status != core.StatusDeleting {
				t.Emit(core.EventTenantDeleted, now, map[string]any{"subdomain": t.Subdomain})
			}
			t.Status = core.StatusDeleting
		}
		return nil
	})
	if err != nil || t.Status == core.StatusDeleted {
		return err
	}
	return s.purge(ctx, t)
}

// purge drops a tenant's database and login and removes its row.
func (s *Service) purge(ctx context.Context, t core.Tenant) error {
	if err := s.dropDatabase(ctx, t); err != nil {
		return err
	}
	if err := s.tenants.DeleteTenant(ctx, t.ID); err != nil && core.KindOf(err) != core.NotFound {
		return err
	}
	return nil
}

// Restore brings back a tenant deleted within the retention, with its
// subdomain, status and data. Returns core.NotFound (no such deleted tenant,
// or its retention has passed) or core.Conflict (its subdomain was taken since).
func (s *Service) Restore(ctx context.Context, id int64) (core.Tenant, error) {
	t, err := s.tenants.Tenant(ctx, id)
	if err != nil {
		return core.Tenant{}, err
	}
	if t.Status != core.StatusDeleted || t.DeletedAt == nil || !s.clock.Now().Before(t.DeletedAt.Add(s.retention)) {
		return core.Tenant{}, core.Errorf(core.NotFound, "no deleted tenant %d within the retention", id)
	}
	restored, err := s.tenants.UpdateTenant(core.WithAudit(ctx, "tenant.restore", "tenant", strconv.FormatInt(id, 10), nil), id, func(t *core.Tenant) error {
		if t.Status != core.StatusDeleted {
			return core.Errorf(core.NotFound, "no deleted tenant %d within the retention", id)
		}
		t.Subdomain, t.Status, t.DeletedAt = t.RestoreSubdomain, t.RestoreStatus, nil
		t.RestoreSubdomain, t.RestoreStatus = "", ""
		return nil
	})
	if core.KindOf(err) == core.Conflict {
		return core.Tenant{}, core.Errorf(core.Conflict, "subdomain %q was taken after the tenant was deleted", t.RestoreSubdomain)
	}
	return restored, err
}

// Export writes everything in the tenant's own database to w (JSON lines:
// one object per row with its table). Works for deleted tenants within the
// retention too. Password hashes, session tokens and other secrets are left
// out unless secrets is set. Returns core.NotFound.
func (s *Service) Export(ctx context.Context, id int64, w io.Writer, secrets bool) error {
	if s.exporter == nil {
		return fmt.Errorf("export is not configured")
	}
	t, err := s.tenants.Tenant(ctx, id)
	if err != nil {
		return err
	}
	if t.Database == "" || t.Status == core.StatusDeleting || t.Status == core.StatusProvisioning {
		return core.Errorf(core.NotFound, "tenant %d has no database to export", id)
	}
	return s.exporter.Export(ctx, t, w, secrets)
}

// Usage counts the tenant's records in its own database against its plan's
// limits. Returns core.NotFound.
func (s *Service) Usage(ctx context.Context, id int64) (quota.Usage, error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.UsageOf(ctx, t)
}

// UsageOf is Usage for a tenant already loaded (with its plan's limits,
// when the store joined them).
func (s *Service) UsageOf(ctx context.Context, t core.Tenant) (quota.Usage, error) {
	limits := t.Limits
	if limits == nil {
		plan, err := s.plans.Plan(ctx, t.PlanID)
		if err != nil {
			return nil, err
		}
		limits = plan.Limits
	}
	if t.Database == "" {
		return s.resources.NewUsage(nil, limits), nil
	}
	counts, err := s.counter.Count(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("count usage: %w", err)
	}
	return s.resources.NewUsage(counts, limits), nil
}

// Recount repairs the usage counters of one tenant (id > 0) or of every
// tenant (id 0) from the rows of their tables, and returns what it changed
// per tenant ID. Returns core.NotFound for an unknown id.
func (s *Service) Recount(ctx context.Context, id int64) (map[int64][]quota.Change, error) {
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
	out := map[int64][]quota.Change{}
	for _, t := range list {
		if t.Database == "" || t.Status == core.StatusProvisioning || t.Gone() || t.Moving() {
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

// dropDatabase removes t's database and its login, if any. The login goes
// only when the control database recorded it or t's database was confirmed
// as this tenant's: a name alone may be another installation's.
func (s *Service) dropDatabase(ctx context.Context, t core.Tenant) error {
	srv, err := s.serverOf(t)
	if err != nil {
		return err
	}
	if srv.Users != nil && (t.DBUser != "" || t.Database != "") {
		if err := srv.Users.DropUser(ctx, t); err != nil {
			return err
		}
	}
	if t.Database == "" {
		return nil
	}
	if err := srv.Provisioner.Drop(ctx, t); err != nil {
		return fmt.Errorf("drop tenant database: %w", err)
	}
	return nil
}
