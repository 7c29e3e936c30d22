package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/saasd/saasd/adapters/aesgcm"
	"github.com/saasd/saasd/adapters/bcrypt"
	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/ginhttp"
	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/adapters/manualpay"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/adapters/mysql"
	"github.com/saasd/saasd/adapters/sqlite"
	"github.com/saasd/saasd/adapters/webhookhttp"
	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core/account"
	"github.com/saasd/saasd/core/auth"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/subscription"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/core/webhook"
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
	"github.com/saasd/saasd/modules/services"
	"github.com/saasd/saasd/modules/tasks"
	"github.com/saasd/saasd/modules/tickets"
	"github.com/saasd/saasd/modules/transactions"
	"github.com/saasd/saasd/modules/users"
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
	prefix       string // what tenant databases and logins are named with
	tenantDB     ports.Provisioner
	steps        *gormstore.StepLog
	sealer       ports.Sealer
	server       *ginhttp.Server
	closers      []func() error
}

// legacyPrefix is what tenant databases were named with before each
// installation had a prefix of its own; installations that have tenants
// from then keep it, so an upgrade renames nothing.
const legacyPrefix = "tenant_"

// tenantData is what the tenant-database adapter stores in each tenant's
// own database.
type tenantData interface {
	ports.RecordStore
	ports.UserStore
	ports.UsageCounter
	ports.UsageRecounter
	ports.Exporter
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

// appOptions are what tests add to an app: modules of their own, tenant
// service options such as fault hooks.
type appOptions struct {
	modules []func(ports.RecordStore) kernel.Module // built on the app's record store
	tenant  []tenant.Option
	clock   ports.Clock
	gateway ports.Gateway
}

// appOption changes appOptions.
type appOption func(*appOptions)

// openApp opens the control database, applies its migrations and builds the
// services and the HTTP edge on top of it.
func openApp(ctx context.Context, cfg config.Config, logger *zap.Logger, opts ...appOption) (*app, error) {
	o := appOptions{clock: clock.System{}, gateway: manualpay.Gateway{}}
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
	var dialector gorm.Dialector
	var err error
	switch cfg.Database.Driver {
	case gormstore.MySQL:
		dialector, err = mysql.Control(ctx, cfg.Database.DSN, logger)
	default:
		dialector, err = sqlite.Control(cfg.Database.DSN)
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
	tenants, plans, outbox := gormstore.NewTenantStore(db), gormstore.NewPlanStore(db), gormstore.NewOutbox(db)
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

	// Tenant databases: the adapter's record store first (modules persist
	// through it), then the provisioner, which needs every module's tables.
	var mysqlDBs *mysql.Tenants
	var sqliteDBs *sqlite.Tenants
	switch cfg.Database.Driver {
	case gormstore.MySQL:
		mc := mysql.Config{DSN: cfg.Database.DSN, Prefix: prefix, Installation: inst.ID}
		if cfg.Tenants.DBUsers {
			// Tenant traffic runs under each tenant's own login.
			if a.sealer, err = secretKeys(cfg, logger); err != nil {
				return err
			}
			mc.Logins, mc.MaxTenantConns, mc.TenantPoolSize = a.sealer, cfg.Database.MaxTenantConns, 2
		}
		mysqlDBs, err = mysql.NewTenants(mc, db.SQL())
		if err == nil {
			a.closers = append(a.closers, mysqlDBs.Close)
			a.records = mysqlDBs.Records()
		}
	default:
		sqliteDBs, err = sqlite.NewTenants(sqlite.Config{Dir: cfg.Tenants.DataDir, Prefix: prefix, Installation: inst.ID})
		if err == nil {
			a.closers = append(a.closers, sqliteDBs.Close)
			a.records = sqliteDBs.Records()
		}
	}
	if err != nil {
		return err
	}
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
	a.steps = gormstore.NewStepLog(db)
	if mysqlDBs != nil {
		if !cfg.Tenants.DBUsers {
			logger.Warn("per-tenant database logins are off (tenants.db_users=false): tenant schemas are reached with the control login only")
		} else {
			o.tenant = append([]tenant.Option{tenant.WithDatabaseUsers(a.tenantDB.(ports.DatabaseUsers), a.sealer)}, o.tenant...)
		}
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s/%d", host, os.Getpid())
	terms := billing.Terms{GraceDays: cfg.Billing.GraceDays, SuspendDays: cfg.Billing.SuspendDays}
	a.billingStore = gormstore.NewBillingStore(db)
	a.billing = subscription.New(plans, tenants, a.billingStore, catalog, clk, terms)
	a.auth = auth.New(gormstore.NewTokenStore(db), clk)
	a.tenants = tenant.New(tenants, plans, a.tenantDB, data, catalog, clk, cfg.Tenants.BaseDomain, append([]tenant.Option{
		tenant.WithAdmin(data, hasher), tenant.WithRecounter(data), tenant.WithProvisioningLog(a.steps),
		tenant.WithRetention(cfg.Tenants.DeleteRetention), tenant.WithExporter(data), tenant.WithPlanChanges(a.billing),
		tenant.WithInstallation(inst.ID, ownPrefix), tenant.WithLeases(a.billingStore, holder),
	}, o.tenant...)...)
	a.worker = subscription.NewWorker(a.billingStore, o.gateway, clk, terms, holder)
	a.webhooks = webhook.New(gormstore.NewWebhookStore(db), webhookhttp.New(cfg.Webhooks.Timeout), clk, holder)
	if a.account, err = account.New(account.Config{DefaultPlanID: cfg.Signup.DefaultPlanID, SessionTTL: cfg.Tenants.SessionTTL},
		a.tenants, tenants, plans, data, hasher, clk); err != nil {
		return err
	}
	a.server = ginhttp.New(ginhttp.Config{
		Addr:              cfg.HTTP.Addr,
		RequestsPerMinute: cfg.RateLimit.RequestsPerMinute,
		RequestTimeout:    cfg.HTTP.RequestTimeout,
		BaseDomain:        cfg.Tenants.BaseDomain,

		TenantRequestsPerHour: cfg.RateLimit.TenantRequestsPerHour,
		SignupsPerHour:        cfg.RateLimit.SignupsPerHour,
		LoginsPerMinute:       cfg.RateLimit.LoginsPerMinute,
	}, ginhttp.Deps{
		Tenants: a.tenants, Billing: a.billing, Auth: a.auth, Accounts: a.account, Kernel: a.kernel,
		Limiter: memory.NewRateLimiter(clk), Ready: db.Ping, Logger: logger,
		Idem: gormstore.NewIdempotencyStore(db, 24*time.Hour), Webhooks: a.webhooks,
	})
	return nil
}

// secretKeys is the key ring that seals tenant database passwords: the
// configured keys, or else the key file, made with a new key at first start.
func secretKeys(cfg config.Config, logger *zap.Logger) (*aesgcm.Ring, error) {
	keys := cfg.Tenants.SecretKeys
	if len(keys) == 0 {
		var created bool
		var err error
		if keys, created, err = aesgcm.LoadOrCreateKeyFile(cfg.Tenants.KeyFile); err != nil {
			return nil, fmt.Errorf("config tenants.key_file: %w", err)
		}
		if created {
			logger.Warn("generated the key that seals tenant database passwords; back it up, and give every replica the same file",
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
		switch {
		case err != nil && ctx.Err() == nil:
			a.logger.Error("billing run", zap.Error(err))
		case run.Changed > 0:
			a.logger.Info("billing run", zap.Int("tenants", run.Tenants), zap.Int("changed", run.Changed), zap.Int("invoices", run.Invoices))
		}
	})
	go every(ctx, a.cfg.Webhooks.Interval, true, func(ctx context.Context) {
		if d, err := a.webhooks.Dispatch(ctx); err != nil && ctx.Err() == nil {
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
	janitor(ctx)
	go every(ctx, 5*time.Minute, false, janitor)
	// After an upgrade, bring every tenant database to the new schema; a
	// request for a tenant not reached yet migrates that tenant first.
	go func() {
		run, ran, err := a.tenants.MigrateFleetLeased(ctx, tenant.MigrateOptions{Concurrency: 4})
		switch {
		case err != nil && ctx.Err() == nil:
			a.logger.Error("tenant migration", zap.Error(err))
		case ran && len(run.Pending) > 0:
			a.logger.Info("tenant migration", zap.Int64("schema_version", run.Target), zap.Int("migrated", len(run.Migrated)),
				zap.Int("failed", len(run.Failed)), zap.Int("current", run.Current))
		}
	}()
}
