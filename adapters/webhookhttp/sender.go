// Package webhookhttp sends webhook deliveries over HTTP, signed.
//
// Each POST carries X-Saasd-Event, X-Saasd-Delivery (the delivery ID: the
// same on every retry, so receivers can drop duplicates), X-Saasd-Timestamp
// (unix seconds) and X-Saasd-Signature: "v1=" + hex(HMAC-SHA256(secret,
// timestamp + "." + body)). Receivers check the signature and reject
// timestamps that are too old.
package webhookhttp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.Sender = (*Sender)(nil)

// Sender posts deliveries with a bounded timeout.
type Sender struct {
	client *http.Client
}

// New returns a sender whose requests give up after timeout.
func New(timeout time.Duration) *Sender {
	return &Sender{client: &http.Client{Timeout: timeout}}
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
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
