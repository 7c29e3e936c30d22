package core

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status is where a tenant stands in its life.
type Status string

// Tenant statuses. Only Active and Trial tenants are served on the tenant
// side; Provisioning and Deleting are transient and never shown as ready.
const (
	StatusProvisioning Status = "provisioning"
	StatusActive       Status = "active"
	StatusTrial        Status = "trial"
	StatusInactive     Status = "inactive"
	StatusDeleting     Status = "deleting"
	StatusFailed       Status = "failed"  // provisioning failed and could not be fully undone; reconcile finishes it
	StatusDeleted      Status = "deleted" // deleted, its database kept until the retention passes
)

// Tenant is one customer of the SaaS with its own database.
type Tenant struct {
	ID          int64
	CompanyName string
	Email       string
	FirstName   string
	LastName    string
	Subdomain   string
	PlanID      int64
	PlanName    string // read-only, joined from the plan
	Limits      Limits // read-only, the plan's limits, joined from the plan
	Status      Status
	Database    string // the tenant's own schema (MySQL) or file (SQLite)
	// Server is the name of the database server Database is on (Server.Name;
	// "" reads as DefaultServer).
	Server string
	// MovingTo names the server the tenant is being copied to: its writes
	// are refused until the move switches it there (or is undone).
	// MovedFrom names the server whose old copy the move still has to drop.
	MovingTo  string
	MovedFrom string
	DBUser    string // the tenant's own database login, when logins per tenant are on
	DBSecret  string // its password, sealed (ports.Sealer); never shown
	StartedAt time.Time
	DeletedAt *time.Time // when a retained deletion happened
	// RestoreSubdomain and RestoreStatus are what a retained deletion
	// took away, for restore.
	RestoreSubdomain string
	RestoreStatus    Status
	ExpiresAt        *time.Time
	// ExpiresOverride is set when the operator set ExpiresAt by hand: the
	// billing worker then suspends at that date instead of moving it along
	// with the paid-up period.
	ExpiresOverride bool
	// SuspendedBy says who made an inactive tenant inactive: "" (the
	// operator), "billing" or "expiry"; only the latter two lift by themselves.
	SuspendedBy string
	NextInvoice *time.Time
	// SchemaVersion is the tenant schema version its database was last
	// migrated to; MigrationError why its last migration failed ("" when
	// it did not).
	SchemaVersion  int64
	MigrationError string
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// Events are written to the outbox by the store in the same transaction
	// that saves the tenant; they are not part of its state.
	Events []Event
}

// Emit records an event to be written with the tenant's next save.
func (t *Tenant) Emit(typ string, at time.Time, data map[string]any) {
	t.Events = append(t.Events, NewEvent(typ, t.ID, at, data))
}

// Moving reports whether a move of the tenant to another database server
// is copying it: it is read-only until the move switches or is undone.
func (t Tenant) Moving() bool { return t.MovingTo != "" }

// Gone reports whether the tenant is deleted for the API: being deleted, or
// deleted and retained.
func (t Tenant) Gone() bool { return t.Status == StatusDeleting || t.Status == StatusDeleted }

// Serving reports whether the tenant's own API may answer at now.
func (t Tenant) Serving(now time.Time) bool {
	if t.Status != StatusActive && t.Status != StatusTrial {
		return false
	}
	return t.ExpiresAt == nil || now.Before(*t.ExpiresAt)
}

// NewTenant is a request to create a tenant.
type NewTenant struct {
	CompanyName string
	Email       string
	FirstName   string
	LastName    string
	PlanID      int64
	Subdomain   string
	Password    string
	// AdminName is the first user's name; empty: first and last name.
	AdminName string
}

// Normalize trims the text fields and lower-cases the subdomain and email
// domain, so that "ACME" and "acme" are the same tenant.
func (n *NewTenant) Normalize() {
	n.CompanyName = strings.TrimSpace(n.CompanyName)
	n.AdminName = strings.TrimSpace(n.AdminName)
	n.Email = strings.TrimSpace(n.Email)
	if at := strings.LastIndex(n.Email, "@"); at >= 0 {
		n.Email = n.Email[:at] + strings.ToLower(n.Email[at:])
	}
	n.FirstName = strings.TrimSpace(n.FirstName)
	n.LastName = strings.TrimSpace(n.LastName)
	n.Subdomain = strings.ToLower(strings.TrimSpace(n.Subdomain))
}

