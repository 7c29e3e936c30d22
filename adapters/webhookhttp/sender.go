// Package webhookhttp sends webhook deliveries over HTTP, signed.
//
// Each POST carries X-Saasd-Event, X-Saasd-Delivery (the delivery ID: the
// same on every retry, so receivers can drop duplicates), X-Saasd-Timestamp
// (unix seconds) and X-Saasd-Signature: "v1=" + hex(HMAC-SHA256(secret,
// timestamp + "." + body)). Receivers check the signature and reject
// timestamps that are too old.
//
// Every connection is checked against an egress.Policy on the address
// actually dialled (a net.Dialer Control hook, after DNS), so a host name
// that resolves inward is refused however it was registered; redirects are
// not followed and no proxy from the environment is used. Errors name what
// happened ("refused", "timed out") and never the internal address or the
// system's message.
package webhookhttp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/egress"
	"github.com/saasd/saasd/ports"
)

var _ ports.Sender = (*Sender)(nil)

// Sender posts deliveries with a bounded timeout.
type Sender struct {
	client *http.Client
}

// New returns a sender whose requests give up after timeout and connect
// only to addresses the policy allows.
func New(timeout time.Duration, policy egress.Policy) *Sender {
	dialer := &net.Dialer{
		Timeout: timeout,
		// Control runs once per address tried, after resolution and before
		// the connection is made: the one place DNS rebinding cannot pass.
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return egress.ErrRefused
			}
			return policy.CheckAddr(ap.Addr())
		},
	}
	transport := &http.Transport{
		Proxy:                  nil, // a proxy would be dialled instead of the receiver, and checked instead of it
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &Sender{client: &http.Client{
		Timeout:   timeout,
		Transport: transport,
		// A redirect would re-send the body and its signature to a host
		// nobody registered; the 3xx is the receiver's answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Body is the JSON a receiver gets.
func Body(d core.Delivery) ([]byte, error) {
	return json.Marshal(map[string]any{
		"id":          "evt_" + strconv.FormatInt(d.Event.ID, 10),
		"delivery_id": d.ID,
		"type":        d.Event.Type,
		"tenant_id":   d.Event.TenantID,
		"created_at":  d.Event.At.UTC().Format(time.RFC3339),
		"data":        d.Event.Data,
	})
}

// Sign returns the signature header value for body sent at unix time ts.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Send posts d and returns the status code.
func (s *Sender) Send(ctx context.Context, d core.Delivery, at time.Time) (int, error) {
	body, err := Body(d)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := at.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "saasd-webhooks/1")
	req.Header.Set("X-Saasd-Event", d.Event.Type)
	req.Header.Set("X-Saasd-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set("X-Saasd-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Saasd-Signature", Sign(d.Secret, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, describe(ctx, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// describe turns a transport error into words fit for the delivery log:
// what happened, without the address, port or system message, so the log
// cannot be used to probe the network.
func describe(ctx context.Context, err error) error {
	var (
		dnsErr *net.DNSError
		netErr net.Error
		tlsErr *tls.RecordHeaderError
		cert   *tls.CertificateVerificationError
	)
	switch {
	case errors.Is(err, egress.ErrRefused):
		return errors.New("refused: the destination address is not allowed")
	case ctx.Err() == context.Canceled:
		return errors.New("canceled: the dispatch run was stopped")
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return errors.New("timed out")
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("refused: the receiver did not accept the connection")
	case errors.Is(err, syscall.ECONNRESET):
		return errors.New("failed: the receiver reset the connection")
	case errors.As(err, &dnsErr):
		return errors.New("failed: the host name does not resolve")
	case errors.As(err, &cert), errors.As(err, &tlsErr):
		return errors.New("failed: TLS handshake with the receiver")
	default:
		return errors.New("failed: could not deliver to the receiver")
	}
}
