package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var (
	_ ports.TenantStore  = (*Stores)(nil)
	_ ports.PlanStore    = (*Stores)(nil)
	_ ports.TokenStore   = (*Stores)(nil)
	_ ports.SessionStore = (*Stores)(nil)
	_ ports.ServerLoad   = (*Stores)(nil)
)

// Stores keeps tenants, plans and tokens in memory, with the same kinds
// and rules as the database stores (ports/portstest proves it): for tests
// and for trying the core without a database. One mutex stands in for the
// database's transactions.
type Stores struct {
	mu      sync.Mutex
	tenants map[int64]core.Tenant
	plans   map[int64]core.Plan
	tokens  map[int64]token
	// sessions maps the hash of a console session id to it.
	sessions map[string]session
	nextID   int64
}

type session struct {
	tokenID int64
	expires time.Time
}

type token struct {
	core.APIToken
	hash string
}

// NewStores returns empty stores.
func NewStores() *Stores {
	return &Stores{tenants: map[int64]core.Tenant{}, plans: map[int64]core.Plan{}, tokens: map[int64]token{}, sessions: map[string]session{}}
}

func (s *Stores) id() int64 { s.nextID++; return s.nextID }

func clonePlan(p core.Plan) core.Plan {
	limits := make(core.Limits, len(p.Limits))
	for r, v := range p.Limits {
		limits[r] = v
	}
	p.Limits = limits
	return p
}

// CreatePlan inserts p.
func (s *Stores) CreatePlan(_ context.Context, p *core.Plan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.plans {
		if o.Name == p.Name {
			return core.Errorf(core.Conflict, "plan named %s already exists", p.Name)
		}
	}
	now := time.Now().UTC()
	p.ID, p.CreatedAt, p.UpdatedAt = s.id(), now, now
	s.plans[p.ID] = clonePlan(*p)
	return nil
}

// Plan returns one plan.
func (s *Stores) Plan(_ context.Context, id int64) (core.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.plans[id]
	if !ok {
		return core.Plan{}, core.Errorf(core.NotFound, "plan not found")
	}
	return clonePlan(p), nil
}

// Plans returns every plan in ID order.
func (s *Stores) Plans(_ context.Context) ([]core.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]core.Plan, 0, len(s.plans))
	for _, p := range s.plans {
		out = append(out, clonePlan(p))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// UpdatePlan applies fn to a copy and keeps it only when fn succeeds.
func (s *Stores) UpdatePlan(_ context.Context, id int64, fn func(*core.Plan) error) (core.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.plans[id]
	if !ok {
		return core.Plan{}, core.Errorf(core.NotFound, "plan not found")
	}
	p = clonePlan(p)
	if err := fn(&p); err != nil {
		return core.Plan{}, err
	}
	for _, o := range s.plans {
		if o.ID != id && o.Name == p.Name {
			return core.Plan{}, core.Errorf(core.Conflict, "plan named %s already exists", p.Name)
		}
	}
	p.ID, p.UpdatedAt = id, time.Now().UTC()
	s.plans[id] = clonePlan(p)
	return p, nil
}

// DeletePlan removes a plan no tenant is on.
func (s *Stores) DeletePlan(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.plans[id]; !ok {
		return core.Errorf(core.NotFound, "plan not found")
	}
	for _, t := range s.tenants {
		if t.PlanID == id {
			return core.Errorf(core.Conflict, "plan %d is used by tenants; move them to another plan first", id)
		}
	}
	delete(s.plans, id)
	return nil
}

// withPlan fills the plan's name and limits, as the database join does.
func (s *Stores) withPlan(t core.Tenant) core.Tenant {
	if p, ok := s.plans[t.PlanID]; ok {
		t.PlanName, t.Limits = p.Name, clonePlan(p).Limits
	}
	t.Events = nil
	return t
}

// LockPlacement has nothing to do: memory stores serve one process, whose
// placements already take turns.
func (s *Stores) LockPlacement(context.Context) (func(), error) { return func() {}, nil }

// TenantsPerServer counts the tenants by their server's name.
func (s *Stores) TenantsPerServer(context.Context) (map[string]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int64{}
	for _, t := range s.tenants {
		out[t.Server]++
	}
	return out, nil
}

// CreateTenant inserts t.
func (s *Stores) CreateTenant(_ context.Context, t *core.Tenant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.tenants {
		if o.Subdomain == t.Subdomain {
			return core.Errorf(core.Conflict, "subdomain %q is already taken", t.Subdomain)
		}
	}
	if _, ok := s.plans[t.PlanID]; !ok {
		return core.Errorf(core.Conflict, "tenant is still referenced")
	}
	now := time.Now().UTC()
	t.ID, t.CreatedAt, t.UpdatedAt = s.id(), now, now
	s.tenants[t.ID] = *t
	return nil
}

// Tenant returns one tenant.
func (s *Stores) Tenant(_ context.Context, id int64) (core.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tenants[id]
	if !ok {
		return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
	}
	return s.withPlan(t), nil
}

// TenantBySubdomain returns the tenant with that subdomain.
func (s *Stores) TenantBySubdomain(_ context.Context, subdomain string) (core.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tenants {
		if t.Subdomain == subdomain {
			return s.withPlan(t), nil
		}
	}
	return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
}

// Tenants returns a page, newest first.
func (s *Stores) Tenants(_ context.Context, f core.TenantFilter) ([]core.Tenant, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []core.Tenant
	for _, t := range s.tenants {
		switch {
		case f.SchemaVersion != nil && t.SchemaVersion != *f.SchemaVersion, f.MigrationFailed && t.MigrationError == "",
			f.Search != "" && !matches(t, f.Search):
		case (f.Status == "" && !t.Gone()) || t.Status == f.Status:
			all = append(all, s.withPlan(t))
		}
	}
	sortTenants(all, f.Sort)
	total := int64(len(all))
	from := min((f.Page-1)*f.PerPage, len(all))
	to := min(from+f.PerPage, len(all))
	return slices.Clone(all[from:to]), total, nil
}

// UpdateTenant applies fn to a copy and keeps it only when fn succeeds.
// Events are dropped: this store has no outbox.
func (s *Stores) UpdateTenant(_ context.Context, id int64, fn func(*core.Tenant) error) (core.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tenants[id]
	if !ok {
		return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
	}
	t = s.withPlan(t)
	if err := fn(&t); err != nil {
		return core.Tenant{}, err
	}
	for _, o := range s.tenants {
		if o.ID != id && o.Subdomain == t.Subdomain {
			return core.Tenant{}, core.Errorf(core.Conflict, "tenant already exists")
		}
	}
	t.ID, t.UpdatedAt, t.Events = id, time.Now().UTC(), nil
	s.tenants[id] = t
	return s.withPlan(t), nil
}

// DeleteTenant removes the tenant.
func (s *Stores) DeleteTenant(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tenants[id]; !ok {
		return core.Errorf(core.NotFound, "tenant not found")
	}
	delete(s.tenants, id)
	return nil
}

// CreateToken inserts t unless a live token has its name.
func (s *Stores) CreateToken(_ context.Context, t *core.APIToken, hash []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.tokens {
		if o.Name == t.Name && o.RevokedAt == nil {
			return core.Errorf(core.Conflict, "a token named %q exists; revoke it first", t.Name)
		}
		if o.hash == string(hash) {
			return core.Errorf(core.Conflict, "token already exists")
		}
	}
	t.ID = s.id()
	s.tokens[t.ID] = token{APIToken: *t, hash: string(hash)}
	return nil
}

// TokenByHash returns the live token with that hash.
func (s *Stores) TokenByHash(_ context.Context, hash []byte) (core.APIToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if t.hash == string(hash) && t.RevokedAt == nil {
			return t.APIToken, nil
		}
	}
	return core.APIToken{}, core.Errorf(core.NotFound, "token not found")
}

