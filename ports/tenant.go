// The ports of core/tenant: the control database's tenants, the tenant
// databases themselves, and what provisioning records and seals.
package ports

import (
	"context"
	"io"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
)

// TenantStore keeps tenants in the control database.
type TenantStore interface {
	// CreateTenant inserts t and sets its ID and timestamps. Returns
	// core.Conflict if the subdomain is taken.
	CreateTenant(ctx context.Context, t *core.Tenant) error
	// Tenant returns one tenant with its plan name. Returns core.NotFound.
	Tenant(ctx context.Context, id int64) (core.Tenant, error)
	// TenantBySubdomain returns the tenant with the given subdomain. Returns core.NotFound.
	TenantBySubdomain(ctx context.Context, subdomain string) (core.Tenant, error)
	// Tenants returns one page of tenants, newest first, and the total matching f.
	Tenants(ctx context.Context, f core.TenantFilter) ([]core.Tenant, int64, error)
	// UpdateTenant loads the tenant, applies fn and saves the result in one
	// transaction. Returns core.NotFound, or fn's error unchanged.
	UpdateTenant(ctx context.Context, id int64, fn func(*core.Tenant) error) (core.Tenant, error)
	// DeleteTenant removes the tenant row. Returns core.NotFound.
	DeleteTenant(ctx context.Context, id int64) error
}

// ServerLoad counts the tenants placed on each database server, for
// placing the next one.
type ServerLoad interface {
	// TenantsPerServer counts every tenant row (whatever its status: each
	// holds or will hold a database) by its server's name.
	TenantsPerServer(ctx context.Context) (map[string]int64, error)
	// LockPlacement waits until this replica is the only one of the
	// installation placing a tenant, and returns the release; a dead
	// holder's turn ends with it. Returns core.Unavailable when the wait
	// is too long.
	LockPlacement(ctx context.Context) (unlock func(), err error)
}

// DatabaseCopier copies a tenant database between database servers, for
// moving a tenant (MySQL).
type DatabaseCopier interface {
	// CopyRows copies the rows of every table of from.Database (on
	// from.Server) into to.Database (on to.Server), whose tables exist at
	// the same schema version and are emptied first; every row is read
	// from one consistent snapshot of the source.
	CopyRows(ctx context.Context, from, to core.Tenant) (core.CopyStats, error)
	// Checksums returns each table's row count and checksum, read now.
	Checksums(ctx context.Context, t core.Tenant) (map[string]core.TableSum, error)
}

// SchemaVersions is an optional capability of a TenantStore (found by type
// assertion): the fleet migration's bookkeeping for many tenants in one
// statement, instead of a transaction (and a commit) per tenant.
type SchemaVersions interface {
	// SetSchemaVersion records that the databases of tenants ids are at
	// version, clearing their last migration error.
	SetSchemaVersion(ctx context.Context, ids []int64, version int64) error
}

// Provisioner creates and removes the database that belongs to one tenant.
// Its steps are separate so that the provisioning saga can record, retry and
// undo each one. Ownership is recorded, never inferred from a name: every
// database it creates carries a marker (this installation, the tenant), and
// it drops or migrates nothing whose marker says otherwise.
type Provisioner interface {
	// Name returns the name t's database has or will have.
	Name(t core.Tenant) string
	// Create creates t's empty database, marked as this installation's for
	// t, and returns its name. Returns core.Conflict if it exists already
	// (it is never adopted).
	Create(ctx context.Context, t core.Tenant) (database string, err error)
	// Migrate applies the pending tenant migrations to t.Database; running
	// it again applies nothing. A database made before markers existed is
	// marked as t's first; one marked for anyone else is refused.
	Migrate(ctx context.Context, t core.Tenant) error
	// Version is the schema version Migrate brings a database to.
	Version() int64
	// Drop removes t.Database when its marker says it is t's (or it is
	// unmarked and named for t); a database that is already gone is no error.
	Drop(ctx context.Context, t core.Tenant) error
	// Databases lists the databases that are named like tenant databases.
	Databases(ctx context.Context) ([]string, error)
	// Marker reads what a tenant-looking database says about its owner;
	// the zero marker when it has none.
	Marker(ctx context.Context, database string) (core.DatabaseMarker, error)
}

// DatabaseUsers is an optional capability of a Provisioner (found by type
// assertion, like database/sql/driver's optional interfaces): a database
// login per tenant with rights on that tenant's database only.
type DatabaseUsers interface {
	// CreateUser creates t's login with a random password and grants it
	// t.Database alone. Returns the user name and the password.
	CreateUser(ctx context.Context, t core.Tenant) (user, password string, err error)
	// DropUser removes t's login; one already gone is no error.
	DropUser(ctx context.Context, t core.Tenant) error
	// Users lists the logins that are named like tenant logins.
	Users(ctx context.Context) ([]string, error)
	// DropUserNamed removes a login named like a tenant login.
	DropUserNamed(ctx context.Context, name string) error
}

// UsageCounter counts what a tenant has stored, per limited resource, in the
// tenant's own database.
type UsageCounter interface {
	Count(ctx context.Context, t core.Tenant) (map[core.Resource]int64, error)
}

