// Package cache decorates control-database ports with a per-replica cache
// of what every request reads (a superadmin token by its hash, a tenant by
// its subdomain with its status and plan limits, a plan by id), so that a
// request pays no round trip for them; and the tenant-side ports likewise
// for a tenant user's login session, so that a tenant request pays one
// round trip (its own) rather than two. Writes through the decorators drop
// the cache here at once and tell the other replicas through a
// ports.Invalidator (Redis pub/sub); entries also expire, after a short TTL
// where no invalidator is live (no Redis, or Redis down), which bounds how
// long another replica can serve a revoked token or a suspended tenant.
package cache

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/ports"
)

// Topics of invalidation.
const (
	// Tokens: superadmin API tokens.
	Tokens = "tokens"
	// Tenants: tenants and plans together, since a tenant carries its
	// plan's limits.
	Tenants = "tenants"
	// Sessions: tenant users' login sessions, of every tenant;
	// SessionsOf(id) is one tenant's.
	Sessions = "sessions"
)

// SessionsOf is the topic of the login sessions of tenant id and of the
// users they stand for.
func SessionsOf(id int64) string { return Sessions + ":" + strconv.FormatInt(id, 10) }

// sessionTables are the kernel's tenant tables a session's answer is read
// from (ports.SessionReader): any write to them drops the tenant's
// sessions, on every replica.
var sessionTables = map[string]bool{"users": true, "sessions": true}

// maxEntries bounds each map; past it the map starts over, which costs a
// round trip per entry rather than memory without bound.
const maxEntries = 50_000

// Config says how long entries live.
type Config struct {
	// TTL bounds an entry while the invalidator is live: other replicas'
	// writes reach this one through it, so the TTL only covers what it
	// might have missed.
	TTL time.Duration
	// ShortTTL bounds an entry otherwise; it is how stale a replica may be
	// (at most 1s).
	ShortTTL time.Duration
}

// Cache holds what the decorators cache, for one replica.
type Cache struct {
	cfg    Config
	bus    ports.Invalidator // nil: nobody else to tell
	live   func() bool       // whether other replicas' invalidations reach us; nil: never
	logger *zap.Logger

	mu      sync.Mutex
	gen     map[string]uint64 // per topic, bumped by each drop
	tokens  map[string]entry[core.APIToken]
	tenants map[string]entry[core.Tenant] // by subdomain
	byID    map[int64]entry[core.Tenant]
	plans   map[int64]entry[core.Plan]
	// sessions is by tenant id, then session token hash; nSessions counts
	// them all, for maxEntries.
	sessions  map[int64]map[string]session
	nSessions int
}

// session is a cached login session: its user, until the entry's TTL and
// never past the session's own end.
type session struct {
	u       core.User
	expires time.Time // the session's end, by the clock of its callers
	until   time.Time // the entry's, by this machine's clock
}

type entry[V any] struct {
	v     V
	until time.Time
}

// New returns an empty cache. bus may be nil (a single replica, or every
// replica relying on ShortTTL); live says whether invalidations from other
// replicas currently arrive (nil: never).
func New(cfg Config, bus ports.Invalidator, live func() bool, logger *zap.Logger) *Cache {
	if cfg.ShortTTL <= 0 || cfg.ShortTTL > time.Second {
		cfg.ShortTTL = time.Second
	}
	if cfg.TTL < cfg.ShortTTL {
		cfg.TTL = cfg.ShortTTL
	}
	return &Cache{cfg: cfg, bus: bus, live: live, logger: logger, gen: map[string]uint64{},
		tokens: map[string]entry[core.APIToken]{}, tenants: map[string]entry[core.Tenant]{}, byID: map[int64]entry[core.Tenant]{}, plans: map[int64]entry[core.Plan]{},
		sessions: map[int64]map[string]session{}}
}

func (c *Cache) ttl() time.Duration {
	if c.live != nil && c.live() {
		return c.cfg.TTL
	}
	return c.cfg.ShortTTL
}

