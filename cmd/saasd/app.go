package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/saasd/saasd/adapters/aesgcm"
	"github.com/saasd/saasd/adapters/bcrypt"
	"github.com/saasd/saasd/adapters/cache"
	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/console"
	"github.com/saasd/saasd/adapters/ginhttp"
	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/adapters/manualpay"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/adapters/mysql"
	"github.com/saasd/saasd/adapters/otel"
	"github.com/saasd/saasd/adapters/prometheus"
	"github.com/saasd/saasd/adapters/redis"
	"github.com/saasd/saasd/adapters/sqlite"
	"github.com/saasd/saasd/adapters/webhookhttp"
	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/account"
	"github.com/saasd/saasd/core/audit"
	"github.com/saasd/saasd/core/auth"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/core/egress"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/stats"
	"github.com/saasd/saasd/core/subscription"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/core/webhook"
	"github.com/saasd/saasd/modules/apikeys"
	"github.com/saasd/saasd/modules/batch"
	"github.com/saasd/saasd/modules/companies"
	"github.com/saasd/saasd/modules/contacts"
	"github.com/saasd/saasd/modules/contracts"
	"github.com/saasd/saasd/modules/customers"
	"github.com/saasd/saasd/modules/deals"
	"github.com/saasd/saasd/modules/invoices"
	"github.com/saasd/saasd/modules/leads"
	"github.com/saasd/saasd/modules/lookups"
	"github.com/saasd/saasd/modules/products"
	"github.com/saasd/saasd/modules/profile"
	"github.com/saasd/saasd/modules/projects"
	"github.com/saasd/saasd/modules/quotes"
	"github.com/saasd/saasd/modules/reports"
	"github.com/saasd/saasd/modules/services"
	"github.com/saasd/saasd/modules/tasks"
	"github.com/saasd/saasd/modules/tickets"
	"github.com/saasd/saasd/modules/transactions"
	"github.com/saasd/saasd/modules/users"
	"github.com/saasd/saasd/modules/webhooks"
	"github.com/saasd/saasd/ports"
)

// app is everything built from one configuration.
type app struct {
	cfg      config.Config
	logger   *zap.Logger
	db       *gormstore.DB
	auth     *auth.Service
	tenants  *tenant.Service
	billing  *subscription.Service
	worker   *subscription.Worker
	webhooks *webhook.Service
	// billingStore is the billing worker's store, for tests that race a second worker.
	billingStore *gormstore.BillingStore
	account      *account.Service
	kernel       *kernel.Kernel
	records      ports.RecordStore
	prefix       string            // what tenant databases and logins are named with
	tenantDB     ports.Provisioner // the control database's server's
	mysqlDBs     *mysql.Tenants    // nil on SQLite
	steps        *gormstore.StepLog
	sealer       ports.Sealer
	idem         *gormstore.IdempotencyStore
	audit        *audit.Service
	server       *ginhttp.Server
	// redis is shared by the replicas (limits, cache invalidation); nil
	// without ratelimit.redis_url.
	redis   *redis.Client
	cache   *cache.Cache
	metrics *prometheus.Metrics // nil without metrics.addr
	tracing *otel.Tracing       // nil without tracing.endpoint
	closers []func() error
}

// legacyPrefix is what tenant databases were named with before each
// installation had a prefix of its own; installations that have tenants
// from then keep it, so an upgrade renames nothing.
const legacyPrefix = "tenant_"

// idempotencyTTL is how long an Idempotency-Key and its answer are kept.
const idempotencyTTL = 24 * time.Hour

// tenantData is what the tenant-database adapter stores in each tenant's
// own database.
type tenantData interface {
	ports.RecordStore
	ports.UserStore
	ports.UsageCounter
	ports.UsageRecounter
	ports.Exporter
	ports.APIKeyStore
	ports.RecordTotals
}