// UsageRecounter repairs a tenant's usage counters from the rows of its
// tables, for after rows were changed by hand.
type UsageRecounter interface {
	// Recount returns the counters it changed.
	Recount(ctx context.Context, t core.Tenant) ([]quota.Change, error)
}

// ProvisioningLog records each step of provisioning a tenant and of undoing
// it, so that an operator (and reconcile) can see how far it got.
type ProvisioningLog interface {
	RecordStep(ctx context.Context, s core.ProvisioningStep) error
	// RecordSteps appends several steps at once (one insert), for a saga
	// short enough to be logged when it is over.
	RecordSteps(ctx context.Context, steps []core.ProvisioningStep) error
	Steps(ctx context.Context, tenantID int64) ([]core.ProvisioningStep, error)
}

// Sealer encrypts secrets kept in the control database.
type Sealer interface {
	Seal(plaintext string) (string, error)
	Open(sealed string) (string, error)
}

// Exporter writes a tenant's data out of its own database.
type Exporter interface {
	// Export writes every row of every table of t.Database to w as JSON
	// lines: {"table": "...", "row": {...}}. Unless secrets is set, the
	// credentials are left out: the sessions table and every column that
	// holds a password hash, a token hash or a secret.
	Export(ctx context.Context, t core.Tenant, w io.Writer, secrets bool) error
}

// PlanChanges moves a tenant to another plan, the one way billing does it
// (prorated, recorded in the subscription's lifecycle), whichever endpoint
// asks for it.
type PlanChanges interface {
	// ChangePlan moves the tenant to planID and applies edit (nil: none) to
	// it, in one transaction that also records the audit entry ctx carries
	// (core.WithAudit), so that a tenant update with a plan is one change.
	// Returns core.NotFound, core.Invalid (no such plan) or edit's error.
	ChangePlan(ctx context.Context, tenantID, planID int64, edit func(*core.Tenant) error) error
}

// Leases hands a named lease to one holder at a time, so that one replica
// runs what all of them could (the fleet migration at start).
type Leases interface {
	// Lease takes or renews the lease for holder until ttl passes; false
	// when another holder has it.
	Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// Tracer marks where a unit of the tenant service's own work begins and
// ends (a provisioning saga step, a tenant migration), for an adapter to
// record as a span; the service works the same without one. The units a
// port already bounds (SQL, HTTP) are traced by the adapters themselves.
type Tracer interface {
	// Start begins the unit name for tenant tenantID (0: no one tenant)
	// under whatever ctx carries, and returns the context the unit runs in
	// and the function that ends it with the unit's error (nil: success).
	Start(ctx context.Context, name string, tenantID int64) (context.Context, func(error))
}

// WarmPool keeps the entries of the warm pool (databases made ahead of any
// tenant) in the control database. Every change of state is conditional on
// the state before it, so that two processes never own one entry.
type WarmPool interface {
	// AddWarm records a new entry on server in state creating, its
	// database named name(id) from the entry's own ID.
	AddWarm(ctx context.Context, server string, name func(id int64) string) (core.WarmDatabase, error)
	// SetWarm moves entry id from state from to state to at schema
	// version version. Returns core.Conflict when the entry is not in from
	// (someone else took it), core.NotFound when it is gone.
	SetWarm(ctx context.Context, id int64, from, to core.WarmState, version int64) error
	// CreateClaiming inserts t (as TenantStore.CreateTenant does, on
	// t.Server) and claims for it one ready entry of t.Server at version, in
	// one transaction: t.Database names the entry's database from the
	// start, and no entry is ever given to two tenants however many claim
	// at once. Returns core.NotFound when none is ready (nothing is
	// inserted then), core.Conflict if the subdomain is taken.
	CreateClaiming(ctx context.Context, t *core.Tenant, version int64) (core.WarmDatabase, error)
	// WarmDatabases lists the entries of server ("" for every server), oldest first.
	WarmDatabases(ctx context.Context, server string) ([]core.WarmDatabase, error)
	// DeleteWarm removes entry id; one already gone is no error.
	DeleteWarm(ctx context.Context, id int64) error
}

// WarmDatabases is an optional capability of a Provisioner: the databases
// of the warm pool. They are named from the entry's ID (never from client
// text), marked as this installation's and no tenant's until Bind.
type WarmDatabases interface {
	// WarmName returns the name of the database of warm pool entry id.
	WarmName(id int64) string
	// CreateWarm creates database, marks it as this installation's and no
	// tenant's and migrates it to Version. On error nothing is left behind.
	// Returns core.Conflict if it exists already (it is never adopted).
	CreateWarm(ctx context.Context, database string) error
	// MigrateWarm applies pending migrations to an unclaimed warm database.
	MigrateWarm(ctx context.Context, database string) error
	// Bind marks the warm database t.Database as t's. Refused unless its
	// marker says this installation's and no tenant's (or t's already).
	Bind(ctx context.Context, t core.Tenant) error
	// DropWarm drops a warm database marked as this installation's and
	// either no tenant's or tenantID's; one already gone is no error.
	DropWarm(ctx context.Context, database string, tenantID int64) error
}