// Drop forgets everything cached under topic ("" for every topic). It is
// what an invalidation from another replica calls.
func (c *Cache) Drop(topic string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// A tenant changed (moved to another database, restored, deleted)
	// may answer sessions from elsewhere: they are read afresh too. Tenant
	// writes are rare next to reads, so this costs little.
	if topic == "" || topic == Sessions || topic == Tenants {
		c.gen[Sessions]++
		clear(c.sessions)
		c.nSessions = 0
	} else if id, ok := strings.CutPrefix(topic, Sessions+":"); ok {
		// One generation for every tenant's sessions: a drop of one
		// tenant's keeps any tenant's load in flight from being cached,
		// which costs a round trip, never a stale answer.
		c.gen[Sessions]++
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			c.nSessions -= len(c.sessions[n])
			delete(c.sessions, n)
		} else {
			clear(c.sessions)
			c.nSessions = 0
		}
	}
	if topic == "" || topic == Tokens {
		c.gen[Tokens]++
		clear(c.tokens)
	}
	if topic == "" || topic == Tenants {
		c.gen[Tenants]++
		clear(c.tenants)
		clear(c.byID)
		clear(c.plans)
	}
}

// invalidate drops topic here and tells the other replicas. Failing to
// tell them is logged, not returned: the write happened, and their short
// TTL takes over once they notice the invalidator is gone.
func (c *Cache) invalidate(ctx context.Context, topic string) {
	c.Drop(topic)
	if c.bus == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := c.bus.Invalidate(ctx, topic); err != nil {
		c.logger.Warn("cache invalidation not sent to other replicas", zap.String("topic", topic), zap.Error(err))
	}
}

// get answers k from m or loads it. Errors are not cached (so unknown
// tokens cannot fill the cache), nor is a value loaded while a drop of
// its topic happened, which could be older than the drop.
func get[K comparable, V any](c *Cache, m map[K]entry[V], topic string, k K, load func() (V, error)) (V, error) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := m[k]; ok && now.Before(e.until) {
		c.mu.Unlock()
		return e.v, nil
	}
	gen := c.gen[topic]
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen[topic] == gen {
		if len(m) >= maxEntries {
			clear(m)
		}
		m[k] = entry[V]{v: v, until: now.Add(c.ttl())}
	}
	c.mu.Unlock()
	return v, nil
}

// Tokens decorates a token store: TokenByHash is cached, revocation
// invalidates.
func (c *Cache) Tokens(next ports.TokenStore) ports.TokenStore { return tokens{next, c} }

type tokens struct {
	ports.TokenStore
	c *Cache
}

func (s tokens) TokenByHash(ctx context.Context, hash []byte) (core.APIToken, error) {
	return get(s.c, s.c.tokens, Tokens, string(hash), func() (core.APIToken, error) { return s.TokenStore.TokenByHash(ctx, hash) })
}

func (s tokens) RevokeToken(ctx context.Context, name string, at time.Time) error {
	err := s.TokenStore.RevokeToken(ctx, name, at)
	if err == nil {
		s.c.invalidate(ctx, Tokens)
	}
	return err
}

// Tenants decorates a tenant store: a tenant by subdomain (tenant
// resolution) and by id (the superadmin API) is cached, every write
// invalidates. Lists are not cached, and UpdateTenant reads the row afresh
// in its transaction, so no decision is taken on a cached copy.
func (c *Cache) Tenants(next ports.TenantStore) ports.TenantStore { return tenants{next, c} }

type tenants struct {
	ports.TenantStore
	c *Cache
}

func (s tenants) TenantBySubdomain(ctx context.Context, subdomain string) (core.Tenant, error) {
	t, err := get(s.c, s.c.tenants, Tenants, subdomain, func() (core.Tenant, error) { return s.TenantStore.TenantBySubdomain(ctx, subdomain) })
	t.Limits = maps.Clone(t.Limits) // callers own what they get
	return t, err
}

func (s tenants) Tenant(ctx context.Context, id int64) (core.Tenant, error) {
	t, err := get(s.c, s.c.byID, Tenants, id, func() (core.Tenant, error) { return s.TenantStore.Tenant(ctx, id) })
	t.Limits = maps.Clone(t.Limits)
	return t, err
}

