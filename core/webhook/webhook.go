// Package webhook sends the operator's outbox events to the URLs they
// registered: deliveries are signed (HMAC-SHA256 over the timestamp and the
// body, with a secret per webhook), retried with exponential backoff and
// recorded, so each event reaches each webhook once per delivery ID.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
)

// Delivery states.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Failed    = "failed" // gave up after MaxAttempts
)

// MaxAttempts is how often a delivery is tried before it is given up.
const MaxAttempts = 8

// Webhook is a URL the operator wants events sent to.
type Webhook struct {
	ID        int64
	URL       string
	Events    []string
	Secret    string // signs deliveries; shown once when the webhook is made
	CreatedAt time.Time
}

// Delivery is one event on its way to one webhook.
type Delivery struct {
	ID           int64
	WebhookID    int64
	Event        core.Event
	Status       string
	Attempts     int
	ResponseCode int
	LastError    string
	NextAttempt  time.Time
	DeliveredAt  time.Time
	CreatedAt    time.Time
	URL, Secret  string // of the webhook, for sending
	ResponseBody string
}

// Store keeps webhooks, turns outbox events into deliveries and records
// their attempts.
type Store interface {
	CreateWebhook(ctx context.Context, w *Webhook) error
	Webhooks(ctx context.Context) ([]Webhook, error)
	// DeleteWebhook removes a webhook and its pending deliveries. Returns core.NotFound.
	DeleteWebhook(ctx context.Context, id int64) error
	// Deliveries returns a webhook's latest deliveries, newest first. Returns core.NotFound.
	Deliveries(ctx context.Context, webhookID int64, limit int) ([]Delivery, error)
	// Fanout turns up to limit undispatched outbox events into one delivery
	// per subscribed webhook, marking the events dispatched, in one transaction.
	Fanout(ctx context.Context, limit int, now time.Time) (int, error)
	// Due returns up to limit pending deliveries whose next attempt is due.
	Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// Record stores the outcome of an attempt.
	Record(ctx context.Context, d Delivery) error
	// Lease takes or renews the named lease (see billing.Store).
	Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// Sender posts one delivery and returns the receiver's status code.
type Sender interface {
	Send(ctx context.Context, d Delivery, at time.Time) (status int, err error)
}

// Service manages webhooks and dispatches deliveries.
type Service struct {
	store  Store
	sender Sender
	clock  interface{ Now() time.Time }
	holder string
}

// New returns a webhook service; holder names this process in the lease.
func New(store Store, sender Sender, clock interface{ Now() time.Time }, holder string) *Service {
	return &Service{store: store, sender: sender, clock: clock, holder: holder}
}

// Register adds a webhook for the given event types ("*" for all) and
// returns it with its signing secret. Returns core.Invalid.
func (s *Service) Register(ctx context.Context, rawURL string, events []string) (Webhook, error) {
	errs := map[string]string{}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(rawURL) > 2000 {
		errs["url"] = "must be an absolute http or https URL"
	}
	if len(events) == 0 {
		errs["events"] = "must list at least one event: " + strings.Join(core.EventTypes, ", ") + ", or *"
	}
	for _, e := range events {
		if e != "*" && !slices.Contains(core.EventTypes, e) {
			errs["events"] = fmt.Sprintf("unknown event %q; valid: %s, or *", e, strings.Join(core.EventTypes, ", "))
		}
	}
	if len(errs) > 0 {
		return Webhook{}, core.InvalidFields(errs)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Webhook{}, err
	}
	w := Webhook{URL: u.String(), Events: events, Secret: "whsec_" + base64.RawURLEncoding.EncodeToString(b), CreatedAt: s.clock.Now()}
	if err := s.store.CreateWebhook(ctx, &w); err != nil {
		return Webhook{}, err
	}
	return w, nil
}

// List returns every webhook.
func (s *Service) List(ctx context.Context) ([]Webhook, error) { return s.store.Webhooks(ctx) }

// Delete removes a webhook. Returns core.NotFound.
func (s *Service) Delete(ctx context.Context, id int64) error { return s.store.DeleteWebhook(ctx, id) }

// Deliveries returns a webhook's latest deliveries. Returns core.NotFound.
func (s *Service) Deliveries(ctx context.Context, id int64) ([]Delivery, error) {
	return s.store.Deliveries(ctx, id, 100)
}

// Backoff is the wait before attempt n+1 after n failed ones: 10s, 20s,
// 40s, … capped at an hour.
func Backoff(n int) time.Duration {
	d := 10 * time.Second << (n - 1)
	if n > 9 || d > time.Hour {
		return time.Hour
	}
	return d
}

// Dispatched is what one Dispatch did.
type Dispatched struct {
	Fanned, Sent, Failed int
}

// Dispatch fans new outbox events out to webhooks and sends what is due,
// under a lease so that replicas do not send the same delivery twice.
func (s *Service) Dispatch(ctx context.Context) (Dispatched, error) {
	var out Dispatched
	if ok, err := s.store.Lease(ctx, "webhooks", s.holder, time.Minute); err != nil || !ok {
		return out, err
	}
	now := s.clock.Now()
	n, err := s.store.Fanout(ctx, 500, now)
	if err != nil {
		return out, err
	}
	out.Fanned = n
	due, err := s.store.Due(ctx, now, 100)
	if err != nil {
		return out, err
	}
	for _, d := range due {
		status, err := s.sender.Send(ctx, d, s.clock.Now())
		d.Attempts++
		d.ResponseCode = status
		switch {
		case err == nil && status >= 200 && status < 300:
			d.Status, d.DeliveredAt, d.LastError = Delivered, s.clock.Now(), ""
			out.Sent++
		default:
			if err != nil {
				d.LastError = err.Error()
			} else {
				d.LastError = fmt.Sprintf("receiver answered %d", status)
			}
			d.NextAttempt = s.clock.Now().Add(Backoff(d.Attempts))
			if d.Attempts >= MaxAttempts {
				d.Status = Failed
			}
			out.Failed++
		}
		if err := s.store.Record(ctx, d); err != nil {
			return out, err
		}
	}
	return out, nil
}
