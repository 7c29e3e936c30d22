// Package ports declares the interfaces the core consumes. Adapters implement
// them; each method names the error kinds it returns (see core.Kind).
package ports

import (
	"context"
	"io"
	"io/fs"
	"time"

	"github.com/saasd/saasd/core"
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

// PlanStore keeps plans in the control database.
type PlanStore interface {
	// CreatePlan inserts p and sets its ID and timestamps. Returns core.Conflict
	// if the name is taken.
	CreatePlan(ctx context.Context, p *core.Plan) error
	// Plan returns one plan. Returns core.NotFound.
	Plan(ctx context.Context, id int64) (core.Plan, error)
	// Plans returns every plan, in ID order.
	Plans(ctx context.Context) ([]core.Plan, error)
	// UpdatePlan loads the plan, applies fn and saves the result in one
	// transaction. Returns core.NotFound, core.Conflict on a taken name, or fn's error.
	UpdatePlan(ctx context.Context, id int64, fn func(*core.Plan) error) (core.Plan, error)
	// DeletePlan removes a plan. Returns core.NotFound, or core.Conflict while
	// any tenant is on it.
	DeletePlan(ctx context.Context, id int64) error
}

// TokenStore keeps superadmin API tokens; it never sees a secret, only its hash.
type TokenStore interface {
	// CreateToken inserts t with the hash of its secret. Returns core.Conflict
	// if the name is taken by a token that is not revoked.
	CreateToken(ctx context.Context, t *core.APIToken, hash []byte) error
	// TokenByHash returns the live (not revoked) token with that hash. Returns core.NotFound.
	TokenByHash(ctx context.Context, hash []byte) (core.APIToken, error)
	// Tokens returns every token, revoked ones included.
	Tokens(ctx context.Context) ([]core.APIToken, error)
	// RevokeToken revokes the live token with that name. Returns core.NotFound.
	RevokeToken(ctx context.Context, name string, at time.Time) error
	// TouchToken records that the token was used at the given time.
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// Provisioner creates and removes the database that belongs to one tenant.
// Its steps are separate so that the provisioning saga can record, retry and
// undo each one.
type Provisioner interface {
	// Name returns the name t's database has or will have.
	Name(t core.Tenant) string
	// Create creates t's empty database and returns its name. Returns
	// core.Conflict if it exists already (it is never adopted).
	Create(ctx context.Context, t core.Tenant) (database string, err error)
	// Migrate applies the pending tenant migrations to t.Database; running
	// it again applies nothing.
	Migrate(ctx context.Context, t core.Tenant) error
	// Drop removes t.Database; a database that is already gone is no error.
	Drop(ctx context.Context, t core.Tenant) error
	// Databases lists the databases that are named like tenant databases.
	Databases(ctx context.Context) ([]string, error)
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
	Recount(ctx context.Context, t core.Tenant) ([]core.UsageChange, error)
}

// Clock tells the time; tests inject a fixed or advancing one.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to a Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// SystemClock is the wall clock in UTC.
var SystemClock Clock = ClockFunc(func() time.Time { return time.Now().UTC() })

// RateDecision is the outcome of one request against a rate limit.
type RateDecision struct {
	Allowed   bool
	Limit     int
	Remaining int
	Reset     time.Time // when the current window ends
}

// RateLimiter counts requests per key in fixed windows. A shared
// implementation (Redis) lets several replicas enforce one limit.
type RateLimiter interface {
	// Allow records one request for key and says whether it is within limit.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (RateDecision, error)
}

// TenantSchema is one module's tenant tables: an fs.FS with mysql/*.sql and
// sqlite/*.sql goose migrations. Versions are global across modules (name
// files with a timestamp: 20261126000100_customers.sql); every tenant
// database applies all modules' files in version order.
type TenantSchema struct {
	Module     string
	Migrations fs.FS
}

// RecordStore keeps the records of tenant-side modules in the tenant's own
// database. Schemas come from code; values have been validated by
// core.Schema.Decode.
type RecordStore interface {
	// List returns a page of records, newest first, and the total matching q.
	List(ctx context.Context, t core.Tenant, s *core.Schema, q core.ListQuery) ([]core.Record, int64, error)
	// Get returns one record. Returns core.NotFound.
	Get(ctx context.Context, t core.Tenant, s *core.Schema, id int64) (core.Record, error)
	// Create inserts all records or none. When quota is limited, the rows of
	// the table are counted and locked in the same transaction, so parallel
	// creates can never pass the limit. Returns core.QuotaExceeded,
	// core.Invalid (a reference to a missing row) or core.Conflict.
	Create(ctx context.Context, t core.Tenant, s *core.Schema, recs []core.Record, quota core.Quota) ([]core.Record, error)
	// Update changes the given fields of one record. Returns core.NotFound,
	// core.Invalid or core.Conflict.
	Update(ctx context.Context, t core.Tenant, s *core.Schema, id int64, r core.Record) (core.Record, error)
	// Delete removes one record (and its items). Returns core.NotFound.
	Delete(ctx context.Context, t core.Tenant, s *core.Schema, id int64) error
}

// AccountStore keeps a tenant's users' credentials and sessions in the
// tenant's own database.
type AccountStore interface {
	// CreateUser inserts a user with a password hash and sets its ID.
	// Returns core.Conflict if the email is taken.
	CreateUser(ctx context.Context, t core.Tenant, u *core.User, passwordHash string) error
	// UserByEmail returns a user and the hash of their password. Returns core.NotFound.
	UserByEmail(ctx context.Context, t core.Tenant, email string) (core.User, string, error)
	// CreateSession stores the hash of a new session token for a user.
	CreateSession(ctx context.Context, t core.Tenant, userID int64, hash []byte, expires time.Time) error
	// UserBySession returns the user of a live session. Returns core.NotFound.
	UserBySession(ctx context.Context, t core.Tenant, hash []byte, now time.Time) (core.User, error)
	// DeleteSession ends a session; an unknown one is no error.
	DeleteSession(ctx context.Context, t core.Tenant, hash []byte) error
}

// PasswordHasher hashes and checks passwords with a slow, salted hash.
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Compare returns core.Unauthorized when password does not match hash.
	Compare(hash, password string) error
}

// StoredResponse is an answer kept for an idempotent retry.
type StoredResponse struct {
	Status int
	Body   []byte
}

// IdempotencyStore remembers requests sent with an Idempotency-Key.
type IdempotencyStore interface {
	// Begin claims key in scope for a request whose content hashes to hash.
	// It returns nil for a new key (the caller runs the request), or the
	// stored answer of the first request with the same key and content.
	// Returns core.Invalid when the key was used with other content and
	// core.Conflict while the first request is still running.
	Begin(ctx context.Context, scope, key string, hash []byte) (*StoredResponse, error)
	// Complete stores the answer to replay for key.
	Complete(ctx context.Context, scope, key string, r StoredResponse) error
	// Release frees a key whose request failed in a way worth retrying.
	Release(ctx context.Context, scope, key string) error
}

// ProvisioningLog records each step of provisioning a tenant and of undoing
// it, so that an operator (and reconcile) can see how far it got.
type ProvisioningLog interface {
	RecordStep(ctx context.Context, s core.ProvisioningStep) error
	Steps(ctx context.Context, tenantID int64) ([]core.ProvisioningStep, error)
}

// Sealer encrypts secrets kept in the control database.
type Sealer interface {
	Seal(plaintext string) (string, error)
	Open(sealed string) (string, error)
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

// Exporter writes a tenant's data out of its own database.
type Exporter interface {
	// Export writes every row of every table of t.Database to w as JSON
	// lines: {"table": "...", "row": {...}}.
	Export(ctx context.Context, t core.Tenant, w io.Writer) error
}

// Outbox appends events for webhooks outside any other transaction, for
// events whose cause lives in another database (a tenant's).
type Outbox interface {
	Append(ctx context.Context, events ...core.Event) error
}