func (s tenants) CreateTenant(ctx context.Context, t *core.Tenant) error {
	err := s.TenantStore.CreateTenant(ctx, t)
	if err == nil {
		s.c.invalidate(ctx, Tenants)
	}
	return err
}

// WarmPool decorates the warm pool: a claim inserts a tenant, which
// invalidates tenants as CreateTenant does.
func (c *Cache) WarmPool(next ports.WarmPool) ports.WarmPool { return warmPool{next, c} }

type warmPool struct {
	ports.WarmPool
	c *Cache
}

func (p warmPool) CreateClaiming(ctx context.Context, t *core.Tenant, version int64) (core.WarmDatabase, error) {
	w, err := p.WarmPool.CreateClaiming(ctx, t, version)
	if err == nil {
		p.c.invalidate(ctx, Tenants)
	}
	return w, err
}

func (s tenants) UpdateTenant(ctx context.Context, id int64, fn func(*core.Tenant) error) (core.Tenant, error) {
	t, err := s.TenantStore.UpdateTenant(ctx, id, fn)
	if err == nil {
		s.c.invalidate(ctx, Tenants)
	}
	return t, err
}

// SetSchemaVersion passes many tenants' schema version on to the store
// (one at a time when it cannot take them at once), then invalidates once.
func (s tenants) SetSchemaVersion(ctx context.Context, ids []int64, version int64) error {
	var err error
	if sv, ok := s.TenantStore.(ports.SchemaVersions); ok {
		err = sv.SetSchemaVersion(ctx, ids, version)
	} else {
		for _, id := range ids {
			if _, err = s.TenantStore.UpdateTenant(ctx, id, func(t *core.Tenant) error {
				t.SchemaVersion, t.MigrationError = version, ""
				return nil
			}); err != nil {
				break
			}
		}
	}
	s.c.invalidate(ctx, Tenants)
	return err
}

func (s tenants) DeleteTenant(ctx context.Context, id int64) error {
	err := s.TenantStore.DeleteTenant(ctx, id)
	if err == nil {
		s.c.invalidate(ctx, Tenants)
	}
	return err
}

// Plans decorates a plan store: Plan by id (the quota check's limits) is
// cached, every write invalidates plans and tenants.
func (c *Cache) Plans(next ports.PlanStore) ports.PlanStore { return plans{next, c} }

type plans struct {
	ports.PlanStore
	c *Cache
}

func (s plans) Plan(ctx context.Context, id int64) (core.Plan, error) {
	p, err := get(s.c, s.c.plans, Tenants, id, func() (core.Plan, error) { return s.PlanStore.Plan(ctx, id) })
	p.Limits = maps.Clone(p.Limits)
	return p, err
}

func (s plans) CreatePlan(ctx context.Context, p *core.Plan) error {
	err := s.PlanStore.CreatePlan(ctx, p)
	if err == nil {
		s.c.invalidate(ctx, Tenants)
	}
	return err
}

func (s plans) UpdatePlan(ctx context.Context, id int64, fn func(*core.Plan) error) (core.Plan, error) {
	p, err := s.PlanStore.UpdatePlan(ctx, id, fn)
	if err == nil {
		s.c.invalidate(ctx, Tenants)
	}
	return p, err
}

func (s plans) DeletePlan(ctx context.Context, id int64) error {
	err := s.PlanStore.DeletePlan(ctx, id)
	if err == nil {
		s.c.invalidate(ctx, Tenants)
	}
	return err
}

// Billing decorates a billing store: a transaction that saved a tenant
// (status, plan, dates) invalidates tenants once it commits.
func (c *Cache) Billing(next ports.BillingStore) ports.BillingStore { return billingStore{next, c} }

type billingStore struct {
	ports.BillingStore
	c *Cache
}

type billingTx struct {
	ports.BillingTx
	saved bool
}

func (tx *billingTx) SaveTenant(t core.Tenant) error {
	tx.saved = true
	return tx.BillingTx.SaveTenant(t)
}

