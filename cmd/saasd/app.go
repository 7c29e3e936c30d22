package main

import (
	"context"
	"errors"

	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/ginhttp"
	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/adapters/mysql"
	"github.com/saasd/saasd/adapters/sqlite"
	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core/auth"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/modules/crm"
	"github.com/saasd/saasd/ports"
)

// app is everything built from one configuration.
type app struct {
	cfg     config.Config
	logger  *zap.Logger
	db      *gormstore.DB
	auth    *auth.Service
	tenants *tenant.Service
	billing *billing.Service
	server  *ginhttp.Server
	closers []func() error
}

// tenantDB is what both tenant-database adapters provide.
type tenantDB interface {
	ports.Provisioner
	ports.UsageCounter
}

// openApp opens the control database, applies its migrations and builds the
// services and the HTTP edge on top of it.
func openApp(ctx context.Context, cfg config.Config, logger *zap.Logger) (*app, error) {
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
	schemas := []ports.TenantSchema{{Module: crm.Name, Migrations: crm.Migrations()}}
	var tdb tenantDB
	switch cfg.Database.Driver {
	case gormstore.MySQL:
		tdb, err = mysql.New(mysql.Config{DSN: cfg.Database.DSN, Prefix: cfg.Tenants.DBPrefix}, db.SQL(), schemas, crm.Tables(), logger)
	default:
		var p *sqlite.Provisioner
		p, err = sqlite.New(sqlite.Config{Dir: cfg.Tenants.DataDir, Prefix: cfg.Tenants.DBPrefix}, schemas, crm.Tables(), logger)
		if err == nil {
			a.closers = append(a.closers, p.Close)
			tdb = p
		}
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	clock := ports.SystemClock
	tenants, plans := gormstore.NewTenantStore(db), gormstore.NewPlanStore(db)
	a.auth = auth.New(gormstore.NewTokenStore(db), clock)
	a.tenants = tenant.New(tenants, plans, tdb, tdb, clock, cfg.Tenants.BaseDomain)
	a.billing = billing.New(plans, tenants, clock)
	a.server = ginhttp.New(ginhttp.Config{
		Addr:              cfg.HTTP.Addr,
		RequestsPerMinute: cfg.RateLimit.RequestsPerMinute,
		RequestTimeout:    cfg.HTTP.RequestTimeout,
	}, ginhttp.Deps{
		Tenants: a.tenants, Billing: a.billing, Auth: a.auth,
		Limiter: memory.NewRateLimiter(clock), Ready: db.Ping, Logger: logger,
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