// Tokens returns every token in ID order.
func (s *Stores) Tokens(_ context.Context) ([]core.APIToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]core.APIToken, 0, len(s.tokens))
	for _, t := range s.tokens {
		out = append(out, t.APIToken)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// RevokeToken revokes the live token named name.
func (s *Stores) RevokeToken(_ context.Context, name string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.tokens {
		if t.Name == name && t.RevokedAt == nil {
			at := at.UTC()
			t.RevokedAt = &at
			s.tokens[id] = t
			return nil
		}
	}
	return core.Errorf(core.NotFound, "no live token named %q", name)
}

// TouchToken records the token's last use.
func (s *Stores) TouchToken(_ context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[id]; ok {
		at := at.UTC()
		t.LastUsedAt = &at
		s.tokens[id] = t
	}
	return nil
}

// CreateSession stores a console session.
func (s *Stores) CreateSession(_ context.Context, hash []byte, tokenID int64, _, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[string(hash)]; ok {
		return core.Errorf(core.Conflict, "session already exists")
	}
	s.sessions[string(hash)] = session{tokenID: tokenID, expires: expires}
	return nil
}

// SessionToken returns the live token of a live session.
func (s *Stores) SessionToken(_ context.Context, hash []byte, now time.Time) (core.APIToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.sessions[string(hash)]
	t, live := s.tokens[se.tokenID]
	if !ok || !now.Before(se.expires) || !live || t.RevokedAt != nil {
		return core.APIToken{}, core.Errorf(core.NotFound, "session not found")
	}
	return t.APIToken, nil
}

// DeleteSession ends one session.
func (s *Stores) DeleteSession(_ context.Context, hash []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, string(hash))
	return nil
}

// DeleteExpiredSessions forgets the sessions that ended before now.
func (s *Stores) DeleteExpiredSessions(_ context.Context, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, se := range s.sessions {
		if !now.Before(se.expires) {
			delete(s.sessions, h)
		}
	}
	return nil
}

// matches reports whether t's company name, subdomain or email contains
// search, ignoring case.
func matches(t core.Tenant, search string) bool {
	search = strings.ToLower(search)
	for _, v := range []string{t.CompanyName, t.Subdomain, t.Email} {
		if strings.Contains(strings.ToLower(v), search) {
			return true
		}
	}
	return false
}

// sortTenants orders tenants as the database stores do: by one field of
// core.TenantSorts, then by id in the same direction; newest first by default.
func sortTenants(all []core.Tenant, by string) {
	field, desc := strings.TrimPrefix(by, "-"), strings.HasPrefix(by, "-")
	if field == "" {
		field, desc = "id", true
	}
	key := func(t core.Tenant) string {
		switch field {
		case "company_name":
			return strings.ToLower(t.CompanyName)
		case "subdomain":
			return t.Subdomain
		case "email":
			return strings.ToLower(t.Email)
		case "status":
			return string(t.Status)
		case "plan_id":
			return fmt.Sprintf("%020d", t.PlanID)
		case "created_at":
			return t.CreatedAt.UTC().Format(time.RFC3339Nano)
		}
		return ""
	}
	slices.SortStableFunc(all, func(a, b core.Tenant) int {
		c := strings.Compare(key(a), key(b))
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if desc {
			c = -c
		}
		return c
	})
}
