package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/saasd/saasd/config"
)

func TestLoadDefaults(t *testing.T) {
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:8080" || cfg.Database.Driver != "sqlite" || cfg.Database.DSN != "data/control.db" ||
		cfg.Tenants.BaseDomain != "localhost" || cfg.Tenants.DataDir != "data/tenants" || cfg.Tenants.KeyFile != "data/secret.key" ||
		cfg.RateLimit.RequestsPerMinute != 100 || cfg.Log.Level != "info" || cfg.Log.Format != "json" ||
		cfg.HTTP.RequestTimeout != 30*time.Second || cfg.HTTP.ReadTimeout != 30*time.Second || len(cfg.Webhooks.AllowedCIDRs) != 0 {
		t.Fatalf("defaults: %+v", cfg)
	}
	if cfg.RateLimit.RedisURL != "" || cfg.RateLimit.RedisFail != "open" || len(cfg.HTTP.TrustedProxies) != 0 ||
		cfg.Metrics.Addr != "" || cfg.Tracing.Endpoint != "" {
		t.Fatalf("replica defaults: %+v", cfg)
	}
}

func TestLoadReplicaKeys(t *testing.T) {
	t.Setenv("SAAS_HTTP_TRUSTED_PROXIES", "10.0.0.0/8,127.0.0.1")
	t.Setenv("SAAS_RATELIMIT_REDIS_URL", "redis://:secret@127.0.0.1:6379/2")
	t.Setenv("SAAS_RATELIMIT_REDIS_FAIL", "closed")
	t.Setenv("SAAS_METRICS_ADDR", "127.0.0.1:9090")
	t.Setenv("SAAS_TRACING_ENDPOINT", "127.0.0.1:4318")
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.HTTP.TrustedProxies, " ") != "10.0.0.0/8 127.0.0.1" || cfg.RateLimit.RedisFail != "closed" ||
		cfg.RateLimit.RedisURL == "" || cfg.Metrics.Addr != "127.0.0.1:9090" || cfg.Tracing.Endpoint != "127.0.0.1:4318" {
		t.Fatalf("got %+v", cfg)
	}
}

// A tenant pool holds 1 to database.max_tenant_conns connections; 4 by default.
func TestLoadTenantPoolSize(t *testing.T) {
	tests := []struct {
		name           string
		size, maxConns string
		want           int
		wantErr        bool
	}{
		{name: "default", want: 4},
		{name: "one", size: "1", want: 1},
		{name: "as many as the cap", size: "100", want: 100},
		{name: "past the cap", size: "101", wantErr: true},
		{name: "past a lowered cap", size: "8", maxConns: "6", wantErr: true},
		{name: "within a lowered cap", size: "6", maxConns: "6", want: 6},
		{name: "zero", size: "0", wantErr: true},
		{name: "negative", size: "-2", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.size != "" {
				t.Setenv("SAAS_DATABASE_TENANT_POOL_SIZE", tt.size)
			}
			if tt.maxConns != "" {
				t.Setenv("SAAS_DATABASE_MAX_TENANT_CONNS", tt.maxConns)
			}
			cfg, err := config.Load("")
			switch {
			case tt.wantErr && (err == nil || !strings.Contains(err.Error(), "database.tenant_pool_size")):
				t.Fatalf("Load() error = %v, want one naming database.tenant_pool_size", err)
			case !tt.wantErr && (err != nil || cfg.Database.TenantPoolSize != tt.want):
				t.Fatalf("Load() = %d, %v; want %d", cfg.Database.TenantPoolSize, err, tt.want)
			}
		})
	}
}

func TestLoadFileAndEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	yaml := "http:\n  addr: 0.0.0.0:9000\ndatabase:\n  driver: mysql\n  dsn: root@tcp(127.0.0.1:3306)/saas_control\ntenants:\n  base_domain: example.com\n  secret_keys:\n    - dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0=\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SAAS_RATELIMIT_REQUESTS_PER_MINUTE", "7")
	t.Setenv("SAAS_TENANTS_BASE_DOMAIN", "saas.example.org")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "0.0.0.0:9000" || cfg.Database.Driver != "mysql" || cfg.RateLimit.RequestsPerMinute != 7 ||
		cfg.Tenants.BaseDomain != "saas.example.org" {
		t.Fatalf("got %+v", cfg)
	}
}

