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
	"strconv"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// Service manages webhooks and dispatches deliveries.
type Service struct {
	store  ports.WebhookStore
	sender ports.Sender
	clock  ports.Clock
	holder string
}

// New returns a webhook service; holder names this process in the lease.
func New(store ports.WebhookStore, sender ports.Sender, clock ports.Clock, holder string) *Service {
	return &Service{store: store, sender: sender, clock: clock, holder: holder}
}

// Register adds a webhook for the given event types ("*" for all) and
// returns it with its signing secret. Returns core.Invalid.
func (s *Service) Register(ctx context.Context, rawURL string, events []string) (core.Webhook, error) {
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
		return core.Webhook{}, core.InvalidFields(errs)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return core.Webhook{}, err
	}
	w := core.Webhook{URL: u.String(), Events: events, Secret: "whsec_" + base64.RawURLEncoding.EncodeToString(b), CreatedAt: s.clock.Now()}
	actx := core.WithAudit(ctx, "webhook.create", "webhook", "", map[string]any{"url": w.URL, "events": events})
	if err := s.store.CreateWebhook(actx, &w); err != nil {
		return core.Webhook{}, err
	}
	return w, nil
}

// List returns every webhook.
func (s *Service) List(ctx context.Context) ([]core.Webhook, error) { return s.store.Webhooks(ctx) }

// Delete removes a webhook. Returns core.NotFound.
func (s *Service) Delete(ctx context.Context, id int64) error {
	return s.store.DeleteWebhook(core.WithAudit(ctx, "webhook.delete", "webhook", strconv.FormatInt(id, 10), nil), id)
}

// Deliveries returns a webhook's latest deliveries. Returns core.NotFound.
func (s *Service) Deliveries(ctx context.Context, id int64) ([]core.Delivery, error) {
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
			d.Status, d.DeliveredAt, d.LastError = core.DeliveryDelivered, s.clock.Now(), ""
			out.Sent++
		default:
			if err != nil {
				d.LastError = err.Error()
			} else {
				d.LastError = fmt.Sprintf("receiver answered %d", status)
			}
			d.NextAttempt = s.clock.Now().Add(Backoff(d.Attempts))
			if d.Attempts >= core.MaxDeliveryAttempts {
				d.Status = core.DeliveryFailed
			}
			out.Failed++
		}
		if err := s.store.Record(ctx, d); err != nil {
			return out, err
		}
	}
	return out, nil
}
