package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/internal/sqltenant"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/ports"
)

var _ ports.Provisioner = (*Provisioner)(nil)

// PrefixRE is what a tenant database prefix must look like. Database names
// are the prefix and the tenant's numeric ID and nothing else, so no client
// text ever reaches an identifier.
var PrefixRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Config configures the tenant databases.
type Config struct {
	DSN    string // the control database DSN: its server and credentials are reused
	Prefix string // tenant schemas are named Prefix + tenant ID
	// Installation is this installation's ID, written into the marker of
	// every schema it creates; only schemas so marked are dropped or migrated.
	Installation string
	// Logins, when set, opens tenants' sealed login passwords: tenant-side
	// statements then run on connections of the tenant's own login, at most
	// MaxTenantConns of them open at once over every tenant of a server
	// (TenantPoolSize per tenant). Nil: the server's pool serves every
	// tenant schema on it.
	Logins         ports.Sealer
	MaxTenantConns int
	TenantPoolSize int
	// Open opens the pools of tenant logins and of migrations (tracing
	// wraps the driver there); nil: sql.Open.
	Open sqltenant.Opener
	// Servers are database servers beside the control database's own
	// (core.DefaultServer) that tenant schemas are placed on. Each gets a
	// pool of its own of at most MaxOpenConns connections (MaxIdleConns
	// idle), for DDL and for tenants served without logins.
	Servers      []Server
	MaxOpenConns int
	MaxIdleConns int
	// Roles, with Logins, shares each server's MaxTenantConns connections
	// between every tenant on it: they are of one pooled login with no
	// privilege of its own, each set to the role of the tenant whose
	// statement it runs (a role per tenant, granted its schema alone).
	// Without it each tenant login has pools of its own.
	Roles bool
}

// Server is a database server for tenant schemas.
type Server struct {
	Name string
	DSN  string // its address and credentials; it names no database
}

// server is one database server with its pools.
type server struct {
	name  string
	pool  *sql.DB // DDL, and tenant schemas reached with qualified names
	mc    *mysqldrv.Config
	pools *tenantPools // nil: every tenant on pool
	owned bool         // pool was opened here (not the control pool): Close closes it
	// migrationConns are idle connections to this server kept for
	// migrations.
	migrationConns chan *sql.DB
	// With roles: the pooled login on this server, and the tenant roles
	// known to be granted to it.
	poolUser, poolPassword string
	rolesMu                sync.Mutex
	poolReady              bool
	readyRoles             map[string]bool
}

// Tenants names the tenant schemas on the database servers and serves their
// tables to the shared tenant store: over each tenant's login, or over the
// pool of its server (the control pool on the control database's server).
type Tenants struct {
	servers      []*server // the control database's first
	prefix       string
	installation string
	store        *sqltenant.Store
	open         sqltenant.Opener
}

// NewTenants returns the tenant schemas reached through pool (the control
// database's) and the pools it opens for cfg.Servers.
func NewTenants(cfg Config, pool *sql.DB) (*Tenants, error) {
	if !PrefixRE.MatchString(cfg.Prefix) {
		return nil, fmt.Errorf("tenant database prefix %q: want %s", cfg.Prefix, PrefixRE)
	}
	if cfg.Installation == "" {
		return nil, fmt.Errorf("tenant databases need the installation id")
	}
	mc, err := mysqldrv.ParseDSN(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("parse mysql dsn: %w", err)
	}
	mc.ParseTime, mc.Loc = true, time.UTC
	ts := &Tenants{prefix: cfg.Prefix, installation: cfg.Installation, open: cfg.Open}
	first, err := ts.newServer(cfg, core.DefaultServer, mc, pool)
	if err != nil {
		return nil, err
	}
	ts.servers = append(ts.servers, first)
	for _, srv := range cfg.Servers {
		if srv.Name == core.DefaultServer {
			continue // the control database's, above
		}
		smc, err := mysqldrv.ParseDSN(srv.DSN)
		if err != nil {
			ts.Close()
			return nil, fmt.Errorf("database server %s: parse mysql dsn: %w", srv.Name, err)
		}
		if smc.DBName != "" {
			ts.Close()
			return nil, fmt.Errorf("database server %s: its dsn names database %q; a server's dsn names none", srv.Name, smc.DBName)
		}
		smc.ParseTime, smc.Loc, smc.InterpolateParams = true, time.UTC, true
		if smc.Timeout == 0 {
			smc.Timeout = 5 * time.Second // a server that is down fails fast
		}
		db, err := cfg.Open.Open("mysql", smc.FormatDSN(), 0)
		if err != nil {
			ts.Close()
			return nil, fmt.Errorf("database server %s: %w", srv.Name, err)
		}
		db.SetMaxOpenConns(max(cfg.MaxOpenConns, 1))
		db.SetMaxIdleConns(max(cfg.MaxIdleConns, 0))
		db.SetConnMaxIdleTime(5 * time.Minute)
		s, err := ts.newServer(cfg, srv.Name, smc, db)
		if err != nil {
			db.Close()
			ts.Close()
			return nil, fmt.Errorf("database server %s: %w", srv.Name, err)
		}
		s.owned = true
		ts.servers = append(ts.servers, s)
	}
	ts.store = sqltenant.New(ts, dialect{})
	return ts, nil
}

