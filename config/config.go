// Package config loads saasd's configuration from defaults, an optional YAML
// file and SAAS_* environment variables into a typed struct, and validates it.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/spf13/viper"

	"github.com/saasd/saasd/core/egress"
)

// Config is the whole configuration. Keys are documented in CONTRACT.md.
type Config struct {
	HTTP      HTTP      `mapstructure:"http"`
	Database  Database  `mapstructure:"database"`
	Tenants   Tenants   `mapstructure:"tenants"`
	RateLimit RateLimit `mapstructure:"ratelimit"`
	Signup    Signup    `mapstructure:"signup"`
	Billing   Billing   `mapstructure:"billing"`
	Webhooks  Webhooks  `mapstructure:"webhooks"`
	Log       Log       `mapstructure:"log"`
	Console   Console   `mapstructure:"console"`
	Metrics   Metrics   `mapstructure:"metrics"`
	Tracing   Tracing   `mapstructure:"tracing"`
}

// Console configures the web console at /console/.
type Console struct {
	SessionTTL time.Duration `mapstructure:"session_ttl"` // how long a sign-in lasts
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Addr is where GET /metrics answers, a listener of its own so that it
	// stays off the public port; empty: no metrics.
	Addr string `mapstructure:"addr"`
}

// Tracing configures OpenTelemetry tracing.
type Tracing struct {
	// Endpoint is the OTLP/HTTP collector (host:port or URL); empty: off.
	Endpoint    string  `mapstructure:"endpoint"`
	ServiceName string  `mapstructure:"service_name"` // service.name of the spans
	SampleRatio float64 `mapstructure:"sample_ratio"` // share of new traces kept, 0 to 1
}

// HTTP configures the listener.
type HTTP struct {
	Addr           string        `mapstructure:"addr"`
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
	// ReadTimeout bounds reading one request, body included: a client
	// that sends slower is answered 408.
	ReadTimeout time.Duration `mapstructure:"read_timeout"`
	// TrustedProxies are the CIDRs (or addresses) of the reverse proxies
	// whose X-Forwarded-For / X-Real-IP name the client; none by default,
	// so the peer address is the client.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
}

// Database configures the control database.
type Database struct {
	Driver       string `mapstructure:"driver"`
	DSN          string `mapstructure:"dsn"`
	MaxOpenConns int    `mapstructure:"max_open_conns"`
	// MaxTenantConns bounds the connections of every tenant login's pool
	// together (MySQL with tenants.db_users).
	MaxTenantConns int `mapstructure:"max_tenant_conns"`
	// TenantPoolSize bounds the connections of one tenant login's pool:
	// what one busy tenant may have in flight at once. Pools held at once
	// are MaxTenantConns / TenantPoolSize.
	TenantPoolSize int `mapstructure:"tenant_pool_size"`
	MaxIdleConns   int `mapstructure:"max_idle_conns"`
	// Servers are the database servers tenant databases are placed on
	// (MySQL). None: every tenant on the control database's server, as
	// the one server "default", without a limit. With some, only those
	// take new tenants: list "default" (without a dsn) for the control
	// database's server to take some too; unlisted, it keeps serving the
	// tenants it has, as draining.
	Servers []DatabaseServer `mapstructure:"servers"`
}

// DatabaseServer is one entry of database.servers.
type DatabaseServer struct {
	Name     string `mapstructure:"name"`
	DSN      string `mapstructure:"dsn"`      // user:pass@tcp(host:port)/, naming no database
	Capacity int64  `mapstructure:"capacity"` // tenants it may hold
	State    string `mapstructure:"state"`    // active (default) or draining
}

// serverKeys are the keys of a database.servers entry.
var serverKeys = []string{"name", "dsn", "capacity", "state"}

// parseServers reads database.servers from an environment variable:
// entries separated by ",", each of key=value pairs separated by ";", e.g.
// "name=db2;dsn=saasd:pw@tcp(10.0.0.2:3306)/;capacity=500". A DSN that
// holds "," or ";" goes in the config file instead.
func parseServers(raw string) ([]any, error) {
	var out []any
	for i, entry := range strings.Split(raw, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		m := map[string]any{}
		for _, pair := range strings.Split(entry, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if !ok || !slices.Contains(serverKeys, k) {
				return nil, fmt.Errorf("config database.servers: entry %d: %q is not one of %s=VALUE", i+1, pair, strings.Join(serverKeys, "=…, "))
			}
			m[k] = val
		}
		out = append(out, m)
	}
	return out, nil
}

