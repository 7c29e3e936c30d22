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

// saasdEnv configures saasd for the bench. Later entries win over the same
// key earlier in the list, so these override the caller's SAAS_* variables.
func saasdEnv(dsn, prefix, addr string) []string {
	return append(os.Environ(),
		"SAAS_DATABASE_DRIVER=mysql",
		"SAAS_DATABASE_DSN="+dsn,
		"SAAS_DATABASE_MAX_OPEN_CONNS="+strconv.Itoa(poolSize),
		"SAAS_DATABASE_MAX_IDLE_CONNS="+strconv.Itoa(poolSize),
		"SAAS_TENANTS_DB_PREFIX="+prefix,
		"SAAS_HTTP_ADDR="+addr,
		// The limiter still runs on every request; it just never says no.
		"SAAS_RATELIMIT_REQUESTS_PER_MINUTE=1000000000",
		// A log line per request would measure the logger.
		"SAAS_LOG_LEVEL=error",
	)
}

// fullStack starts `saasd serve`, creates a plan and a tenant through the
// API and measures GET /api/saas/tenants/{id}. It returns the tenant's id
// for the ceiling to read.
func (b *bench) fullStack(ctx context.Context, bin, dsn, prefix string) (result, int64, error) {
	addr, err := freeAddr()
	if err != nil {
		return result{}, 0, err
	}
	env := saasdEnv(dsn, prefix, addr)
	token, err := createToken(ctx, bin, env)
	if err != nil {
		return result{}, 0, err
	}
	srv, err := startProc(ctx, "saasd", env, bin, "serve")
	if err != nil {
		return result{}, 0, err
	}
	defer func() {
		b.gen.client.CloseIdleConnections()
		if err := srv.stop(); err != nil {
			b.logger.Printf("saasd: %v", err)
		}
	}()
	base := "http://" + addr
	if err := srv.waitReady(ctx, b.gen.client, base+"/healthz", 30*time.Second); err != nil {
		return result{}, 0, err
	}
	id, err := seed(ctx, b.gen.client, base, token)
	if err != nil {
		return result{}, 0, err
	}
	r, err := b.measure(ctx, "full stack", srv, base+"/api/saas/tenants/"+strconv.FormatInt(id, 10), "Bearer "+token)
	return r, id, err
}

// createToken runs `saasd token create`, which also creates and migrates the
// control schema. The token is alone on the last line of its output.
func createToken(ctx context.Context, bin string, env []string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, "token", "create", "--name", "bench")
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

// post sends body as JSON and decodes a 201 answer into out.
func post(ctx context.Context, client *http.Client, url, token string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: status %d: %s", url, resp.StatusCode, bytes.TrimSpace(data))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	return nil
}