// newServer is server name reached through pool, with pools of tenant
// logins when cfg has logins (one pool of the server's pooled login, with
// roles).
func (ts *Tenants) newServer(cfg Config, name string, mc *mysqldrv.Config, pool *sql.DB) (*server, error) {
	s := &server{name: name, pool: pool, mc: mc, migrationConns: make(chan *sql.DB, keptMigrationConns)}
	if cfg.Logins != nil {
		s.pools = newTenantPools(func(user, password, database string) string {
			login := mc.Clone()
			login.User, login.Passwd, login.DBName = user, password, database
			login.InterpolateParams = true
			if login.Timeout == 0 {
				login.Timeout = 5 * time.Second
			}
			return login.FormatDSN()
		}, cfg.Logins, max(cfg.MaxTenantConns, 1), max(cfg.TenantPoolSize, 1))
		s.pools.opener = cfg.Open
		if cfg.Roles {
			s.poolUser, s.poolPassword = poolLogin(cfg.Prefix, cfg.Installation, mc.Passwd)
			login := mc.Clone()
			login.User, login.Passwd, login.DBName, login.InterpolateParams = s.poolUser, s.poolPassword, "", true
			if login.Timeout == 0 {
				login.Timeout = 5 * time.Second
			}
			var err error
			if s.pools.roles, err = newRolePool(login.FormatDSN(), max(cfg.MaxTenantConns, 1)); err != nil {
				return nil, err
			}
			// Handles hold no connection: far more of them than of pools.
			s.pools.max, s.readyRoles = maxRoleHandles, map[string]bool{}
		}
	}
	return s, nil
}

