package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/aesgcm"
	"github.com/saasd/saasd/adapters/bcrypt"
	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/ginhttp"
	"github.com/saasd/saasd/adapters/goosemigrate"
	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/adapters/manualpay"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/adapters/mysql"
	"github.com/saasd/saasd/adapters/sqlite"
	"github.com/saasd/saasd/adapters/sqlrecords"
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
	"github.com/saasd/saasd/modules/contacts"
	"github.com/saasd/saasd/modules/contracts"
	"github.com/saasd/saasd/modules/customers"
	"github.com/saasd/saasd/modules/deals"
	"github.com/saasd/saasd/modules/invoices"
	"github.com/saasd/saasd/modules/leads"
	"github.com/saasd/saasd/modules/products"
	"github.com/saasd/saasd/modules/projects"
	"github.com/saasd/saasd/modules/quotes"
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
	records      *sqlrecords.Store
	tenantDB     ports.Provisioner
	steps        *gormstore.StepLog
	sealer       ports.Sealer
	server       *ginhttp.Server
	closers      []func() error
}

// tenantDB is what both tenant-database adapters provide.
type tenantDB interface {
	ports.Provisioner
	sqlrecords.Handles
}

// registerModules is the one list of tenant-side modules. Adding a feature
// is a folder under modules/ and a line here.
func registerModules(k *kernel.Kernel, store ports.RecordStore, hasher ports.PasswordHasher) {
	k.Register(customers.New(store))
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
	k.Register(batch.New(store))
}

// openApp opens the control database, applies its migrations and builds the
// services and the HTTP edge on top of it.
// appOptions are what tests add to an app: modules of their own, tenant
// service options such as fault hooks.
type appOptions struct {
	modules []kernel.Module
	tenant  []tenant.Option
	clock   ports.Clock
	gateway ports.Gateway
}

// appOption changes appOptions.
type appOption func(*appOptions)

func openApp(ctx context.Context, cfg config.Config, logger *zap.Logger, opts ...appOption) (*app, error) {
	var o appOptions
	for _, opt := range opts {
		opt(&o)
	}
	db, err := gormstore.Open(ctx, gormstore.Config{
		Driver: cfg.Database.Driver, DSN: cfg.Database.DSN,
		MaxOpenConns: cfg.Database.MaxOpenConns, MaxIdleConns: cfg.Database.MaxIdleConns,
	}, logger)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, logger: logger, db: db, closers: []func() error{db.Close}}
	if _, err := db.Migrate(ctx); err != nil {
		a.Close()
		return nil, err
	}
	// The record store reaches tenant databases through the provisioner,
	// which is built after the kernel knows the modules' migrations: the
	// indirection breaks that cycle.
	handles := &lateHandles{}
	store := sqlrecords.New(handles)
	a.records = store
	hasher := bcrypt.Hasher{}
	a.kernel = kernel.New()
	registerModules(a.kernel, store, hasher)
	for _, m := range o.modules {
		a.kernel.Register(m)
	}
	schemas := a.kernel.Schemas(sqlrecords.Schema())
	// Two modules claiming one migration version would fail the first
	// tenant created; fail at start instead.
	if _, err := goosemigrate.Merge(cfg.Database.Driver, schemas); err != nil {
		a.Close()
		return nil, err
	}
	store.CountTables(a.kernel.Tables())
	var tdb tenantDB
	switch cfg.Database.Driver {
	case gormstore.MySQL:
		tdb, err = mysql.New(mysql.Config{DSN: cfg.Database.DSN, Prefix: cfg.Tenants.DBPrefix}, db.SQL(), schemas, logger)
	default:
		var p *sqlite.Provisioner
		p, err = sqlite.New(sqlite.Config{Dir: cfg.Tenants.DataDir, Prefix: cfg.Tenants.DBPrefix}, schemas, logger)
		if err == nil {
			a.closers = append(a.closers, p.Close)
			tdb = p
		}
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	handles.Handles = tdb
	a.tenantDB, a.steps = tdb, gormstore.NewStepLog(db)
	var clk ports.Clock = clock.System{}
	if o.clock != nil {
		clk = o.clock
	}
	tenants, plans := gormstore.NewTenantStore(db), gormstore.NewPlanStore(db)
	if cfg.Database.Driver == gormstore.MySQL {
		if !cfg.Tenants.DBUsers {
			logger.Warn("per-tenant database logins are off (tenants.db_users=false): tenant schemas are reached with the control login only")
		} else {
			ring, err := aesgcm.New(cfg.Tenants.SecretKeys)
			if err != nil {
				a.Close()
				return nil, fmt.Errorf("config tenants.secret_keys: %w", err)
			}
			o.tenant = append([]tenant.Option{tenant.WithDatabaseUsers(tdb.(ports.DatabaseUsers), ring)}, o.tenant...)
			a.sealer = ring
		}
	}
	a.auth = auth.New(gormstore.NewTokenStore(db), clk)
	a.tenants = tenant.New(tenants, plans, tdb, store, clk, cfg.Tenants.BaseDomain, append([]tenant.Option{
		tenant.WithAdmin(store, hasher), tenant.WithRecounter(store), tenant.WithProvisioningLog(a.steps),
		tenant.WithRetention(cfg.Tenants.DeleteRetention), tenant.WithExporter(store),
	}, o.tenant...)...)
	terms := billing.Terms{GraceDays: cfg.Billing.GraceDays, SuspendDays: cfg.Billing.SuspendDays}
	billingStore := gormstore.NewBillingStore(db)
	a.billingStore = billingStore
	a.billing = subscription.New(plans, tenants, billingStore, clk, terms)
	host, _ := os.Hostname()
	var gateway ports.Gateway = manualpay.Gateway{}
	if o.gateway != nil {
		gateway = o.gateway
	}
	a.worker = subscription.NewWorker(billingStore, gateway, clk, terms, fmt.Sprintf("%s/%d", host, os.Getpid()))
	a.webhooks = webhook.New(gormstore.NewWebhookStore(db), webhookhttp.New(cfg.Webhooks.Timeout), clk, fmt.Sprintf("%s/%d", host, os.Getpid()))
	if a.account, err = account.New(account.Config{DefaultPlanID: cfg.Signup.DefaultPlanID, SessionTTL: cfg.Tenants.SessionTTL},
		a.tenants, tenants, plans, store, hasher, clk); err != nil {
		a.Close()
		return nil, err
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
		Idem: gormstore.NewIdempotencyStore(db, 24*time.Hour), Webhooks: a.webhooks, Outbox: gormstore.NewOutbox(db),
	})
	return a, nil
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

// lateHandles is set once the provisioner exists.
type lateHandles struct{ sqlrecords.Handles }

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
				zap.Int64s("deletions_finished", rec.Deleted), zap.Strings("orphan_databases", rec.Orphans),
				zap.Int64s("tenants_missing_database", rec.Missing))
		}
	}
	janitor(ctx)
	go every(ctx, 5*time.Minute, false, janitor)
}