func TestLoadInvalid(t *testing.T) {
	tests := []struct {
		env, val, key string
	}{
		{"SAAS_DATABASE_DRIVER", "postgres", "database.driver"},
		{"SAAS_HTTP_ADDR", "nonsense", "http.addr"},
		{"SAAS_RATELIMIT_REQUESTS_PER_MINUTE", "0", "ratelimit.requests_per_minute"},
		{"SAAS_RATELIMIT_REQUESTS_PER_MINUTE", "lots", "ratelimit.requests_per_minute"},
		{"SAAS_LOG_LEVEL", "loud", "log.level"},
		{"SAAS_LOG_FORMAT", "xml", "log.format"},
		{"SAAS_TENANTS_BASE_DOMAIN", "Bad Domain", "tenants.base_domain"},
		{"SAAS_TENANTS_DB_PREFIX", "x;drop", "tenants.db_prefix"},
		{"SAAS_HTTP_REQUEST_TIMEOUT", "soon", "http.request_timeout"},
		{"SAAS_HTTP_READ_TIMEOUT", "-1s", "http.read_timeout"},
		{"SAAS_WEBHOOKS_ALLOWED_CIDRS", "10.0.0.0/8,not-a-cidr", "webhooks.allowed_cidrs"},
		{"SAAS_HTTP_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local", "http.trusted_proxies"},
		{"SAAS_RATELIMIT_REDIS_URL", "http://127.0.0.1:6379", "ratelimit.redis_url"},
		{"SAAS_RATELIMIT_REDIS_FAIL", "maybe", "ratelimit.redis_fail"},
		{"SAAS_METRICS_ADDR", "9090", "metrics.addr"},
		{"SAAS_TRACING_ENDPOINT", "not a url", "tracing.endpoint"},
		{"SAAS_TRACING_ENDPOINT", "ftp://collector:4318", "tracing.endpoint"},
		{"SAAS_TRACING_SAMPLE_RATIO", "1.5", "tracing.sample_ratio"},
		{"SAAS_TRACING_SAMPLE_RATIO", "-0.1", "tracing.sample_ratio"},
		{"SAAS_TRACING_SAMPLE_RATIO", "half", "tracing.sample_ratio"},
		{"SAAS_TRACING_SERVICE_NAME", " ", "tracing.service_name"},
		{"SAAS_TENANTS_WARM_POOL", "-1", "tenants.warm_pool"},
		{"SAAS_TENANTS_WARM_POOL", "1001", "tenants.warm_pool"},
		{"SAAS_TENANTS_WARM_POOL", "some", "tenants.warm_pool"},
		{"SAAS_DATABASE_TENANT_POOL_SIZE", "0", "database.tenant_pool_size"},
		{"SAAS_DATABASE_TENANT_POOL_SIZE", "101", "database.tenant_pool_size"},
		{"SAAS_DATABASE_TENANT_POOL_SIZE", "many", "database.tenant_pool_size"},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.val, func(t *testing.T) {
			t.Setenv(tt.env, tt.val)
			_, err := config.Load("")
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("Load() error = %v, want one naming %s", err, tt.key)
			}
		})
	}
}

func TestLoadUnknownKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	yaml := "http:\n  adr: 0.0.0.0:9000\nratelimit:\n  requests_per_minute: 5\nbiling:\n  interval: 1m\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(path)
	if err == nil || !strings.Contains(err.Error(), "config http.adr: unknown key") || !strings.Contains(err.Error(), "config biling.interval: unknown key") {
		t.Fatalf("Load() error = %v, want both misspelt keys named", err)
	}
	// Environment variables are not checked: SAAS_* names of other tools may share the prefix.
	t.Setenv("SAAS_NOT_A_KEY", "1")
	if _, err := config.Load(""); err != nil {
		t.Fatal(err)
	}
}