// server returns the server named name ("" is the control database's).
func (ts *Tenants) server(name string) (*server, error) {
	if name == "" {
		return ts.servers[0], nil
	}
	for _, s := range ts.servers {
		if s.name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("database server %q is not configured", name)
}

// Records is the store of the modules' records, for registering modules.
func (ts *Tenants) Records() ports.RecordStore { return ts.store }

// Data is the tenant store once tables (kernel.Tables) says which table
// counts which resource: records, users and sessions, usage counters and
// their recount, export.
func (ts *Tenants) Data(tables map[core.Resource]string) *sqltenant.Store {
	return ts.store.WithTables(tables)
}

// DatabaseName returns the schema name of tenant id.
func (ts *Tenants) DatabaseName(id int64) string { return ts.prefix + strconv.FormatInt(id, 10) }

// owns reports whether name is a tenant schema of this prefix (the prefix
// and a tenant ID, or the prefix, "pool" and a warm pool entry's ID: a
// claimed warm schema keeps its name); nothing else is ever dropped or
// served, whatever the control database says.
func (ts *Tenants) owns(name string) bool {
	rest, ok := strings.CutPrefix(name, ts.prefix)
	if !ok {
		return false
	}
	rest = strings.TrimPrefix(rest, warmTag)
	if rest == "" {
		return false
	}
	_, err := strconv.ParseUint(rest, 10, 63)
	return err == nil
}

// Handle serves tenant t's tables on t's server: on a pool of t's own
// login when logins are on and t has one, so its statements cannot reach
// another schema; otherwise from the server's pool, naming t's schema
// before every table.
func (ts *Tenants) Handle(ctx context.Context, t core.Tenant) (sqltenant.Handle, error) {
	if !ts.owns(t.Database) {
		return sqltenant.Handle{}, fmt.Errorf("tenant %d has no database of prefix %q", t.ID, ts.prefix)
	}
	srv, err := ts.server(t.Server)
	if err != nil {
		return sqltenant.Handle{}, fmt.Errorf("tenant %d: %w", t.ID, err)
	}
	if srv.pools != nil && t.DBUser != "" && t.DBSecret != "" {
		if srv.pools.roles != nil {
			if err := srv.ensureRole(ctx, t); err != nil {
				return sqltenant.Handle{}, err
			}
		}
		db, release, err := srv.pools.pool(ctx, t)
		if err != nil {
			return sqltenant.Handle{}, err
		}
		if srv.pools.roles != nil {
			// The pooled login has no schema of its own: names are qualified.
			return sqltenant.Handle{DB: db, Qualifier: "`" + t.Database + "`.", Database: t.Database, Done: release}, nil
		}
		return sqltenant.Handle{DB: db, Database: t.Database, Done: release}, nil
	}
	return srv.handleOf(t.Database), nil
}

// TenantConns is how many connections the tenant logins' pools hold open,
// over every server.
func (ts *Tenants) TenantConns() int {
	n := 0
	for _, s := range ts.servers {
		if s.pools != nil {
			n += s.pools.open()
		}
	}
	return n
}

// ServerConns is how many connections are open to each server: its pool's
// and its tenant logins'.
func (ts *Tenants) ServerConns() map[string]int {
	out := make(map[string]int, len(ts.servers))
	for _, s := range ts.servers {
		out[s.name] = s.pool.Stats().OpenConnections
		if s.pools != nil {
			out[s.name] += s.pools.open()
		}
	}
	return out
}

// Pools returns the pool of each server other than the control
// database's, for metrics.
func (ts *Tenants) Pools() map[string]*sql.DB {
	out := map[string]*sql.DB{}
	for _, s := range ts.servers[1:] {
		out[s.name] = s.pool
	}
	return out
}

// Check returns an error when two configured servers are one and the same
// (another name or address of it): each server's reconcile would take the
// other's tenant schemas for orphans. Its warnings name the servers that
// do not answer (unchecked) and those with anonymous accounts, which
// shadow tenant logins from clients on their host.
func (ts *Tenants) Check(ctx context.Context) (warnings []string, err error) {
	seen := map[string]string{}
	for _, s := range ts.servers {
		var host, dir string
		var port int
		if err := s.pool.QueryRowContext(ctx, "SELECT @@hostname, @@port, @@datadir").Scan(&host, &port, &dir); err != nil {
			warnings = append(warnings, fmt.Sprintf("database server %s does not answer: %v", s.name, err))
			continue
		}
		var anonymous int
		if s.pools != nil && s.pool.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE user = ''").Scan(&anonymous) == nil && anonymous > 0 {
			warnings = append(warnings, fmt.Sprintf("database server %s has anonymous accounts (''@localhost): tenant logins from its own host fail until they are dropped (mysql_secure_installation)", s.name))
		}
		id := fmt.Sprintf("%s:%d:%s", host, port, dir)
		if other, ok := seen[id]; ok {
			return warnings, fmt.Errorf("database servers %s and %s are the same server (%s): list each server once", other, s.name, id)
		}
		seen[id] = s.name
	}
	return warnings, nil
}