// checkServerKeys reports keys of database.servers entries that are not
// serverKeys: a misspelt capacity would otherwise read as none.
func checkServerKeys(list any) error {
	items, _ := list.([]any)
	var errs []error
	for i, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			errs = append(errs, fmt.Errorf("config database.servers: entry %d is not a map of %s", i+1, strings.Join(serverKeys, ", ")))
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !slices.Contains(serverKeys, k) {
				errs = append(errs, fmt.Errorf("config database.servers: entry %d: unknown key %s (want %s)", i+1, k, strings.Join(serverKeys, ", ")))
			}
		}
	}
	return errors.Join(errs...)
}

// Tenants configures tenant databases and domains.
type Tenants struct {
	BaseDomain string        `mapstructure:"base_domain"`
	DataDir    string        `mapstructure:"data_dir"`
	DBPrefix   string        `mapstructure:"db_prefix"`
	SessionTTL time.Duration `mapstructure:"session_ttl"`
	// ProvisionTimeout is how long a tenant may stay in provisioning or
	// deleting before reconcile takes it for abandoned by a crashed process.
	ProvisionTimeout time.Duration `mapstructure:"provision_timeout"`
	// DeleteRetention keeps a deleted tenant's database this long, during
	// which 'saasd tenants restore' brings it back; 0 drops it at once.
	DeleteRetention time.Duration `mapstructure:"delete_retention"`
	// DBUsers gives each tenant (MySQL) a login with rights on its own
	// schema only; turn it off where the control login lacks CREATE USER.
	DBUsers bool `mapstructure:"db_users"`
	// DBRoles (MySQL, with DBUsers) runs tenant traffic on one pool per
	// server of a shared login with no privilege of its own, each
	// connection set to the tenant's role (granted its schema alone) before
	// each statement: the connections serve every tenant, so a fleet wider
	// than database.max_tenant_conns pays no connection per request. Off
	// by default: isolation then rests on saasd setting the right role, not
	// on the credential, since the shared login may take every tenant's
	// role. Off: each tenant login has pools of its own.
	DBRoles bool `mapstructure:"db_roles"`
	// SecretKeys seal the secrets kept in the control database (tenants'
	// database passwords, stored idempotent answers; AES-256-GCM, base64
	// of 32 bytes each); the first seals, all open, so keys can rotate.
	SecretKeys []string `mapstructure:"secret_keys"`
	// KeyFile holds the key ring when SecretKeys is empty, so saasd starts
	// with driver and DSN alone: a key is generated there at first start
	// (mode 0600) and read on later ones. SecretKeys, if given, win.
	KeyFile string `mapstructure:"key_file"`
	// WarmPool is how many tenant databases serve keeps ready (created,
	// migrated, no tenant's yet) per database server, so that a new
	// tenant claims one instead of waiting for CREATE DATABASE and its
	// migrations; 0: off.
	WarmPool int `mapstructure:"warm_pool"`
}

// Billing configures the billing worker.
type Billing struct {
	GraceDays   int           `mapstructure:"grace_days"`   // unpaid this long after the due date: past_due
	SuspendDays int           `mapstructure:"suspend_days"` // past_due this long: suspended (tenant inactive)
	Interval    time.Duration `mapstructure:"interval"`     // how often serve runs the worker; 0: never
}

// Webhooks configures outbound webhook delivery.
type Webhooks struct {
	Interval time.Duration `mapstructure:"interval"` // how often serve sends due deliveries; 0: never
	Timeout  time.Duration `mapstructure:"timeout"`  // per delivery attempt
	// AllowedCIDRs lists internal ranges (loopback, private, ...) that
	// webhooks may reach anyway, for on-prem receivers; none by default.
	AllowedCIDRs []string `mapstructure:"allowed_cidrs"`
}

// Signup configures public registration.
type Signup struct {
	DefaultPlanID int64 `mapstructure:"default_plan_id"`
}

// RateLimit configures request budgets.
type RateLimit struct {
	RequestsPerMinute     int `mapstructure:"requests_per_minute"`      // per superadmin token
	TenantRequestsPerHour int `mapstructure:"tenant_requests_per_hour"` // per tenant session token
	SignupsPerHour        int `mapstructure:"signups_per_hour"`         // per client IP
	LoginsPerMinute       int `mapstructure:"logins_per_minute"`        // per client IP
	// RedisURL makes every limit shared by the replicas using it (and
	// carries cache invalidations between them); empty: in-process.
	RedisURL string `mapstructure:"redis_url"`
	// RedisFail is what limits do while Redis is down: open (let requests
	// through, logged) or closed (answer 503).
	RedisFail string `mapstructure:"redis_fail"`
}

