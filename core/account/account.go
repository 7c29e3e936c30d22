// Package account is the tenant side's front door: public signup, which
// creates and provisions a tenant with its first admin; login and logout of
// a tenant's users; and resolving the tenant and user of a request.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/ports"
)

// TokenPrefix starts every tenant session token.
const TokenPrefix = "saasd_t_"

// KeyPrefix starts every tenant API key, so that a Bearer token says which
// of the two it is.
const KeyPrefix = "saasd_k_"

// MaxAPIKeys is how many live API keys a tenant may have.
const MaxAPIKeys = 50

// Config configures the service.
type Config struct {
	DefaultPlanID int64         // signup plan when the request names none; 0: the first plan with a trial
	SessionTTL    time.Duration // how long a login lasts
}

// Service signs tenants up and their users in.
type Service struct {
	cfg      Config
	tenants  *tenant.Service
	store    ports.TenantStore
	plans    ports.PlanStore
	accounts ports.UserStore
	keys     ports.APIKeyStore
	hasher   ports.PasswordHasher
	clock    ports.Clock
	// dummy is compared against when an email is unknown, so that a login
	// takes as long whether or not the user exists.
	dummy string
}

// New returns an account service.
func New(cfg Config, tenants *tenant.Service, store ports.TenantStore, plans ports.PlanStore, accounts ports.UserStore, keys ports.APIKeyStore, hasher ports.PasswordHasher, clock ports.Clock) (*Service, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 30 * 24 * time.Hour
	}
	dummy, err := hasher.Hash("not-a-real-password-1")
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, tenants: tenants, store: store, plans: plans, accounts: accounts, keys: keys, hasher: hasher, clock: clock, dummy: dummy}, nil
}

// Signup is a public registration (seed 003's fields).
type Signup struct {
	Name            string
	Email           string
	Mobile          string
	Company         string
	Password        string
	ConfirmPassword string
	Subdomain       string // optional: derived from Company when empty
	PlanID          int64  // optional: the default plan when 0
}