// Close closes the tenant logins' pools, the kept migration connections
// and the servers' own pools.
func (ts *Tenants) Close() error {
	var errs []error
	for _, s := range ts.servers {
		for done := false; !done; {
			select {
			case db := <-s.migrationConns:
				errs = append(errs, db.Close())
			default:
				done = true
			}
		}
		if s.pools != nil {
			errs = append(errs, s.pools.close())
		}
		if s.owned {
			errs = append(errs, s.pool.Close())
		}
	}
	return errors.Join(errs...)
}

// maxRoleHandles is how many tenants' handles a server keeps with roles:
// they hold no connection, only a goroutine each.
const maxRoleHandles = 2048

// ensureRole makes sure t's role exists and is granted to the pooled login
// (tenants made before roles existed get theirs at their first request),
// once per tenant and process.
func (s *server) ensureRole(ctx context.Context, t core.Tenant) error {
	role := roleOf(t.DBUser)
	s.rolesMu.Lock()
	ready := s.readyRoles[role]
	s.rolesMu.Unlock()
	if ready {
		return nil
	}
	// Idempotent statements rather than a look at mysql.roles_mapping,
	// which the control login need not be able to read.
	return s.grantRole(ctx, t.Database, t.DBUser)
}

// grantRole creates the role of login user with every privilege on
// database alone, and grants it to the pooled login (made first if need be).
func (s *server) grantRole(ctx context.Context, database, user string) error {
	if err := s.ensurePoolLogin(ctx); err != nil {
		return err
	}
	role := roleOf(user)
	for _, stmt := range []string{
		"CREATE ROLE IF NOT EXISTS `" + role + "`",
		"GRANT ALL PRIVILEGES ON `" + database + "`.* TO `" + role + "`",
		"GRANT `" + role + "` TO '" + s.poolUser + "'@'%'",
	} {
		if _, err := s.pool.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("role %s: %w", role, err)
		}
	}
	s.rolesMu.Lock()
	s.readyRoles[role] = true
	s.rolesMu.Unlock()
	return nil
}

// ensurePoolLogin creates the pooled login of tenant connections, with no
// privilege of its own (and no default role: none is ever set for it), or
// sets its password again (the server login's may have changed), once per
// process.
func (s *server) ensurePoolLogin(ctx context.Context) error {
	s.rolesMu.Lock()
	defer s.rolesMu.Unlock()
	if s.poolReady {
		return nil
	}
	// Hex only: the password needs no quoting.
	for _, stmt := range []string{
		"CREATE USER IF NOT EXISTS '" + s.poolUser + "'@'%' IDENTIFIED BY '" + s.poolPassword + "'",
		"ALTER USER '" + s.poolUser + "'@'%' IDENTIFIED BY '" + s.poolPassword + "'",
	} {
		if _, err := s.pool.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("tenant pool login %s: %w", s.poolUser, err)
		}
	}
	s.poolReady = true
	return nil
}

// Provisioner creates one schema per tenant on one database server.
type Provisioner struct {
	*Tenants
	sqltenant.Warm
	srv      *server
	migrator *sqltenant.Migrator
	logger   *zap.Logger
}

// NewProvisioner returns the provisioner of the control database's server
// (On gives the others') that applies schemas (every
// module's, kernel.Schemas) after the kernel's own tables and gives each counted resource (kernel.Tables)
// its usage counter. It uses the control pool for DDL and a short-lived
// connection into each schema to migrate it.
func NewProvisioner(ts *Tenants, schemas []kernel.TenantSchema, counted map[core.Resource]string, logger *zap.Logger) (*Provisioner, error) {
	m, err := sqltenant.NewMigrator(dialect{}, schemas, counted)
	if err != nil {
		return nil, err
	}
	return (&Provisioner{Tenants: ts, srv: ts.servers[0], migrator: m, logger: logger.With(zap.String("server", core.DefaultServer))}).withWarm(), nil
}

// On returns the provisioner of the server named name, with p's schemas.
func (p *Provisioner) On(name string) (*Provisioner, error) {
	srv, err := p.server(name)
	if err != nil {
		return nil, err
	}
	return (&Provisioner{Tenants: p.Tenants, srv: srv, migrator: p.migrator, logger: p.logger.With(zap.String("server", name))}).withWarm(), nil
}

