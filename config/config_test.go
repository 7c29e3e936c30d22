package config_test

import (
	"os"
	"path/filepath"
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
		cfg.Tenants.BaseDomain != "localhost" || cfg.Tenants.DataDir != "data/tenants" ||
		cfg.RateLimit.RequestsPerMinute != 100 || cfg.Log.Level != "info" || cfg.Log.Format != "json" ||
		cfg.HTTP.RequestTimeout != 30*time.Second {
		t.Fatalf("defaults: %+v", cfg)
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

func TestLoadMissingFile(t *testing.T) {
	if _, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml")); err == nil {
		t.Fatal("want error for a missing file")
	}
}

func TestMySQLNeedsSecretKeys(t *testing.T) {
	t.Setenv("SAAS_DATABASE_DRIVER", "mysql")
	t.Setenv("SAAS_DATABASE_DSN", "root@tcp(127.0.0.1:3306)/saas_control")
	if _, err := config.Load(""); err == nil || !strings.Contains(err.Error(), "tenants.secret_keys") {
		t.Fatalf("no key: %v", err)
	}
	t.Setenv("SAAS_TENANTS_SECRET_KEYS", "c2hvcnQ=")
	if _, err := config.Load(""); err == nil || !strings.Contains(err.Error(), "tenants.secret_keys") {
		t.Fatalf("short key: %v", err)
	}
	t.Setenv("SAAS_TENANTS_SECRET_KEYS", "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0=,bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0=")
	cfg, err := config.Load("")
	if err != nil || len(cfg.Tenants.SecretKeys) != 2 {
		t.Fatalf("two keys: %+v, %v", cfg.Tenants, err)
	}
	t.Setenv("SAAS_TENANTS_SECRET_KEYS", "")
	t.Setenv("SAAS_TENANTS_DB_USERS", "false")
	if _, err := config.Load(""); err != nil {
		t.Fatalf("logins off needs no key: %v", err)
	}
}