// Validate checks every field and reports all problems at once as Invalid.
func (n NewTenant) Validate() error {
	errs := map[string]string{}
	text := func(field, v string, max int) {
		switch {
		case v == "":
			errs[field] = "is required"
		case len(v) > max:
			errs[field] = "is too long"
		}
	}
	text("company_name", n.CompanyName, 191)
	text("first_name", n.FirstName, 100)
	text("last_name", n.LastName, 100)
	if err := ValidateEmail(n.Email); err != nil {
		errs["email"] = err.Error()
	}
	if n.PlanID <= 0 {
		errs["plan_id"] = "is required"
	}
	if err := ValidateSubdomain(n.Subdomain); err != nil {
		errs["subdomain"] = err.Error()
	}
	if n.Password != "" {
		if err := ValidatePassword(n.Password, n.Email); err != nil {
			errs["password"] = err.Error()
		}
	}
	if len(errs) > 0 {
		return InvalidFields(errs)
	}
	return nil
}

// ValidateEmail accepts a bare address such as "john@example.com".
func ValidateEmail(s string) error {
	if s == "" {
		return Errorf(Invalid, "is required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") || len(s) > 191 {
		return Errorf(Invalid, "must be a valid email address")
	}
	return nil
}

var subdomainRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,61}[a-z0-9]$`)

// reserved are subdomains that belong to the service itself or that name
// a database server's own schemas.
var reserved = map[string]bool{
	"www": true, "api": true, "admin": true, "mail": true, "smtp": true, "imap": true, "pop": true,
	"ftp": true, "ns1": true, "ns2": true, "app": true, "dashboard": true, "status": true,
	"static": true, "assets": true, "cdn": true, "support": true, "help": true, "docs": true,
	"blog": true, "billing": true, "superadmin": true, "root": true, "saas": true, "login": true,
	"register": true, "signup": true, "localhost": true, "mysql": true, "information-schema": true,
	"performance-schema": true, "sys": true, "test": true, "postgres": true, "sqlite": true,
}

// ValidateSubdomain checks that s is a DNS label of 3 to 63 characters of
// a-z, 0-9 and '-', starting with a letter, not ending with '-' and not reserved.
// Names of tenant databases are never built from anything looser.
func ValidateSubdomain(s string) error {
	switch {
	case s == "":
		return Errorf(Invalid, "is required")
	case len(s) < 3 || len(s) > 63:
		return Errorf(Invalid, "must be 3 to 63 characters")
	case !subdomainRE.MatchString(s):
		return Errorf(Invalid, "must be lowercase letters, digits and '-', start with a letter and not end with '-'")
	case reserved[s] || reserved[strings.ReplaceAll(s, "_", "-")] || s == "information_schema" || s == "performance_schema":
		return Errorf(Invalid, "is reserved")
	}
	return nil
}

// TenantUpdate changes a tenant; nil fields stay as they are.
type TenantUpdate struct {
	CompanyName *string
	PlanID      *int64
	Status      *string
}

// TenantFilter selects a page of tenants.
type TenantFilter struct {
	Status  Status // empty for all
	Page    int    // 1-based
	PerPage int
	// SchemaVersion, when set, selects tenants migrated to exactly that
	// version; MigrationFailed those whose last migration failed.
	SchemaVersion   *int64
	MigrationFailed bool
	// Search, when set, selects tenants whose company name, subdomain or
	// email contains it (case-insensitively); Sort orders the page by one of
	// TenantSorts, "-" first for descending (default: newest first).
	Search string
	Sort   string
}

// TenantSorts are the fields a tenant list can be sorted by.
var TenantSorts = []string{"id", "company_name", "subdomain", "email", "status", "plan_id", "created_at"}

// MaxSearchLen bounds a tenant search text.
const MaxSearchLen = 100

// Paging defaults and bounds for tenant lists. MaxPage bounds every paged
// list (tenant-side ones too): a page past it is refused with 422 rather
// than clamped, so that page × per_page never overflows into another page.
const (
	DefaultPerPage = 25
	MaxPerPage     = 100
	MaxPage        = 1_000_000
)

// ValidatePassword is the one password policy, for every path that sets a
// password (signup, a superadmin tenant create with an admin password, a
// tenant user's create and update, a password change): 8 to 72 bytes
// (bcrypt's limit), not the account's email (empty when unknown), with a
// letter and, when shorter than PassphraseLength characters, a digit. Length makes a password strong more than its character
// classes do (NIST SP 800-63B advises against composition rules), so a
// passphrase such as seed 004's "securepassword" needs no digit. Returns
// core.Invalid; the message suits the "password" field.
func ValidatePassword(p, email string) error {
	if len(p) < 8 || len(p) > 72 {
		return Errorf(Invalid, "must be 8 to 72 characters")
	}
	if email != "" && strings.EqualFold(strings.TrimSpace(p), strings.TrimSpace(email)) {
		return Errorf(Invalid, "must not be your email")
	}
	letter, digit := false, false
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsLetter(r):
			letter = true
		}
	}
	if !letter || !digit && utf8.RuneCountInString(p) < PassphraseLength {
		return Errorf(Invalid, "must contain a letter, and a digit unless it is at least %d characters long", PassphraseLength)
	}
	return nil
}

// PassphraseLength is the length from which a password needs no digit.
const PassphraseLength = 12

// Provisioning step outcomes.
const (
	StepDone       = "done"
	StepFailed     = "failed"
	StepUndone     = "undone"
	StepUndoFailed = "undo_failed"
)

// TableSum is what a table holds, compared between the two copies of a
// tenant database during a move: its row count and a checksum of its rows.
type TableSum struct {
	Rows int64
	Sum  string
}

// CopyStats is what copying a tenant database moved.
type CopyStats struct {
	Tables int
	Rows   int64
	Bytes  int64
}

// ProvisioningStep is one recorded step of a tenant's provisioning saga.
type ProvisioningStep struct {
	TenantID int64
	Step     string // create_database, migrate, seed_admin, activate
	Outcome  string // StepDone, StepFailed, StepUndone, StepUndoFailed
	Error    string
	At       time.Time
}

// Installation is this saasd installation, as its control database knows
// it: tenant databases it creates carry its ID in a marker, and are named
// with its tenant prefix unless the operator configured one.
type Installation struct {
	ID           string
	TenantPrefix string
}

// DatabaseMarker is what a tenant database says about its owner: the
// installation that created it, for which tenant. The zero marker is an
// unmarked database (one made before markers existed, or not by saasd).
type DatabaseMarker struct {
	Installation string
	TenantID     int64
}

// WarmDatabase is an entry of the warm pool: a tenant database made ahead
// of any tenant, created, migrated and marked as this installation's and no
// tenant's (marker tenant 0), so that creating a tenant only claims it. It
// keeps its name when claimed: MySQL cannot rename a schema.
type WarmDatabase struct {
	ID            int64
	Server        string // the database server it is on; "default" is database.dsn's
	Database      string
	State         WarmState
	SchemaVersion int64 // the tenant schema version it was migrated to
	TenantID      int64 // the tenant that claimed it; 0 until then
	CreatedAt     time.Time
	UpdatedAt     time.Time // of its last change of state
}

// WarmState is where a warm pool entry is in its life.
type WarmState string

// The states of a warm pool entry. Only a ready entry is claimed; creating,
// migrating and discarding belong to whoever is at work on the entry (and to
// reconcile once that is stale); a claimed entry belongs to its tenant.
const (
	WarmCreating   WarmState = "creating"
	WarmReady      WarmState = "ready"
	WarmMigrating  WarmState = "migrating"
	WarmDiscarding WarmState = "discarding"
	WarmClaimed    WarmState = "claimed"
)