// Name returns the schema name of tenant t.
func (p *Provisioner) Name(t core.Tenant) string { return p.DatabaseName(t.ID) }

// Create creates the tenant's empty schema, marked as this installation's
// for t. Returns core.Conflict if it exists already: a schema that is not
// ours is never adopted.
func (p *Provisioner) Create(ctx context.Context, t core.Tenant) (string, error) {
	name := p.DatabaseName(t.ID)
	if _, err := p.srv.pool.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		var me *mysqldrv.MySQLError
		if errors.As(err, &me) && me.Number == 1007 {
			return "", core.Errorf(core.Conflict, "database %s already exists", name)
		}
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	h := p.srv.handleOf(name)
	if err := sqltenant.WriteMarker(ctx, h, core.DatabaseMarker{Installation: p.installation, TenantID: t.ID}); err != nil {
		_, _ = p.srv.pool.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS `"+name+"`")
		return "", err
	}
	return name, nil
}

func (s *server) handleOf(name string) sqltenant.Handle {
	return sqltenant.Handle{DB: s.pool, Qualifier: "`" + name + "`.", Database: name}
}

// Marker returns what the tenant-looking schema database says about its
// owner; the zero marker when it has none.
func (p *Provisioner) Marker(ctx context.Context, database string) (core.DatabaseMarker, error) {
	if !p.owns(database) {
		return core.DatabaseMarker{}, fmt.Errorf("%q is not a tenant database of prefix %q", database, p.prefix)
	}
	return sqltenant.ReadMarker(ctx, p.srv.handleOf(database), dialect{})
}

// Version is the tenant schema version Migrate brings a schema to.
func (p *Provisioner) Version() int64 { return p.migrator.Version() }

// Migrate applies the pending tenant migrations to t's schema, one
// migration of a schema at a time across every process (a named lock on the
// server). Its marker is read under that lock, before anything changes: a
// schema made before markers existed is marked as t's first; one marked by
// another installation or for another tenant is refused.
func (p *Provisioner) Migrate(ctx context.Context, t core.Tenant) error {
	if !p.owns(t.Database) {
		return fmt.Errorf("tenant %d has no database of prefix %q", t.ID, p.prefix)
	}
	start := time.Now()
	changed, err := p.migrate(ctx, t)
	if err != nil {
		return err
	}
	if changed {
		p.logger.Info("tenant database migrated", zap.Int64("tenant_id", t.ID), zap.String("database", t.Database), zap.Duration("took", time.Since(start)))
	}
	return nil
}

// Provision is Create then Migrate, dropping the schema again if migrating fails.
func (p *Provisioner) Provision(ctx context.Context, t core.Tenant) (string, error) {
	name, err := p.Create(ctx, t)
	if err != nil {
		return "", err
	}
	t.Database = name
	if err := p.Migrate(ctx, t); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if derr := p.Drop(cctx, t); derr != nil {
			p.logger.Error("drop half-made tenant database", zap.String("database", name), zap.Error(derr))
		}
		return "", err
	}
	return name, nil
}

// migrate runs the migration of t's schema on a kept connection: USE,
// the lock, then the migrator's own statements (the marker first).
func (p *Provisioner) migrate(ctx context.Context, t core.Tenant) (changed bool, err error) {
	err = p.withMigrationLock(ctx, t.Database, func(db *sql.DB) error {
		changed, err = p.migrator.MigrateOwned(ctx, db, sqltenant.Owner{Installation: p.installation, Tenant: t, Name: p.DatabaseName(t.ID)}, dialect{})
		return err
	})
	return changed, err
}