func (s billingStore) InTx(ctx context.Context, fn func(ports.BillingTx) error) error {
	var w *billingTx
	err := s.BillingStore.InTx(ctx, func(tx ports.BillingTx) error {
		w = &billingTx{BillingTx: tx}
		return fn(w)
	})
	if err == nil && w != nil && w.saved {
		s.c.invalidate(ctx, Tenants)
	}
	return err
}

// Users decorates a tenant user store: the user of a session
// (UserBySession, what every tenant request with a session token asks) is
// cached when next can say when the session ends (ports.SessionReader);
// ending a session and creating a user invalidate the tenant's sessions,
// whatever their outcome, like Records. A new session needs no
// invalidation: unknown sessions are never cached.
func (c *Cache) Users(next ports.UserStore) ports.UserStore {
	r, _ := next.(ports.SessionReader)
	return users{next, r, c}
}

type users struct {
	ports.UserStore
	read ports.SessionReader // nil: sessions are not cached
	c    *Cache
}

func (s users) UserBySession(ctx context.Context, t core.Tenant, hash []byte, now time.Time) (core.User, error) {
	if s.read == nil {
		return s.UserStore.UserBySession(ctx, t, hash, now)
	}
	c := s.c
	at := time.Now()
	c.mu.Lock()
	if e, ok := c.sessions[t.ID][string(hash)]; ok && at.Before(e.until) && now.Before(e.expires) {
		c.mu.Unlock()
		return e.u, nil
	}
	gen := c.gen[Sessions]
	c.mu.Unlock()
	u, expires, err := s.read.Session(ctx, t, hash)
	if err != nil {
		return core.User{}, err
	}
	if !now.Before(expires) {
		return core.User{}, core.Errorf(core.NotFound, "session expired")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen[Sessions] != gen {
		return u, nil // loaded while a drop happened: maybe older than the drop
	}
	if c.nSessions >= maxEntries {
		clear(c.sessions)
		c.nSessions = 0
	}
	m := c.sessions[t.ID]
	if m == nil {
		m = map[string]session{}
		c.sessions[t.ID] = m
	}
	if _, had := m[string(hash)]; !had {
		c.nSessions++
	}
	m[string(hash)] = session{u: u, expires: expires, until: at.Add(c.ttl())}
	return u, nil
}

func (s users) DeleteSession(ctx context.Context, t core.Tenant, hash []byte) error {
	err := s.UserStore.DeleteSession(ctx, t, hash)
	s.c.invalidate(ctx, SessionsOf(t.ID))
	return err
}

func (s users) CreateUser(ctx context.Context, t core.Tenant, u *core.User, passwordHash string) error {
	err := s.UserStore.CreateUser(ctx, t, u, passwordHash)
	s.c.invalidate(ctx, SessionsOf(t.ID))
	return err
}

// Records decorates a tenant record store: any write to the tables a
// session is read from (a user renamed, promoted or deleted, a password
// changed, which ends sessions) invalidates the tenant's sessions. So does
// one that failed: a lost connection at commit may still have committed.
// Records themselves are not cached.
func (c *Cache) Records(next ports.RecordStore) ports.RecordStore { return records{next, c} }

type records struct {
	ports.RecordStore
	c *Cache
}

// wrote invalidates t's sessions after a write to table.
func (s records) wrote(ctx context.Context, t core.Tenant, table string) {
	if sessionTables[table] {
		s.c.invalidate(ctx, SessionsOf(t.ID))
	}
}

func (s records) Create(ctx context.Context, t core.Tenant, sc *core.Schema, recs []core.Record, q quota.Quota) ([]core.Record, error) {
	out, err := s.RecordStore.Create(ctx, t, sc, recs, q)
	s.wrote(ctx, t, sc.Table)
	return out, err
}

func (s records) Update(ctx context.Context, t core.Tenant, sc *core.Schema, id int64, r core.Record) (core.Record, error) {
	out, err := s.RecordStore.Update(ctx, t, sc, id, r)
	s.wrote(ctx, t, sc.Table)
	return out, err
}

func (s records) Delete(ctx context.Context, t core.Tenant, sc *core.Schema, id int64) error {
	err := s.RecordStore.Delete(ctx, t, sc, id)
	s.wrote(ctx, t, sc.Table)
	return err
}