// A section whose keys are all commented out is empty, not misspelt; an
// unknown empty section still is.
func TestLoadEmptySection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "saasd.yaml")
	if err := os.WriteFile(path, []byte("metrics:\n  # addr: 0.0.0.0:9090\nlog:\n  level: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := config.Load(path); err != nil || cfg.Log.Level != "warn" || cfg.Metrics.Addr != "" {
		t.Fatalf("Load() = %+v, %v", cfg.Log, err)
	}
	if err := os.WriteFile(path, []byte("metrix:\n  # addr: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path); err == nil || !strings.Contains(err.Error(), "config metrix: unknown key") {
		t.Fatalf("Load() error = %v, want metrix named", err)
	}
}

// The example configuration the image ships loads as it is, with the
// environment a deployment sets (compose.yaml and saasd.env.example).
func TestLoadExampleConfig(t *testing.T) {
	t.Setenv("SAAS_TENANTS_SECRET_KEYS", "")
	t.Setenv("SAAS_WEBHOOKS_ALLOWED_CIDRS", "")
	t.Setenv("SAAS_TENANTS_KEY_FILE", filepath.Join(t.TempDir(), "secret.key"))
	cfg, err := config.Load("../deployments/config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.Driver != "mysql" || len(cfg.Tenants.SecretKeys) != 0 || len(cfg.Webhooks.AllowedCIDRs) != 0 {
		t.Fatalf("example config = %+v", cfg)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml")); err == nil {
		t.Fatal("want error for a missing file")
	}
}

func TestMySQLSecretKeys(t *testing.T) {
	const (
		key1 = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0="
		key2 = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0="
	)
	tests := []struct {
		name    string
		env     map[string]string
		yaml    string // tenants section of a config file, if not empty
		wantErr string // key the error must name; empty: valid
		check   func(t *testing.T, cfg config.Config)
	}{
		{
			name: "driver and DSN alone use the default key file",
			check: func(t *testing.T, cfg config.Config) {
				if len(cfg.Tenants.SecretKeys) != 0 || cfg.Tenants.KeyFile != "data/secret.key" {
					t.Errorf("tenants = %+v, want no keys and key_file data/secret.key", cfg.Tenants)
				}
			},
		},
		{
			name: "empty secret keys variable",
			env:  map[string]string{"SAAS_TENANTS_SECRET_KEYS": ""},
		},
		{
			name: "key file from the environment",
			env:  map[string]string{"SAAS_TENANTS_KEY_FILE": "/var/lib/saasd/secret.key"},
			check: func(t *testing.T, cfg config.Config) {
				if cfg.Tenants.KeyFile != "/var/lib/saasd/secret.key" {
					t.Errorf("key_file = %q", cfg.Tenants.KeyFile)
				}
			},
		},
		{
			name:    "no keys and no key file",
			yaml:    "  key_file: \"\"\n",
			wantErr: "tenants.key_file",
		},
		{
			name: "keys need no key file",
			yaml: "  key_file: \"\"\n  secret_keys: [" + key1 + "]\n",
		},
		{
			// The ring seals idempotent answers too, with or without logins.
			name:    "logins off still need a key",
			yaml:    "  key_file: \"\"\n  db_users: false\n",
			wantErr: "tenants.key_file",
		},
		{
			name:    "short key",
			env:     map[string]string{"SAAS_TENANTS_SECRET_KEYS": "c2hvcnQ="},
			wantErr: "tenants.secret_keys",
		},
		{
			name:    "a good key, then a short one",
			env:     map[string]string{"SAAS_TENANTS_SECRET_KEYS": key1 + ",c2hvcnQ="},
			wantErr: "tenants.secret_keys",
		},
		{
			name: "two keys",
			env:  map[string]string{"SAAS_TENANTS_SECRET_KEYS": key1 + "," + key2},
			check: func(t *testing.T, cfg config.Config) {
				if len(cfg.Tenants.SecretKeys) != 2 || cfg.Tenants.SecretKeys[0] != key1 {
					t.Errorf("secret_keys = %v, want [%s %s]", cfg.Tenants.SecretKeys, key1, key2)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SAAS_DATABASE_DRIVER", "mysql")
			t.Setenv("SAAS_DATABASE_DSN", "root@tcp(127.0.0.1:3306)/saas_control")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			path := ""
			if tt.yaml != "" {
				path = filepath.Join(t.TempDir(), "config.yaml")
				if err := os.WriteFile(path, []byte("tenants:\n"+tt.yaml), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := config.Load(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load() error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			if tt.check != nil {
				tt.check(t, cfg)
			}
		})
	}
}

func TestWebhookAllowedCIDRsFromEnv(t *testing.T) {
	t.Setenv("SAAS_WEBHOOKS_ALLOWED_CIDRS", "10.0.0.0/8,192.168.1.5")
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Webhooks.AllowedCIDRs) != 2 || cfg.Webhooks.AllowedCIDRs[1] != "192.168.1.5" {
		t.Fatalf("allowed_cidrs = %q", cfg.Webhooks.AllowedCIDRs)
	}
}

// TestDatabaseServers: database.servers from the file (a list of maps) and
// from the environment (entries separated by ",", key=value by ";").
func TestDatabaseServers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	yaml := "database:\n  driver: mysql\n  dsn: root@tcp(127.0.0.1:3306)/saas_control\n  servers:\n" +
		"    - name: default\n      capacity: 100\n" +
		"    - name: db2\n      dsn: saasd:pw@tcp(10.0.0.2:3306)/\n      capacity: 500\n      state: draining\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []config.DatabaseServer{{Name: "default", Capacity: 100}, {Name: "db2", DSN: "saasd:pw@tcp(10.0.0.2:3306)/", Capacity: 500, State: "draining"}}
	if !slices.Equal(cfg.Database.Servers, want) {
		t.Fatalf("file: servers = %+v", cfg.Database.Servers)
	}
	t.Setenv("SAAS_DATABASE_DRIVER", "mysql")
	t.Setenv("SAAS_DATABASE_DSN", "root@tcp(127.0.0.1:3306)/saas_control")
	t.Setenv("SAAS_DATABASE_SERVERS", "name=default;capacity=100, name=db2;dsn=saasd:pw@tcp(10.0.0.2:3306)/;capacity=500;state=draining")
	if cfg, err = config.Load(""); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Database.Servers, want) {
		t.Fatalf("env: servers = %+v", cfg.Database.Servers)
	}
}

func TestDatabaseServersInvalid(t *testing.T) {
	tests := []struct {
		name, driver, servers, want string
	}{
		{"sqlite", "sqlite", "name=db2;dsn=root@tcp(10.0.0.2:3306)/;capacity=5", "database.servers: applies to the mysql driver only"},
		{"bad name", "mysql", "name=DB 2;dsn=root@tcp(10.0.0.2:3306)/;capacity=5", "database.servers[DB 2].name"},
		{"twice", "mysql", "name=db2;dsn=root@tcp(10.0.0.2:3306)/;capacity=5,name=db2;dsn=root@tcp(10.0.0.3:3306)/;capacity=5", "\"db2\" is listed twice"},
		{"no capacity", "mysql", "name=db2;dsn=root@tcp(10.0.0.2:3306)/", "database.servers[db2].capacity: must be at least 1"},
		{"bad state", "mysql", "name=db2;dsn=root@tcp(10.0.0.2:3306)/;capacity=5;state=off", "database.servers[db2].state"},
		{"no dsn", "mysql", "name=db2;capacity=5", "database.servers[db2].dsn: is required"},
		{"dsn names a database", "mysql", "name=db2;dsn=root@tcp(10.0.0.2:3306)/tenants;capacity=5", "names database \"tenants\""},
		{"not a dsn", "mysql", "name=db2;dsn=10.0.0.2;capacity=5", "database.servers[db2].dsn: is not a MySQL DSN"},
		{"default with a dsn", "mysql", "name=default;dsn=root@tcp(10.0.0.2:3306)/;capacity=5", "database.servers[default].dsn: must be empty"},
		{"same as the control server", "mysql", "name=db2;dsn=other@tcp(127.0.0.1:3306)/;capacity=5", "as default does"},
		{"unknown env key", "mysql", "name=db2;capasity=5", "\"capasity=5\" is not one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SAAS_DATABASE_DRIVER", tt.driver)
			t.Setenv("SAAS_DATABASE_DSN", "root@tcp(127.0.0.1:3306)/saas_control")
			t.Setenv("SAAS_TENANTS_SECRET_KEYS", "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0=")
			t.Setenv("SAAS_DATABASE_SERVERS", tt.servers)
			_, err := config.Load("")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load() error = %v, want one with %q", err, tt.want)
			}
		})
	}
	t.Run("unknown file key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.yaml")
		yaml := "database:\n  driver: mysql\n  dsn: root@tcp(127.0.0.1:3306)/c\n  servers:\n    - name: db2\n      dsn: root@tcp(10.0.0.2:3306)/\n      capasity: 5\n"
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := config.Load(path); err == nil || !strings.Contains(err.Error(), "entry 1: unknown key capasity") {
			t.Fatalf("Load() error = %v, want the misspelt key named", err)
		}
	})
}