// registerModules is the one list of tenant-side modules. Adding a feature
// is a folder under modules/ and a line here.
func registerModules(k *kernel.Kernel, store ports.RecordStore, hasher ports.PasswordHasher) {
	cust := customers.New(store)
	k.Register(cust)
	k.Register(invoices.New(store))
	k.Register(quotes.New(store))
	k.Register(projects.New(store))
	k.Register(tasks.New(store))
	k.Register(contracts.New(store))
	k.Register(users.New(store, hasher))
	k.Register(leads.New(store))
	k.Register(contacts.New(store))
	k.Register(deals.New(store))
	k.Register(products.New(store))
	k.Register(tickets.New(store))
	k.Register(transactions.New(store))
	k.Register(batch.New(cust.Endpoints()))
	// Seed 003 (the FinCRM API under /api/v1): its lookup lists, companies,
	// services and profile; leads, contacts, deals and products above
	// serve their v1 views too.
	k.Register(lookups.New(store))
	k.Register(companies.New(store))
	k.Register(services.New(store))
	k.Register(profile.New())
}

// registerServiceModules adds the modules that serve the kernel's own
// services rather than tables of their own: reports over the other
// modules' tables, API keys (core/account) and tenant webhooks
// (core/webhook). They count no resource and bring no migrations, so they
// are registered once those services exist, which need the catalog of
// the modules above.
func registerServiceModules(k *kernel.Kernel, totals ports.RecordTotals, keys apikeys.Keys, hooks webhooks.Hooks) {
	k.Register(reports.New(totals, reports.Sources{Transactions: transactions.Schema, Invoices: invoices.Schema}))
	k.Register(apikeys.New(keys))
	k.Register(webhooks.New(hooks))
}

// appOptions are what tests add to an app: modules of their own, tenant
// service options such as fault hooks.
type appOptions struct {
	modules []func(ports.RecordStore) kernel.Module // built on the app's record store
	tenant  []tenant.Option
	clock   ports.Clock
	gateway ports.Gateway
	// redisPrefix starts every Redis key and channel; tests give each
	// test its own.
	redisPrefix string
	// moveSettle is how long a move waits for every replica to see it
	// (tests shorten it).
	moveSettle time.Duration
}

// appOption changes appOptions.
type appOption func(*appOptions)

