package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/saasd/saasd/config"
)

// Two replicas behind a small reverse proxy on this machine, as an operator
// runs them: clients on their own loopback addresses reach the proxy, the
// proxy (the only trusted peer) spreads requests over both replicas, and the
// replicas share their limits in Redis. Each real client has one signup
// budget whichever replica answers, a client cannot pick its address with
// its own X-Forwarded-For, and the superadmin budget is one for the fleet.
func TestReplicasBehindProxy(t *testing.T) {
	t.Parallel()
	a := newEnv(t, backends(t)[0], withRedis(t), func(c *config.Config) {
		c.RateLimit.SignupsPerHour = 1
		c.RateLimit.RequestsPerMinute = 10
		c.HTTP.TrustedProxies = []string{"127.0.0.1/32"}
	})
	b := a.replica()

	var served [2]atomic.Int64
	var upstreams []*url.URL
	for i, e := range []*env{a, b} {
		srv := httptest.NewServer(countRequests(&served[i], e.app.server.Handler()))
		t.Cleanup(srv.Close)
		u, _ := url.Parse(srv.URL)
		upstreams = append(upstreams, u)
	}
	var next atomic.Int64
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(upstreams[next.Add(1)%2])
		// As nginx's $proxy_add_x_forwarded_for: what the client sent, then
		// the peer the proxy saw.
		r.SetXForwarded()
		sent := r.In.Header.Values("X-Forwarded-For")
		r.Out.Header.Set("X-Forwarded-For", strings.Join(append(sent, r.Out.Header.Get("X-Forwarded-For")), ", "))
	}}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)

	// client sends from a loopback address of its own, as another machine would.
	client := func(addr string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}, Timeout: 5 * time.Second}
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	}
	call := func(c *http.Client, method, path, token string, headers ...string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequestWithContext(context.Background(), method, front.URL+path, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v", method, path, err)
		}
		return res.StatusCode, body
	}

	first, second := client("127.0.0.2"), client("127.0.0.3")
	steps := []struct {
		name    string
		c       *http.Client
		headers []string
		want    int
	}{
		{"first client", first, nil, http.StatusUnprocessableEntity},
		{"first client again, on the other replica", first, nil, http.StatusTooManyRequests},
		{"second client, its own budget", second, nil, http.StatusUnprocessableEntity},
		{"second client naming another address", second, []string{"X-Forwarded-For", "198.51.100.7"}, http.StatusTooManyRequests},
		{"second client through X-Real-IP", second, []string{"X-Real-IP", "198.51.100.8"}, http.StatusTooManyRequests},
	}
	for _, s := range steps {
		if got, body := call(s.c, "POST", "/api/register", "", s.headers...); got != s.want {
			t.Fatalf("%s: %d, want %d (%v)", s.name, got, s.want, body)
		}
	}

	// One superadmin budget of 10 a minute across the fleet, from any client.
	allowed := 0
	for i := 0; i < 12; i++ {
		c := first
		if i%3 == 0 {
			c = second
		}
		switch got, body := call(c, "GET", "/api/saas/plans", a.token); got {
		case http.StatusOK:
			allowed++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("request %d: %d (%v)", i, got, body)
		}
	}
	if allowed < 10 || allowed > 11 { // GCRA may refill one while the loop runs
		t.Fatalf("%d of 12 superadmin requests allowed through the proxy, want 10", allowed)
	}
	if served[0].Load() == 0 || served[1].Load() == 0 {
		t.Fatalf("the proxy did not spread requests: %d and %d", served[0].Load(), served[1].Load())
	}
}

func countRequests(n *atomic.Int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	})
}