// withMigrationLock runs fn on a migration connection into schema name
// while it holds the schema's migration lock.
func (p *Provisioner) withMigrationLock(ctx context.Context, name string, fn func(db *sql.DB) error) (err error) {
	db, err := p.migrationConn()
	if err != nil {
		return err
	}
	defer func() { p.putMigrationConn(db, err) }()
	if _, err := db.ExecContext(ctx, "USE `"+name+"`"); err != nil {
		return fmt.Errorf("use %s: %w", name, err)
	}
	// Replicas migrating the same tenant at once (at start, and on its
	// first request after an upgrade) take turns; the second then finds
	// nothing left to do.
	var got sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", "saasd_migrate_"+name).Scan(&got); err != nil {
		return fmt.Errorf("lock %s for migration: %w", name, err)
	}
	if got.Int64 != 1 {
		return fmt.Errorf("lock %s for migration: another migration holds it", name)
	}
	defer func() {
		if _, rerr := db.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", "saasd_migrate_"+name); rerr != nil && err == nil {
			err = fmt.Errorf("unlock %s after migration: %w", name, rerr)
		}
	}()
	return fn(db)
}

// migrationConn returns a pool of one connection to p's server for one
// migration at a time. They are kept between migrations (up to
// keptMigrationConns of them per server), so that a fleet migration
// connects once per worker, not once per tenant; each migration first
// selects its schema with USE. A pool whose connection broke mid-way
// reconnects with no schema selected, so a statement after that fails
// instead of reaching another schema.
func (p *Provisioner) migrationConn() (*sql.DB, error) {
	select {
	case db := <-p.srv.migrationConns:
		return db, nil
	default:
	}
	mc := p.srv.mc.Clone()
	mc.DBName = ""
	if mc.Timeout == 0 {
		mc.Timeout = 5 * time.Second
	}
	// Tenant 0: the connection serves one tenant after another.
	db, err := p.open.Open("mysql", mc.FormatDSN(), 0)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(10 * time.Second)
	return db, nil
}

// putMigrationConn keeps db for the next migration on p's server, unless
// the migration failed (its session may hold a half-done state) or enough
// are kept.
func (p *Provisioner) putMigrationConn(db *sql.DB, err error) {
	if err == nil {
		select {
		case p.srv.migrationConns <- db:
			return
		default:
		}
	}
	db.Close()
}

// keptMigrationConns is how many idle migration connections are kept per
// server: as many as the widest fleet migration runs at once.
const keptMigrationConns = 64

// Drop drops the tenant's schema, only when its marker says it is this
// installation's for t (or it is unmarked and named for t); one already
// gone is no error.
func (p *Provisioner) Drop(ctx context.Context, t core.Tenant) error {
	if !p.owns(t.Database) {
		return fmt.Errorf("refusing to drop %q: not a tenant database of prefix %q", t.Database, p.prefix)
	}
	if ok, err := p.exists(ctx, t.Database); err != nil || !ok {
		return err // gone already (a claimed warm schema is not named for t: only its existence says so)
	}
	m, err := p.Marker(ctx, t.Database)
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) && me.Number == 1049 { // unknown database: gone already
		return nil
	} else if err != nil {
		return err
	}
	if err := sqltenant.Owns(m, p.installation, t, p.DatabaseName(t.ID)); err != nil {
		return fmt.Errorf("refusing to drop: %w", err)
	}
	if _, err := p.srv.pool.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+t.Database+"`"); err != nil {
		return fmt.Errorf("drop database %s: %w", t.Database, err)
	}
	p.logger.Info("tenant database dropped", zap.Int64("tenant_id", t.ID), zap.String("database", t.Database))
	return nil
}

// Databases lists the tenant schemas on the server.
func (p *Provisioner) Databases(ctx context.Context) ([]string, error) {
	return p.owned(ctx, "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ?")
}

var _ ports.DatabaseUsers = (*Provisioner)(nil)

// userName is the login of tenant t: its database's name, which holds only
// [a-z0-9_] by construction.
func (p *Provisioner) userName(t core.Tenant) string { return p.DatabaseName(t.ID) }