// openApp opens the control database, applies its migrations and builds the
// services and the HTTP edge on top of it.
func openApp(ctx context.Context, cfg config.Config, logger *zap.Logger, opts ...appOption) (*app, error) {
	o := appOptions{clock: clock.System{}, gateway: manualpay.Gateway{}, redisPrefix: "saasd:", moveSettle: 2 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	a := &app{cfg: cfg, logger: logger}
	if err := a.open(ctx, o); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) open(ctx context.Context, o appOptions) error {
	cfg, logger, clk := a.cfg, a.logger, o.clock
	// With tracing on, every database pool is opened through it, so that
	// the statements of GORM and of the tenant stores alike are spans;
	// off, nothing of it exists: plain sql.Open, no tracer provider.
	var open func(driverName, dsn string, tenantID int64) (*sql.DB, error)
	var provider trace.TracerProvider
	if cfg.Tracing.Endpoint != "" {
		tr, err := otel.New(otel.Config{Endpoint: cfg.Tracing.Endpoint, ServiceName: cfg.Tracing.ServiceName, SampleRatio: cfg.Tracing.SampleRatio}, logger)
		if err != nil {
			return fmt.Errorf("config tracing.endpoint: %w", err)
		}
		// First in, last closed: spans of the shutdown are sent too.
		a.tracing, a.closers = tr, append(a.closers, tr.Close)
		open, provider = tr.OpenSQL, tr.Provider()
		o.tenant = append([]tenant.Option{tenant.WithTracer(tr)}, o.tenant...)
	}
	var dialector gorm.Dialector
	var err error
	switch cfg.Database.Driver {
	case gormstore.MySQL:
		dialector, err = mysql.Control(ctx, cfg.Database.DSN, open, logger)
	default:
		dialector, err = sqlite.Control(cfg.Database.DSN, open)
	}
	if err != nil {
		return err
	}
	db, err := gormstore.Open(ctx, gormstore.Config{
		Dialect: cfg.Database.Driver, Dialector: dialector,
		MaxOpenConns: cfg.Database.MaxOpenConns, MaxIdleConns: cfg.Database.MaxIdleConns,
	}, logger)
	if err != nil {
		return err
	}
	a.db, a.closers = db, append(a.closers, db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := a.openShared(o.redisPrefix); err != nil {
		return err
	}
	// What every request reads is cached per replica; writes through these
	// decorators invalidate it on every replica.
	rawTenants := gormstore.NewTenantStore(db)
	tenants, plans, outbox := a.cache.Tenants(rawTenants), a.cache.Plans(gormstore.NewPlanStore(db)), gormstore.NewOutbox(db)
	inst, err := db.Installation(ctx, legacyPrefix)
	if err != nil {
		return err
	}
	// A configured prefix wins (and may be shared, so names prove nothing);
	// otherwise the installation's own, fixed when it was made.
	prefix, ownPrefix := cfg.Tenants.DBPrefix, ""
	if prefix == "" {
		prefix = inst.TenantPrefix
		if prefix != legacyPrefix {
			ownPrefix = prefix
		}
	}
	a.prefix = prefix
	// The key ring seals what the control database must not hold in
	// clear: stored idempotent answers, and tenant logins on MySQL.
	if a.sealer, err = secretKeys(cfg, logger); err != nil {
		return err
	}

	// Tenant databases: the adapter's record store first (modules persist
	// through it), then the provisioner, which needs every module's tables.
	var mysqlDBs *mysql.Tenants
	var sqliteDBs *sqlite.Tenants
	switch cfg.Database.Driver {
	case gormstore.MySQL:
		mc := mysql.Config{DSN: cfg.Database.DSN, Prefix: prefix, Installation: inst.ID, Open: open,
			MaxOpenConns: cfg.Database.MaxOpenConns, MaxIdleConns: cfg.Database.MaxIdleConns}
		for _, srv := range cfg.Database.Servers {
			mc.Servers = append(mc.Servers, mysql.Server{Name: srv.Name, DSN: srv.DSN})
		}
		if cfg.Tenants.DBUsers {
			// Tenant traffic runs under each tenant's own login.
			mc.Logins, mc.MaxTenantConns, mc.TenantPoolSize = a.sealer, cfg.Database.MaxTenantConns, cfg.Database.TenantPoolSize
			mc.Roles = cfg.Tenants.DBRoles
		}
		mysqlDBs, err = mysql.NewTenants(mc, db.SQL())
		a.mysqlDBs = mysqlDBs
		if err == nil {
			a.closers = append(a.closers, mysqlDBs.Close)
			a.records = mysqlDBs.Records()
		}
	default:
		sqliteDBs, err = sqlite.NewTenants(sqlite.Config{Dir: cfg.Tenants.DataDir, Prefix: prefix, Installation: inst.ID, Open: open})
		if err == nil {
			a.closers = append(a.closers, sqliteDBs.Close)
			a.records = sqliteDBs.Records()
		}
	}
	if err != nil {
		return err
	}
	// Writes to the users and sessions tables, through modules too, drop
	// the tenant's cached sessions on every replica.
	a.records = a.cache.Records(a.records)
	hasher := bcrypt.Hasher{}
	a.kernel = kernel.New(kernel.Deps{Plans: plans, Outbox: outbox, Clock: clk, Report: func(ctx context.Context, err error) {
		logger.Error("tenant request", zap.Error(err))
	}})
	registerModules(a.kernel, a.records, hasher)
	for _, m := range o.modules {
		a.kernel.Register(m(a.records))
	}
	catalog, tables := a.kernel.Resources(), a.kernel.Tables()
	var data tenantData
	switch {
	case mysqlDBs != nil:
		data = mysqlDBs.Data(tables)
		a.tenantDB, err = mysql.NewProvisioner(mysqlDBs, a.kernel.Schemas(), tables, logger)
	default:
		data = sqliteDBs.Data(tables)
		a.tenantDB, err = sqlite.NewProvisioner(sqliteDBs, a.kernel.Schemas(), tables, logger)
	}
	if err != nil {
		return err
	}
	// A tenant request's session is cached per replica, so that it pays
	// one round trip to the tenant's database (its own) rather than two.
	accounts := a.cache.Users(data)
	a.steps = gormstore.NewStepLog(db)
	provisioner, steps := a.tenantDB, ports.ProvisioningLog(a.steps)
	if cfg.Metrics.Addr != "" {
		a.metrics = prometheus.New(logger)
		provisioner, steps = a.metrics.Provisioner(provisioner), a.metrics.ProvisioningLog(steps)
		a.metrics.Pool("control", db.SQL())
		a.metrics.Tenants(rawTenants.CountByStatus)
		if mysqlDBs != nil {
			a.metrics.Conns("tenant_logins", mysqlDBs.TenantConns)
		}
	}
	if mysqlDBs != nil {
		if !cfg.Tenants.DBUsers {
			logger.Warn("per-tenant database logins are off (tenants.db_users=false): tenant schemas are reached with the control login only")
		} else {
			o.tenant = append([]tenant.Option{tenant.WithDatabaseUsers(a.tenantDB.(ports.DatabaseUsers), a.sealer)}, o.tenant...)
		}
	}
	servers, err := a.tenantServers(ctx, provisioner)
	if err != nil {
		return err
	}
	o.tenant = append([]tenant.Option{tenant.WithServers(rawTenants, servers...)}, o.tenant...)
	if mysqlDBs != nil {
		// A moving tenant is read-only once every replica has dropped its
		// cached row: cached rows live under a second when not invalidated.
		o.tenant = append([]tenant.Option{tenant.WithMoves(mysqlDBs, o.moveSettle)}, o.tenant...)
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s/%d", host, os.Getpid())
	terms := billing.Terms{GraceDays: cfg.Billing.GraceDays, SuspendDays: cfg.Billing.SuspendDays}
	a.billingStore = gormstore.NewBillingStore(db)
	warmPool := gormstore.NewWarmPool(db)
	billingStore := a.cache.Billing(a.billingStore)
	a.billing = subscription.New(plans, tenants, billingStore, catalog, clk, terms)
	a.auth = auth.New(a.cache.Tokens(gormstore.NewTokenStore(db)), clk, auth.WithSessions(gormstore.NewSessionStore(db), cfg.Console.SessionTTL))
	a.tenants = tenant.New(tenants, plans, provisioner, data, catalog, clk, cfg.Tenants.BaseDomain, append([]tenant.Option{
		tenant.WithAdmin(accounts, hasher), tenant.WithRecounter(data), tenant.WithProvisioningLog(steps),
		tenant.WithRetention(cfg.Tenants.DeleteRetention), tenant.WithExporter(data), tenant.WithPlanChanges(a.billing),
		tenant.WithInstallation(inst.ID, ownPrefix), tenant.WithLeases(a.billingStore, holder),
		tenant.WithWarmPool(a.cache.WarmPool(warmPool), cfg.Tenants.WarmPool),
	}, o.tenant...)...)
	if a.metrics != nil {
		a.metrics.WarmDatabases(warmCounts(warmPool))
	}
	if err := a.tenants.CheckServers(ctx); err != nil {
		return err
	}
	a.worker = subscription.NewWorker(billingStore, o.gateway, clk, terms, holder)
	allowed, err := egress.ParseCIDRs(cfg.Webhooks.AllowedCIDRs)
	if err != nil {
		return fmt.Errorf("config webhooks.allowed_cidrs: %w", err)
	}
	policy := egress.New(allowed)
	hooks := gormstore.NewWebhookStore(db, a.sealer)
	if n, err := hooks.SealSecrets(ctx); err != nil {
		return fmt.Errorf("seal webhook secrets: %w", err)
	} else if n > 0 {
		logger.Info("webhook secrets sealed", zap.Int("count", n))
	}
	a.webhooks = webhook.New(hooks, webhookhttp.New(cfg.Webhooks.Timeout, policy), clk, holder,
		webhook.WithPolicy(policy), webhook.WithRunBudget(cfg.Webhooks.Timeout))
	if a.account, err = account.New(account.Config{DefaultPlanID: cfg.Signup.DefaultPlanID, SessionTTL: cfg.Tenants.SessionTTL},
		a.tenants, tenants, plans, accounts, data, hasher, clk); err != nil {
		return err
	}
	registerServiceModules(a.kernel, data, a.account, webhook.NewTenants(hooks, clk, a.kernel.Events(), policy))
	var limiter ports.RateLimiter = memory.NewRateLimiter(clk)
	var checks []ginhttp.ReadyCheck
	var observer ports.EdgeObserver
	if a.metrics != nil {
		observer = a.metrics
	}
	if a.redis != nil {
		limiter = a.redis
		ch := ginhttp.ReadyCheck{Name: "redis", Check: a.redis.Ping}
		if a.redis.FailOpen() {
			ch.Degraded = "rate limits are not enforced (ratelimit.redis_fail=open) and caches expire within 1s"
		}
		checks = append(checks, ch)
	}
	// A claim outlives no request: after the request timeout (or the TTL
	// without one) a key whose request died is free for the retry.
	if a.idem, err = gormstore.NewIdempotencyStore(db, gormstore.IdempotencyConfig{
		TTL: idempotencyTTL, ClaimTimeout: cfg.HTTP.RequestTimeout, Sealer: a.sealer,
	}); err != nil {
		return err
	}
	a.audit = audit.New(gormstore.NewAuditStore(db))
	var busy func(error) bool
	if cfg.Database.Driver == gormstore.MySQL {
		busy = mysql.Busy
	}
	a.server = ginhttp.New(ginhttp.Config{
		Addr:              cfg.HTTP.Addr,
		RequestsPerMinute: cfg.RateLimit.RequestsPerMinute,
		RequestTimeout:    cfg.HTTP.RequestTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		BaseDomain:        cfg.Tenants.BaseDomain,

		TenantRequestsPerHour: cfg.RateLimit.TenantRequestsPerHour,
		SignupsPerHour:        cfg.RateLimit.SignupsPerHour,
		LoginsPerMinute:       cfg.RateLimit.LoginsPerMinute,
		TrustedProxies:        cfg.HTTP.TrustedProxies,
	}, ginhttp.Deps{
		Tenants: a.tenants, Billing: a.billing, Auth: a.auth, Accounts: a.account, Kernel: a.kernel,
		Limiter: limiter, Checks: checks, Observer: observer, Tracing: provider, Ready: db.Ping, Logger: logger,
		Idem: a.idem, Webhooks: a.webhooks, Audit: a.audit,
		Console: console.Handler(), Stats: stats.New(gormstore.NewStatsReader(db), plans, clk, cfg.Billing.GraceDays),
		Busy: busy,
	})
	return nil
}

// tenantServers are the database servers tenants are placed on, each with
// its provisioner (def, the control database's server's, already built):
// database.servers in their order, and the control database's server as
// "default" (without a limit when no servers are configured; draining,
// serving the tenants it has, when they are and it is not listed).
func (a *app) tenantServers(ctx context.Context, def ports.Provisioner) ([]tenant.Server, error) {
	users := func(p ports.Provisioner) ports.DatabaseUsers {
		if u, ok := p.(ports.DatabaseUsers); ok && a.cfg.Tenants.DBUsers {
			return u
		}
		return nil
	}
	warm := func(p ports.Provisioner) ports.WarmDatabases {
		w, _ := p.(ports.WarmDatabases)
		return w
	}
	control := tenant.Server{Server: core.Server{Name: core.DefaultServer, State: core.ServerActive}, Provisioner: def,
		Users: users(a.tenantDB), Warm: warm(a.tenantDB)}
	if len(a.cfg.Database.Servers) == 0 {
		return []tenant.Server{control}, nil
	}
	warnings, err := a.mysqlDBs.Check(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		a.logger.Warn("database server check", zap.String("problem", w))
	}
	var out []tenant.Server
	listed := false
	for _, c := range a.cfg.Database.Servers {
		state := c.State
		if state == "" {
			state = core.ServerActive
		}
		srv := tenant.Server{Server: core.Server{Name: c.Name, Capacity: c.Capacity, State: state}}
		if c.Name == core.DefaultServer {
			srv.Provisioner, srv.Users, srv.Warm, listed = def, control.Users, control.Warm, true
		} else {
			p, err := a.tenantDB.(*mysql.Provisioner).On(c.Name)
			if err != nil {
				return nil, err
			}
			srv.Provisioner, srv.Users, srv.Warm = ports.Provisioner(p), users(p), warm(p)
			if a.metrics != nil {
				srv.Provisioner = a.metrics.Provisioner(p)
			}
		}
		out = append(out, srv)
	}
	if !listed {
		control.State = core.ServerDraining
		out = append(out, control)
	}
	if a.metrics != nil {
		for name, pool := range a.mysqlDBs.Pools() {
			a.metrics.Pool("server_"+name, pool)
		}
	}
	return out, nil
}

// openShared connects to what the replicas share (Redis, when configured)
// and builds the cache, listening for other replicas' invalidations until
// the app closes. Without Redis, cached entries live 750ms: under a second is how long
// another replica may serve a revoked token or a suspended tenant.
func (a *app) openShared(prefix string) error {
	url := a.cfg.RateLimit.RedisURL
	if url == "" {
		a.cache = cache.New(cache.Config{ShortTTL: 750 * time.Millisecond}, nil, nil, a.logger)
		return nil
	}
	r, err := redis.New(redis.Config{URL: url, Prefix: prefix, FailOpen: a.cfg.RateLimit.RedisFail != "closed"}, a.logger)
	if err != nil {
		return fmt.Errorf("config ratelimit.redis_url: %w", err)
	}
	// While the subscription stands, other replicas' writes reach this
	// one at once and entries may live longer; when it drops, 1s again.
	var live atomic.Bool
	a.redis = r
	a.cache = cache.New(cache.Config{TTL: 30 * time.Second, ShortTTL: 750 * time.Millisecond}, r, live.Load, a.logger)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	a.closers = append(a.closers, r.Close, func() error { cancel(); <-done; return nil })
	go func() {
		defer close(done)
		r.Subscribe(ctx, a.cache.Drop, &live)
	}()
	return nil
}

// serveMetrics starts GET /metrics on metrics.addr, a listener of its own
// so that it stays off the public port, until ctx ends.
func (a *app) serveMetrics(ctx context.Context) error {
	if a.metrics == nil {
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.Metrics.Addr)
	if err != nil {
		return fmt.Errorf("listen on metrics.addr %s: %w", a.cfg.Metrics.Addr, err)
	}
	a.logger.Info("serving metrics", zap.String("addr", ln.Addr().String()))
	go func() {
		if err := a.metrics.Serve(ctx, ln); err != nil {
			a.logger.Error("metrics listener", zap.Error(err))
		}
	}()
	return nil
}

// secretKeys is the key ring that seals tenant database passwords: the
// configured keys, or else the key file, made with a new key at first start.
// secretKeys is the key ring that seals secrets in the control database
// (tenant database passwords, stored idempotent answers): the configured keys, or else the key file, made with a new key at first start.
func secretKeys(cfg config.Config, logger *zap.Logger) (*aesgcm.Ring, error) {
	keys := cfg.Tenants.SecretKeys
	if len(keys) == 0 {
		var created bool
		var err error
		if keys, created, err = aesgcm.LoadOrCreateKeyFile(cfg.Tenants.KeyFile); err != nil {
			return nil, fmt.Errorf("config tenants.key_file: %w", err)
		}
		if created {
			logger.Warn("generated the key that seals secrets in the control database; back it up, and give every replica the same file",
				zap.String("key_file", cfg.Tenants.KeyFile))
		}
	}
	ring, err := aesgcm.New(keys)
	if err != nil {
		return nil, fmt.Errorf("config tenants.secret_keys: %w", err)
	}
	return ring, nil
}

// Close releases what openApp opened, last first.
func (a *app) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	return errors.Join(errs...)
}

// withApp loads the configuration named by --config, builds the app, runs fn
// and closes it.
func withApp(ctx context.Context, path string, fn func(*app) error) error {
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	logger, err := newLogger(cfg.Log)
	if err != nil {
		return err
	}
	defer logger.Sync() //nolint:errcheck // stderr cannot always be synced
	a, err := openApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

// every runs fn every interval until ctx ends, and at once too when now is
// set; a zero interval runs nothing.
func every(ctx context.Context, interval time.Duration, now bool, fn func(context.Context)) {
	if interval <= 0 {
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if now {
			fn(ctx)
		}
		now = true
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// background starts what serve runs beside the API: the billing worker,
// webhook delivery and the janitor that purges deleted tenants whose
// retention passed and finishes work abandoned by crashes. The janitor's
// first pass runs before background returns, so that serving starts from
// a reconciled state. Every replica may run them: leases let one bill and
// send at a time.
func (a *app) background(ctx context.Context) {
	go every(ctx, a.cfg.Billing.Interval, true, func(ctx context.Context) {
		run, err := a.worker.RunOnce(ctx)
		if a.metrics != nil && ctx.Err() == nil {
			a.metrics.BillingRun(run.Leased, run.Invoices, err)
		}
		switch {
		case err != nil && ctx.Err() == nil:
			a.logger.Error("billing run", zap.Error(err))
		case run.Changed > 0:
			a.logger.Info("billing run", zap.Int("tenants", run.Tenants), zap.Int("changed", run.Changed), zap.Int("invoices", run.Invoices))
		}
	})
	go every(ctx, a.cfg.Webhooks.Interval, true, func(ctx context.Context) {
		d, err := a.webhooks.Dispatch(ctx)
		if a.metrics != nil {
			a.metrics.WebhookDeliveries(d.Sent, d.Failed)
		}
		if err != nil && ctx.Err() == nil {
			a.logger.Error("webhook dispatch", zap.Error(err))
		} else if d.Failed > 0 {
			a.logger.Warn("webhook deliveries failed", zap.Int("sent", d.Sent), zap.Int("failed", d.Failed))
		}
	})
	janitor := func(ctx context.Context) {
		rec, err := a.tenants.Reconcile(ctx, false, a.cfg.Tenants.ProvisionTimeout)
		switch {
		case err != nil && ctx.Err() == nil:
			a.logger.Error("reconcile", zap.Error(err))
		case err == nil && !rec.Clean():
			a.logger.Warn("reconciled", zap.Int64s("purged", rec.Purged), zap.Int64s("compensated", rec.Compensated),
				zap.Int64s("deletions_finished", rec.Deleted), zap.Strings("orphan_databases", rec.Orphans), zap.Strings("foreign_databases", rec.Foreign),
				zap.Int64s("tenants_missing_database", rec.Missing))
		}
	}
	janitor = sweeping(janitor, a)
	janitor(ctx)
	go every(ctx, 5*time.Minute, false, janitor)
	go a.refillWarmPool(ctx)
	// After an upgrade, bring every tenant database to the new schema; a
	// request for a tenant not reached yet migrates that tenant first.
	go func() {
		run, ran, err := a.tenants.MigrateFleetLeased(ctx, tenant.MigrateOptions{Concurrency: 4})
		if a.metrics != nil && ran {
			a.metrics.FleetMigration(len(run.Migrated), len(run.Failed), len(run.Pending)-len(run.Migrated))
		}
		switch {
		case err != nil && ctx.Err() == nil:
			a.logger.Error("tenant migration", zap.Error(err))
		case ran && len(run.Pending) > 0:
			a.logger.Info("tenant migration", zap.Int64("schema_version", run.Target), zap.Int("migrated", len(run.Migrated)),
				zap.Int("failed", len(run.Failed)), zap.Int("current", run.Current))
		}
	}()
}

// warmCounts counts the warm pool's entries by {server, state}, for the
// metrics (a pool holds at most tenants.warm_pool entries a server).
func warmCounts(pool ports.WarmPool) func(context.Context) (map[[2]string]int64, error) {
	return func(ctx context.Context) (map[[2]string]int64, error) {
		entries, err := pool.WarmDatabases(ctx, "")
		if err != nil {
			return nil, err
		}
		out := map[[2]string]int64{}
		for _, w := range entries {
			out[[2]string{core.ServerName(w.Server), string(w.State)}]++
		}
		return out, nil
	}
}

// warmPoolInterval is how often serve looks at the warm pool besides right
// after a claim: what another replica's claims took is refilled by the
// lease holder within it.
const warmPoolInterval = 10 * time.Second

// refillWarmPool keeps the warm pool at tenants.warm_pool (one replica at a
// time, under a lease), right after each claim here and every
// warmPoolInterval, until ctx ends. With the pool off it runs once, to
// discard what an earlier configuration left ready.
func (a *app) refillWarmPool(ctx context.Context) {
	tick := time.NewTicker(warmPoolInterval)
	defer tick.Stop()
	for {
		r, ran, err := a.tenants.RefillPoolLeased(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.logger.Error("warm pool refill", zap.Error(err))
		case ran && r != (tenant.Refill{}):
			a.logger.Info("warm pool refilled", zap.Int("added", r.Added), zap.Int("migrated", r.Migrated), zap.Int("discarded", r.Discarded))
		}
		if a.cfg.Tenants.WarmPool == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-a.tenants.PoolClaimed():
		}
	}
}

// sweeping adds to the janitor's pass the removal of idempotency keys whose
// time passed (and claims their requests abandoned).
func sweeping(janitor func(context.Context), a *app) func(context.Context) {
	return func(ctx context.Context) {
		janitor(ctx)
		if n, err := a.idem.Sweep(ctx); err != nil && ctx.Err() == nil {
			a.logger.Error("sweep idempotency keys", zap.Error(err))
		} else if n > 0 {
			a.logger.Info("idempotency keys swept", zap.Int64("removed", n))
		}
	}
}