// Log configures the logger.
type Log struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"`
}

// MaxWarmPool bounds tenants.warm_pool: each ready database is a schema
// (or file) of about twenty tables kept open on the server.
const MaxWarmPool = 1000

// defaults lists every key; SetDefault for each is also what lets SAAS_*
// variables reach Unmarshal for keys the file does not mention.
var defaults = map[string]any{
	"http.addr":                          "127.0.0.1:8080",
	"http.request_timeout":               "30s",
	"http.read_timeout":                  "30s",
	"http.trusted_proxies":               []string{},
	"database.driver":                    "sqlite",
	"database.dsn":                       "data/control.db",
	"database.max_open_conns":            20,
	"database.max_tenant_conns":          100,
	"database.tenant_pool_size":          4,
	"database.max_idle_conns":            20,
	"database.servers":                   []any{},
	"tenants.base_domain":                "localhost",
	"tenants.data_dir":                   "data/tenants",
	"tenants.db_prefix":                  "",
	"tenants.session_ttl":                720 * time.Hour,
	"tenants.provision_timeout":          10 * time.Minute,
	"tenants.db_users":                   true,
	"tenants.db_roles":                   false,
	"tenants.delete_retention":           time.Duration(0),
	"tenants.secret_keys":                []string{},
	"tenants.key_file":                   "data/secret.key",
	"tenants.warm_pool":                  0,
	"ratelimit.requests_per_minute":      100,
	"ratelimit.tenant_requests_per_hour": 1000,
	"ratelimit.signups_per_hour":         20,
	"ratelimit.logins_per_minute":        30,
	"ratelimit.redis_url":                "",
	"ratelimit.redis_fail":               "open",
	"metrics.addr":                       "",
	"tracing.endpoint":                   "",
	"tracing.service_name":               "saasd",
	"tracing.sample_ratio":               1.0,
	"signup.default_plan_id":             0,
	"billing.grace_days":                 7,
	"billing.suspend_days":               14,
	"billing.interval":                   time.Minute,
	"webhooks.interval":                  5 * time.Second,
	"webhooks.timeout":                   10 * time.Second,
	"webhooks.allowed_cidrs":             []string{},
	"log.level":                          "info",
	"log.format":                         "json",
	"console.session_ttl":                12 * time.Hour,
}

// section says whether key k names a known section: one left empty (every
// key below it commented out, as in config.example.yaml) is read by YAML
// as a leaf, which is no misspelling.
func section(k string) bool {
	for d := range defaults {
		if strings.HasPrefix(d, k+".") {
			return true
		}
	}
	return false
}