var mobileRE = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{5,19}$`)

// Registered is the outcome of a signup.
type Registered struct {
	Token  string
	Tenant core.Tenant
	User   core.User
}

// Register validates in, creates the tenant on its plan (trial when the plan
// has one), provisions its database with the first user as admin and signs
// that user in. Returns core.Invalid or core.Conflict.
func (s *Service) Register(ctx context.Context, in Signup) (Registered, error) {
	errs := map[string]string{}
	in.Name, in.Company, in.Mobile = strings.TrimSpace(in.Name), strings.TrimSpace(in.Company), strings.TrimSpace(in.Mobile)
	if in.Name == "" {
		errs["name"] = "is required"
	} else if len(in.Name) > 191 {
		errs["name"] = "is too long"
	}
	if in.Company == "" {
		errs["company"] = "is required"
	}
	if !mobileRE.MatchString(in.Mobile) {
		errs["mobile"] = "must be a phone number of 6 to 20 digits"
	}
	if err := core.ValidatePassword(in.Password, in.Email); err != nil {
		errs["password"] = err.Error()
	}
	if in.ConfirmPassword != in.Password {
		errs["c_password"] = "does not match password"
	}
	planID := in.PlanID
	if planID == 0 {
		var err error
		if planID, err = s.defaultPlan(ctx); err != nil {
			return Registered{}, err
		}
	}
	// The tenant's contact needs a first and a last name; a one-word name
	// is both there, while the admin user keeps the name as given.
	first, last, _ := strings.Cut(strings.TrimSpace(in.Name), " ")
	if last = strings.TrimSpace(last); last == "" {
		last = first
	}
	n := core.NewTenant{
		CompanyName: in.Company, Email: in.Email, FirstName: first, LastName: last,
		PlanID: planID, Subdomain: in.Subdomain, Password: in.Password, AdminName: in.Name,
	}
	if n.Subdomain == "" {
		n.Subdomain = s.freeSubdomain(ctx, in.Company)
	}
	n.Normalize()
	if err := n.Validate(); err != nil {
		for f, why := range core.FieldsOf(err) {
			if f == "company_name" {
				f = "company"
			}
			if _, seen := errs[f]; !seen && f != "first_name" && f != "last_name" {
				errs[f] = why
			}
		}
	}
	if len(errs) > 0 {
		return Registered{}, core.InvalidFields(errs)
	}
	created, err := s.tenants.CreateWithAdmin(ctx, n)
	if err != nil {
		return Registered{}, err
	}
	token, err := s.startSession(ctx, created.Tenant, created.Admin.ID)
	if err != nil {
		return Registered{}, err
	}
	return Registered{Token: token, Tenant: created.Tenant, User: created.Admin}, nil
}

func (s *Service) defaultPlan(ctx context.Context) (int64, error) {
	if s.cfg.DefaultPlanID != 0 {
		return s.cfg.DefaultPlanID, nil
	}
	plans, err := s.plans.Plans(ctx)
	if err != nil {
		return 0, err
	}
	for _, p := range plans {
		if p.TrialEnabled {
			return p.ID, nil
		}
	}
	if len(plans) > 0 {
		return plans[0].ID, nil
	}
	return 0, core.InvalidFields(map[string]string{"plan_id": "no plan is available for signup yet"})
}

var nonLabel = regexp.MustCompile(`[^a-z0-9]+`)

// freeSubdomain derives a subdomain from a company name that is not taken
// yet: "Acme Corp" -> "acme-corp", then "acme-corp-2", …
func (s *Service) freeSubdomain(ctx context.Context, company string) string {
	base := strings.Trim(nonLabel.ReplaceAllString(strings.ToLower(company), "-"), "-")
	if len(base) > 40 {
		base = strings.Trim(base[:40], "-")
	}
	if base == "" || base[0] < 'a' || base[0] > 'z' {
		base = "t-" + base
	}
	for len(base) < 3 {
		base += "x"
	}
	candidate := base
	for i := 2; i < 12; i++ {
		if core.ValidateSubdomain(candidate) == nil {
			if _, err := s.store.TenantBySubdomain(ctx, candidate); core.KindOf(err) == core.NotFound {
				return candidate
			}
		}
		candidate = fmt.Sprintf("%s-%d", base, i)
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%x", base, b)
}

// Resolve returns the tenant a tenant-side request is for, if it may be
// served. Returns core.NotFound for no such tenant and core.Forbidden for a
// suspended, expired or not yet ready one.
func (s *Service) Resolve(ctx context.Context, subdomain string) (core.Tenant, error) {
	if core.ValidateSubdomain(subdomain) != nil {
		return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
	}
	t, err := s.store.TenantBySubdomain(ctx, subdomain)
	if err != nil {
		if core.KindOf(err) == core.NotFound {
			return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
		}
		return core.Tenant{}, err
	}
	now := s.clock.Now()
	switch {
	case t.Gone():
		return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
	case t.Status == core.StatusProvisioning:
		return core.Tenant{}, core.Errorf(core.Forbidden, "tenant is still being set up")
	case t.Status == core.StatusInactive && t.SuspendedBy == "expiry":
		return core.Tenant{}, core.Errorf(core.Forbidden, "tenant subscription has expired; renew it to continue")
	case t.Status == core.StatusInactive:
		return core.Tenant{}, core.Errorf(core.Forbidden, "tenant is suspended; contact support")
	case !t.Serving(now):
		return core.Tenant{}, core.Errorf(core.Forbidden, "tenant subscription has expired; renew it to continue")
	}
	// After an upgrade, a tenant the fleet migration has not reached yet is
	// migrated now rather than served on a stale schema.
	return s.tenants.Current(ctx, t)
}

// Login checks a user's email and password and starts a session.
// Returns core.Unauthorized with one message for a wrong email or password.
func (s *Service) Login(ctx context.Context, t core.Tenant, email, password string) (string, core.User, error) {
	email = strings.TrimSpace(email)
	if email == "" || password == "" {
		return "", core.User{}, core.InvalidFields(map[string]string{"email": "is required", "password": "is required"})
	}
	u, hash, err := s.accounts.UserByEmail(ctx, t, email)
	if core.KindOf(err) == core.NotFound {
		_ = s.hasher.Compare(s.dummy, password)
		return "", core.User{}, core.Errorf(core.Unauthorized, "invalid email or password")
	} else if err != nil {
		return "", core.User{}, err
	}
	if err := s.hasher.Compare(hash, password); err != nil {
		return "", core.User{}, err
	}
	token, err := s.startSession(ctx, t, u.ID)
	return token, u, err
}

func (s *Service) startSession(ctx context.Context, t core.Tenant, userID int64) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	if err := s.accounts.CreateSession(ctx, t, userID, hash(token), s.clock.Now().Add(s.cfg.SessionTTL)); err != nil {
		return "", err
	}
	return token, nil
}

// Authenticate returns the user of a session token or an API key of
// tenant t. A token of another tenant is not in t's database, so it fails
// here; so does a revoked key, at once. A key acts for its user, as staff
// when it was made for staff. Returns core.Unauthorized.
func (s *Service) Authenticate(ctx context.Context, t core.Tenant, token string) (core.User, error) {
	invalid := core.Errorf(core.Unauthorized, "invalid or expired token")
	if len(token) > 200 {
		return core.User{}, invalid
	}
	var u core.User
	var err error
	switch {
	case strings.HasPrefix(token, TokenPrefix):
		u, err = s.accounts.UserBySession(ctx, t, hash(token), s.clock.Now())
	case strings.HasPrefix(token, KeyPrefix):
		var k core.APIKey
		u, k, err = s.keys.UserByAPIKey(ctx, t, hash(token), s.clock.Now())
		if core.CanonicalRole(k.Role) == core.RoleStaff {
			u.Role = core.RoleStaff
		}
	default:
		return core.User{}, invalid
	}
	if core.KindOf(err) == core.NotFound {
		return core.User{}, invalid
	}
	u.Role = core.CanonicalRole(u.Role)
	return u, err
}

// CreateKey makes an API key named name for user u of tenant t, acting with
// role (u's own when empty; staff or administrator, never more than u's),
// and returns its secret, which is not stored and cannot be shown again.
// Returns core.Invalid or core.Conflict (too many live keys).
func (s *Service) CreateKey(ctx context.Context, t core.Tenant, u core.User, name, role string) (string, core.APIKey, error) {
	errs := map[string]string{}
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		errs["name"] = "is required, at most 100 characters"
	}
	own := core.CanonicalRole(u.Role)
	if role == "" {
		role = own
	}
	switch role = core.CanonicalRole(role); {
	case role != core.RoleAdmin && role != core.RoleStaff:
		errs["role"] = "must be " + core.RoleAdmin + " (or admin) or " + core.RoleStaff
	case role == core.RoleAdmin && own != core.RoleAdmin:
		errs["role"] = "cannot be more than your own role"
	}
	if len(errs) > 0 {
		return "", core.APIKey{}, core.InvalidFields(errs)
	}
	keys, err := s.keys.APIKeys(ctx, t)
	if err != nil {
		return "", core.APIKey{}, err
	}
	live := 0
	for _, k := range keys {
		if k.RevokedAt == nil {
			live++
		}
	}
	if live >= MaxAPIKeys {
		return "", core.APIKey{}, core.Errorf(core.Conflict, "a tenant may have at most %d live API keys; revoke one first", MaxAPIKeys)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", core.APIKey{}, err
	}
	secret := KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	k := core.APIKey{Name: name, Hint: secret[:len(KeyPrefix)+4], UserID: u.ID, Role: role, CreatedAt: s.clock.Now().UTC()}
	if err := s.keys.CreateAPIKey(ctx, t, &k, hash(secret)); err != nil {
		return "", core.APIKey{}, err
	}
	return secret, k, nil
}

// Keys returns the tenant's API keys, revoked ones too, newest first.
func (s *Service) Keys(ctx context.Context, t core.Tenant) ([]core.APIKey, error) {
	return s.keys.APIKeys(ctx, t)
}

// RevokeKey revokes an API key: the next request with it is refused.
// Returns core.NotFound.
func (s *Service) RevokeKey(ctx context.Context, t core.Tenant, id int64) error {
	return s.keys.RevokeAPIKey(ctx, t, id, s.clock.Now())
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, t core.Tenant, token string) error {
	return s.accounts.DeleteSession(ctx, t, hash(token))
}

// SessionHash is what a session token is known by in the tenant's
// database (core.WithSession carries it through a request).
func SessionHash(token string) []byte { return hash(token) }

func hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
