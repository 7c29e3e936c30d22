package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// moduleRoot returns the directory of the go.mod the bench is run in.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run the bench from the saasd repository")
	}
	return filepath.Dir(gomod), nil
}

// buildSaasd builds the binary as `make build` does, so the bench measures
// what ships.
func buildSaasd(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, "./cmd/saasd")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build saasd: %w", err)
	}
	return nil
}

// saasdEnv configures saasd for the bench, then adds extra (KEY=value).
// Later entries win over the same key earlier in the list, so these
// override the caller's SAAS_* variables.
func saasdEnv(dsn, prefix, addr string, extra ...string) []string {
	env := append(os.Environ(),
		"SAAS_DATABASE_DRIVER=mysql",
		"SAAS_DATABASE_DSN="+dsn,
		"SAAS_DATABASE_MAX_OPEN_CONNS="+strconv.Itoa(poolSize),
		"SAAS_DATABASE_MAX_IDLE_CONNS="+strconv.Itoa(poolSize),
		"SAAS_TENANTS_DB_PREFIX="+prefix,
		// Per-tenant database logins are on by default; their passwords are sealed with this key.
		"SAAS_TENANTS_SECRET_KEYS=YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMzI=",
		"SAAS_HTTP_ADDR="+addr,
		// The limiters still run on every request; they just never say no.
		"SAAS_RATELIMIT_REQUESTS_PER_MINUTE=1000000000",
		"SAAS_RATELIMIT_TENANT_REQUESTS_PER_HOUR=1000000000",
		"SAAS_RATELIMIT_SIGNUPS_PER_HOUR=1000000000",
		"SAAS_RATELIMIT_LOGINS_PER_MINUTE=1000000000",
		// A log line per request would measure the logger.
		"SAAS_LOG_LEVEL=error",
	)
	return append(env, extra...)
}

// saasd is a running `saasd serve` and a superadmin token for it.
type saasd struct {
	*proc
	base  string // http://127.0.0.1:port
	token string
}

// startSaasd creates a superadmin token named tokenName (which also
// creates and migrates the control schema), starts `saasd serve` on a free
// loopback port, with extra added to its environment, and waits until it
// answers.
func (b *bench) startSaasd(ctx context.Context, bin, dsn, prefix, tokenName string, extra ...string) (*saasd, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := saasdEnv(dsn, prefix, addr, extra...)
	token, err := createToken(ctx, bin, env, tokenName)
	if err != nil {
		return nil, err
	}
	srv, err := startProc(ctx, "saasd", env, bin, "serve")
	if err != nil {
		return nil, err
	}
	s := &saasd{proc: srv, base: "http://" + addr, token: token}
	if err := srv.waitReady(ctx, b.gen.client, s.base+"/healthz", 30*time.Second); err != nil {
		b.stopSaasd(s)
		return nil, err
	}
	return s, nil
}

// stopSaasd stops s after dropping the load generator's connections to it.
func (b *bench) stopSaasd(s *saasd) {
	b.gen.client.CloseIdleConnections()
	if err := s.stop(); err != nil {
		b.logger.Printf("saasd: %v", err)
	}
}

// fullStack starts `saasd serve`, creates a plan and a tenant through the
// API and measures GET /api/saas/tenants/{id}. It returns the tenant's id
// for the ceiling to read.
func (b *bench) fullStack(ctx context.Context, bin, dsn, prefix string) (result, int64, error) {
	s, err := b.startSaasd(ctx, bin, dsn, prefix, "bench")
	if err != nil {
		return result{}, 0, err
	}
	defer b.stopSaasd(s)
	id, err := seed(ctx, b.gen.client, s.base, s.token)
	if err != nil {
		return result{}, 0, err
	}
	r, err := b.measure(ctx, "full stack", s.proc, s.base+"/api/saas/tenants/"+strconv.FormatInt(id, 10), "Bearer "+s.token)
	return r, id, err
}

// createToken runs `saasd token create`, which also creates and migrates the
// control schema. The token is alone on the last line of its output.
func createToken(ctx context.Context, bin string, env []string, name string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, "token", "create", "--name", name)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("saasd token create: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token := strings.TrimSpace(lines[len(lines)-1])
	if token == "" {
		return "", errors.New("saasd token create printed no token")
	}
	return token, nil
}

// seed creates the plan and the tenant whose record is then read.
func seed(ctx context.Context, client *http.Client, base, token string) (int64, error) {
	var plan struct {
		Data struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	err := post(ctx, client, base+"/api/saas/plans", token, map[string]any{
		"name": "Bench", "price_monthly": 10, "limits": map[string]int{"customers": 100},
	}, &plan)
	if err != nil {
		return 0, err
	}
	var tenant struct {
		TenantID int64 `json:"tenant_id"`
	}
	err = post(ctx, client, base+"/api/saas/tenants", token, map[string]any{
		"company_name": "Bench Corp", "email": "bench@example.com", "first_name": "Bench", "last_name": "User",
		"plan_id": plan.Data.ID, "subdomain": "bench",
	}, &tenant)
	if err != nil {
		return 0, err
	}
	if tenant.TenantID == 0 {
		return 0, errors.New("POST /api/saas/tenants answered no tenant_id")
	}
	return tenant.TenantID, nil
}

// post sends body as JSON with the superadmin token and decodes a 201
// answer into out.
func post(ctx context.Context, client *http.Client, url, token string, body, out any) error {
	return call(ctx, client, http.MethodPost, url, http.Header{"Authorization": {"Bearer " + token}}, body, http.StatusCreated, out)
}

// call sends body, when not nil, as JSON with header and decodes the answer
// into out, when not nil. Any status but want is an error.
func call(ctx context.Context, client *http.Client, method, url string, header http.Header, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, url, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, url, err)
	}
	return nil
}