// Load reads the configuration: defaults, then the YAML file at path (if
// path is not empty), then SAAS_<KEY> environment variables, and validates it.
func Load(path string) (Config, error) {
	v := viper.New()
	for k, val := range defaults {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix("SAAS")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if path != "" {
		v.SetConfigFile(path)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("read config %s: %w", path, err)
		}
		// A misspelt key would otherwise fall back to its default unseen.
		var unknown []error
		for _, k := range v.AllKeys() {
			if _, known := defaults[k]; !known && !section(k) {
				unknown = append(unknown, fmt.Errorf("config %s: unknown key in %s", k, path))
			}
		}
		if len(unknown) > 0 {
			slices.SortFunc(unknown, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
			return Config{}, errors.Join(unknown...)
		}
	}
	// A list of maps from the environment is one string: parsed here.
	switch servers := v.Get("database.servers").(type) {
	case string:
		list, err := parseServers(servers)
		if err != nil {
			return Config{}, err
		}
		v.Set("database.servers", list)
	default:
		if err := checkServerKeys(servers); err != nil {
			return Config{}, err
		}
	}
	var cfg Config
	if err := v.Unmarshal(&cfg); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

var (
	// A login is the prefix and the tenant ID: 20 + 11 digits stay within MySQL's 32.
	prefixRE   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,19}$`)
	hostnameRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// redact hides the password of a URL in error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}

// serverNameRE is what a database server's name looks like: it is
// recorded on each tenant and shown by the API.
var serverNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// validateServers checks database.servers: unique names, a DSN that
// reaches a server (and names no database) for all but "default", a
// capacity, a state, and no server listed twice under two names.
func (c Config) validateServers(bad func(key, format string, args ...any)) {
	if len(c.Database.Servers) == 0 {
		return
	}
	if c.Database.Driver != "mysql" {
		bad("database.servers", "applies to the mysql driver only (sqlite keeps every tenant in a file under tenants.data_dir)")
		return
	}
	names, addrs := map[string]bool{}, map[string]string{}
	if mc, err := mysqldrv.ParseDSN(c.Database.DSN); err == nil {
		addrs[mc.Net+"("+mc.Addr+")"] = "default"
	}
	for i, s := range c.Database.Servers {
		key := fmt.Sprintf("database.servers[%d]", i)
		if s.Name != "" {
			key = fmt.Sprintf("database.servers[%s]", s.Name)
		}
		switch {
		case !serverNameRE.MatchString(s.Name):
			bad(key+".name", "%q must be a lowercase letter then up to 31 of a-z, 0-9, _, -", s.Name)
		case names[s.Name]:
			bad(key+".name", "%q is listed twice", s.Name)
		}
		names[s.Name] = true
		if s.Capacity < 1 {
			bad(key+".capacity", "must be at least 1 (how many tenants the server may hold)")
		}
		switch s.State {
		case "", "active", "draining":
		default:
			bad(key+".state", "%q is not one of active, draining", s.State)
		}
		if s.Name == "default" {
			if s.DSN != "" {
				bad(key+".dsn", "must be empty: default is the control database's server (database.dsn)")
			}
			continue
		}
		if s.DSN == "" {
			bad(key+".dsn", "is required (user:password@tcp(host:3306)/)")
			continue
		}
		mc, err := mysqldrv.ParseDSN(s.DSN)
		if err != nil {
			bad(key+".dsn", "is not a MySQL DSN (user:password@tcp(host:3306)/): %v", err)
			continue
		}
		if mc.DBName != "" {
			bad(key+".dsn", "names database %q: a server's dsn names none (tenant databases are made on it)", mc.DBName)
		}
		addr := mc.Net + "(" + mc.Addr + ")"
		if other, ok := addrs[addr]; ok {
			bad(key+".dsn", "reaches %s, as %s does: list each server once", addr, other)
		}
		addrs[addr] = s.Name
	}
}

// Validate reports every invalid key at once, each naming the key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config %s: "+format, append([]any{key}, args...)...))
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr", "%q is not host:port", c.HTTP.Addr)
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			bad("http.trusted_proxies", "%q is not a CIDR (10.0.0.0/8) or an IP address", p)
		}
	}
	if c.RateLimit.RedisURL != "" {
		if u, err := url.Parse(c.RateLimit.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") || (u.Scheme != "unix" && u.Host == "") {
			bad("ratelimit.redis_url", "%q is not redis://host:port[/db], rediss://... or unix:///path", redact(c.RateLimit.RedisURL))
		}
	}
	switch c.RateLimit.RedisFail {
	case "open", "closed":
	default:
		bad("ratelimit.redis_fail", "%q is not one of open, closed", c.RateLimit.RedisFail)
	}
	if c.Metrics.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Addr); err != nil {
			bad("metrics.addr", "%q is not host:port", c.Metrics.Addr)
		}
	}
	if e := c.Tracing.Endpoint; e != "" {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			if _, _, err := net.SplitHostPort(e); err != nil {
				bad("tracing.endpoint", "%q is not host:port or an http(s) URL", e)
			}
		}
	}
	if strings.TrimSpace(c.Tracing.ServiceName) == "" {
		bad("tracing.service_name", "is required")
	}
	if r := c.Tracing.SampleRatio; !(r >= 0 && r <= 1) {
		bad("tracing.sample_ratio", "%v is not between 0 and 1", r)
	}
	if c.HTTP.RequestTimeout < 0 {
		bad("http.request_timeout", "must not be negative")
	}
	if c.HTTP.ReadTimeout < 0 {
		bad("http.read_timeout", "must not be negative")
	}
	switch c.Database.Driver {
	case "mysql", "sqlite":
	default:
		bad("database.driver", "%q is not one of mysql, sqlite", c.Database.Driver)
	}
	if c.Database.DSN == "" {
		bad("database.dsn", "is required")
	}
	if c.Database.MaxTenantConns < 2 {
		bad("database.max_tenant_conns", "must be at least 2")
	}
	if n := c.Database.TenantPoolSize; n < 1 || n > max(c.Database.MaxTenantConns, 2) {
		bad("database.tenant_pool_size", "%d is not between 1 and database.max_tenant_conns", n)
	}
	if c.Database.MaxOpenConns < 1 {
		bad("database.max_open_conns", "must be at least 1")
	}
	if c.Database.MaxIdleConns < 0 || c.Database.MaxIdleConns > c.Database.MaxOpenConns {
		bad("database.max_idle_conns", "must be between 0 and database.max_open_conns")
	}
	c.validateServers(bad)
	if !hostnameRE.MatchString(c.Tenants.BaseDomain) {
		bad("tenants.base_domain", "%q is not a lowercase host name", c.Tenants.BaseDomain)
	}
	if c.Database.Driver == "sqlite" && c.Tenants.DataDir == "" {
		bad("tenants.data_dir", "is required with the sqlite driver")
	}
	// Empty: the installation's own prefix (a short tag of its ID).
	if c.Tenants.DBPrefix != "" && !prefixRE.MatchString(c.Tenants.DBPrefix) {
		bad("tenants.db_prefix", "%q must be a lowercase letter then up to 19 of a-z, 0-9, _", c.Tenants.DBPrefix)
	}
	for key, n := range map[string]int{
		"ratelimit.requests_per_minute":      c.RateLimit.RequestsPerMinute,
		"ratelimit.tenant_requests_per_hour": c.RateLimit.TenantRequestsPerHour,
		"ratelimit.signups_per_hour":         c.RateLimit.SignupsPerHour,
		"ratelimit.logins_per_minute":        c.RateLimit.LoginsPerMinute,
	} {
		if n < 1 {
			bad(key, "must be at least 1")
		}
	}
	// The key ring seals stored idempotent answers on every backend, and
	// tenant login passwords on MySQL. Without configured keys it lives in
	// the key file, made at first start.
	if len(c.Tenants.SecretKeys) == 0 && strings.TrimSpace(c.Tenants.KeyFile) == "" {
		bad("tenants.key_file", "is required when tenants.secret_keys is empty: the key ring seals stored secrets")
	}
	for i, k := range c.Tenants.SecretKeys {
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k)); err != nil || len(raw) != 32 {
			bad("tenants.secret_keys", "key %d is not the base64 of 32 bytes", i+1)
		}
	}
	if c.Tenants.WarmPool < 0 || c.Tenants.WarmPool > MaxWarmPool {
		bad("tenants.warm_pool", "%d must be between 0 (off) and %d", c.Tenants.WarmPool, MaxWarmPool)
	}
	if c.Tenants.DeleteRetention < 0 {
		bad("tenants.delete_retention", "must not be negative")
	}
	if c.Tenants.ProvisionTimeout < 0 {
		bad("tenants.provision_timeout", "must not be negative")
	}
	if c.Tenants.SessionTTL < time.Minute {
		bad("tenants.session_ttl", "must be at least 1m")
	}
	if c.Billing.GraceDays < 0 || c.Billing.GraceDays > 365 {
		bad("billing.grace_days", "must be between 0 and 365")
	}
	if c.Billing.SuspendDays < 0 || c.Billing.SuspendDays > 365 {
		bad("billing.suspend_days", "must be between 0 and 365")
	}
	if c.Webhooks.Interval < 0 {
		bad("webhooks.interval", "must not be negative")
	}
	if c.Webhooks.Timeout <= 0 {
		bad("webhooks.timeout", "must be positive")
	}
	if c.Console.SessionTTL < time.Minute || c.Console.SessionTTL > 30*24*time.Hour {
		bad("console.session_ttl", "must be between 1m and 720h")
	}
	if _, err := egress.ParseCIDRs(c.Webhooks.AllowedCIDRs); err != nil {
		bad("webhooks.allowed_cidrs", "%v", err)
	}
	if c.Billing.Interval < 0 {
		bad("billing.interval", "must not be negative")
	}
	if c.Signup.DefaultPlanID < 0 {
		bad("signup.default_plan_id", "must be a plan id, or 0 for the first plan with a trial")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "console":
	default:
		bad("log.format", "%q is not one of json, console", c.Log.Format)
	}
	return errors.Join(errs...)
}
