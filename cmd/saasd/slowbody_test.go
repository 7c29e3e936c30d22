package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/saasd/saasd/config"
)

// TestSlowBodyIs408: a client that sends its body a byte per second is cut
// off at http.read_timeout and answered 408 in the envelope, not 503.
func TestSlowBodyIs408(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly(t), func(c *config.Config) { c.HTTP.ReadTimeout = 1500 * time.Millisecond })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.app.server.Serve(ctx, ln) }()
	defer func() { stop(); <-served }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"name":"Slow","price_monthly":"5.00","limits":{"customers":5}}`
	fmt.Fprintf(conn, "POST /api/saas/plans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", e.token, len(body))
	start := time.Now()
	go func() {
		for i := range len(body) {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return
			}
			time.Sleep(time.Second)
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	took := time.Since(start)
	var env struct {
		Success bool   `json:"success"`
		Error   string `json:"error"`
		Code    int    `json:"code"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || resp.StatusCode != http.StatusRequestTimeout || env.Success || env.Code != 408 || !strings.Contains(env.Error, "in time") {
		t.Fatalf("answer %d %s (%v)", resp.StatusCode, raw, err)
	}
	if took > 4*time.Second {
		t.Fatalf("answered after %v", took)
	}
	t.Logf("slow body answered %d after %v", resp.StatusCode, took)
}

func TestHealthcheckCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly(t))
	srv := httptest.NewServer(e.app.server.Handler())
	defer srv.Close()
	if out, err := run(t, "", "healthcheck", "--url", srv.URL+"/readyz"); err != nil || !strings.Contains(out, "ok") {
		t.Fatalf("healthcheck: %q, %v", out, err)
	}
	if _, err := run(t, "", "healthcheck", "--url", srv.URL+"/nothing"); err == nil {
		t.Fatal("healthcheck passed on a 404")
	}
}