// CreateUser creates t's login with a random password and grants it every
// privilege on t's schema and nothing else.
func (p *Provisioner) CreateUser(ctx context.Context, t core.Tenant) (string, string, error) {
	if !p.owns(t.Database) {
		return "", "", fmt.Errorf("tenant %d has no database of prefix %q", t.ID, p.prefix)
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	// Hex only, so the password needs no quoting inside the statement.
	password := hex.EncodeToString(b)
	user := p.userName(t)
	if _, err := p.srv.pool.ExecContext(ctx, "CREATE USER '"+user+"'@'%' IDENTIFIED BY '"+password+"'"); err != nil {
		var me *mysqldrv.MySQLError
		if errors.As(err, &me) && me.Number == 1396 {
			return "", "", core.Errorf(core.Conflict, "database user %s already exists", user)
		}
		return "", "", fmt.Errorf("create user %s: %w", user, err)
	}
	if _, err := p.srv.pool.ExecContext(ctx, "GRANT ALL PRIVILEGES ON `"+t.Database+"`.* TO '"+user+"'@'%'"); err != nil {
		_, _ = p.srv.pool.ExecContext(context.WithoutCancel(ctx), "DROP USER IF EXISTS '"+user+"'@'%'")
		return "", "", fmt.Errorf("grant %s to %s: %w", t.Database, user, err)
	}
	if p.srv.pools != nil && p.srv.pools.roles != nil {
		if err := p.srv.grantRole(ctx, t.Database, user); err != nil {
			_, _ = p.srv.pool.ExecContext(context.WithoutCancel(ctx), "DROP USER IF EXISTS '"+user+"'@'%'")
			return "", "", err
		}
	}
	return user, password, nil
}

// DropUser removes t's login.
func (p *Provisioner) DropUser(ctx context.Context, t core.Tenant) error {
	if p.srv.pools != nil {
		p.srv.pools.forget(t)
	}
	return p.DropUserNamed(ctx, p.userName(t))
}

// DropUserNamed removes a tenant login by name; it refuses any other name.
func (p *Provisioner) DropUserNamed(ctx context.Context, name string) error {
	if !p.owns(name) {
		return fmt.Errorf("refusing to drop login %q: not a tenant login of prefix %q", name, p.prefix)
	}
	if _, err := p.srv.pool.ExecContext(ctx, "DROP USER IF EXISTS '"+name+"'@'%'"); err != nil {
		return fmt.Errorf("drop user %s: %w", name, err)
	}
	// Its role too (tenant roles exist only with Config.Roles; a server
	// without roles has nothing to drop).
	if p.srv.pools != nil && p.srv.pools.roles != nil {
		if _, err := p.srv.pool.ExecContext(ctx, "DROP ROLE IF EXISTS `"+roleOf(name)+"`"); err != nil {
			return fmt.Errorf("drop role %s: %w", roleOf(name), err)
		}
		p.srv.rolesMu.Lock()
		delete(p.srv.readyRoles, roleOf(name))
		p.srv.rolesMu.Unlock()
	}
	return nil
}

// Users lists the tenant logins on the server.
func (p *Provisioner) Users(ctx context.Context) ([]string, error) {
	return p.owned(ctx, "SELECT DISTINCT user FROM mysql.user WHERE user LIKE ?")
}

// owned runs query, which selects one name column with LIKE ? on the
// prefix, and keeps the names that are exactly the prefix and an ID.
func (p *Provisioner) owned(ctx context.Context, query string) ([]string, error) {
	rows, err := p.srv.pool.QueryContext(ctx, query, strings.ReplaceAll(p.prefix, "_", `\_`)+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if p.owns(n) {
			names = append(names, n)
		}
	}
	return names, rows.Err()
}

// Migrate applies the kernel's tenant tables and then schemas to db, a
// connection into one tenant schema, as Provisioner.Migrate does; bench
// uses it to time goose alone.
func Migrate(ctx context.Context, db *sql.DB, schemas []kernel.TenantSchema) error {
	m, err := sqltenant.NewMigrator(dialect{}, schemas, nil)
	if err != nil {
		return err
	}
	return m.Migrate(ctx, db)
}

// exists reports whether the schema name is on the server.
func (p *Provisioner) exists(ctx context.Context, name string) (bool, error) {
	var n int
	if err := p.srv.pool.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n); err != nil {
		return false, fmt.Errorf("look for database %s: %w", name, err)
	}
	return n > 0, nil
}
