// Package webhook sends outbox events to the URLs the operator, or a
// tenant for its own events (Tenants), registered: deliveries are signed (HMAC-SHA256 over the timestamp and the
// body, with a secret per webhook), retried with exponential backoff and
// recorded, so each event reaches each webhook once per delivery ID.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/egress"
	"github.com/saasd/saasd/ports"
)

// Defaults of a Service; see the With… options.
const (
	DefaultConcurrency = 32               // sends in flight at once, overall
	DefaultPerEndpoint = 4                // sends in flight at once to one webhook
	DefaultLeaseTTL    = time.Minute      // the dispatch lease, renewed every third of it
	DefaultRunBudget   = 30 * time.Second // after this a run starts no new send
)

// Service manages webhooks and dispatches deliveries.
type Service struct {
	store  ports.WebhookStore
	sender ports.Sender
	clock  ports.Clock
	holder string

	policy                   egress.Policy
	concurrency, perEndpoint int
	leaseTTL, runBudget      time.Duration
}

// Option configures a Service.
type Option func(*Service)

// WithPolicy sets which destinations may be registered (default: no
// internal address).
func WithPolicy(p egress.Policy) Option { return func(s *Service) { s.policy = p } }

// WithConcurrency bounds the sends in flight overall and to one webhook.
func WithConcurrency(overall, perEndpoint int) Option {
	return func(s *Service) { s.concurrency, s.perEndpoint = max(overall, 1), max(perEndpoint, 1) }
}

// WithLease sets the dispatch lease's time to live.
func WithLease(ttl time.Duration) Option { return func(s *Service) { s.leaseTTL = ttl } }

// WithRunBudget sets how long one Dispatch keeps starting sends; set it to
// about the sender's timeout, so that a run lasts at most about twice that.
func WithRunBudget(d time.Duration) Option { return func(s *Service) { s.runBudget = d } }

// New returns a webhook service; holder names this process in the lease.
func New(store ports.WebhookStore, sender ports.Sender, clock ports.Clock, holder string, opts ...Option) *Service {
	s := &Service{store: store, sender: sender, clock: clock, holder: holder, policy: egress.New(nil),
		concurrency: DefaultConcurrency, perEndpoint: DefaultPerEndpoint, leaseTTL: DefaultLeaseTTL, runBudget: DefaultRunBudget}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Register adds a webhook for the given event types ("*" for all) and
// returns it with its signing secret. The URL must be http(s), carry no
// credentials and not point at an internal address (see egress). Returns
// core.Invalid.
func (s *Service) Register(ctx context.Context, rawURL string, events []string) (core.Webhook, error) {
	w, err := newWebhook(s.policy, rawURL, events, core.EventTypes, s.clock.Now())
	if err != nil {
		return core.Webhook{}, err
	}
	actx := core.WithAudit(ctx, "webhook.create", "webhook", "", map[string]any{"url": w.URL, "events": events})
	if err := s.store.CreateWebhook(actx, &w); err != nil {
		return core.Webhook{}, err
	}
	return w, nil
}

// newWebhook validates a webhook for events of catalog and gives it a
// signing secret.
func newWebhook(policy egress.Policy, rawURL string, events, catalog []string, now time.Time) (core.Webhook, error) {
	errs := map[string]string{}
	dest, err := policy.CheckURL("url", rawURL)
	if err != nil {
		var e *core.Error
		if !errors.As(err, &e) {
			return core.Webhook{}, err
		}
		maps.Copy(errs, e.Fields)
	}
	if len(events) == 0 {
		errs["events"] = "must list at least one event: " + strings.Join(catalog, ", ") + ", or *"
	}
	for _, e := range events {
		if e != "*" && !slices.Contains(catalog, e) {
			errs["events"] = fmt.Sprintf("unknown event %q; valid: %s, or *", e, strings.Join(catalog, ", "))
		}
	}
	if len(errs) > 0 {
		return core.Webhook{}, core.InvalidFields(errs)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return core.Webhook{}, err
	}
	return core.Webhook{URL: dest, Events: events, Secret: "whsec_" + base64.RawURLEncoding.EncodeToString(b), CreatedAt: now}, nil
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

// Redeliver sends a failed delivery again: it becomes pending with a fresh
// set of attempts, due at once. Returns core.NotFound, or core.Conflict when
// the delivery has not failed.
func (s *Service) Redeliver(ctx context.Context, webhookID, deliveryID int64) (core.Delivery, error) {
	actx := core.WithAudit(ctx, "webhook.redeliver", "webhook", strconv.FormatInt(webhookID, 10), map[string]any{"delivery_id": deliveryID})
	return s.store.Redeliver(actx, webhookID, deliveryID, s.clock.Now())
}

// Events returns the latest events about a tenant, newest first, whether
// or not a webhook wanted them.
func (s *Service) Events(ctx context.Context, tenantID int64) ([]core.Event, error) {
	return s.store.Events(ctx, tenantID, 50)
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
	// Deferred were not tried: their webhook had just failed to answer in
	// this run, so they wait for its next attempt instead.
	Deferred int
}

const leaseName = "webhooks"

// Dispatch fans new outbox events out to webhooks and sends what is due,
// under a lease so that replicas do not send the same delivery twice.
//
// Sends run concurrently, at most perEndpoint to one webhook and
// concurrency overall, so a slow receiver holds up only its own
// deliveries. A webhook that times out or refuses the connection is not
// tried again in the same run: its other due deliveries move to its next
// attempt. After the run budget no new send starts (what is left stays
// due), and the lease is renewed while sends are in flight; if it cannot
// be, the run stops, since another replica may take over.
func (s *Service) Dispatch(ctx context.Context) (Dispatched, error) {
	var out Dispatched
	if ok, err := s.store.Lease(ctx, leaseName, s.holder, s.leaseTTL); err != nil || !ok {
		return out, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		s.renew(ctx, cancel)
	}()
	defer func() { cancel(nil); <-renewed }()

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
	var order []int64
	byHook := map[int64][]core.Delivery{}
	for _, d := range due {
		if _, seen := byHook[d.WebhookID]; !seen {
			order = append(order, d.WebhookID)
		}
		byHook[d.WebhookID] = append(byHook[d.WebhookID], d)
	}
	r := &run{s: s, ctx: ctx, deadline: time.Now().Add(s.runBudget), slots: make(chan struct{}, s.concurrency)}
	var wg sync.WaitGroup
	for _, id := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.endpoint(byHook[id])
		}()
	}
	wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	out.Sent, out.Failed, out.Deferred = r.out.Sent, r.out.Failed, r.out.Deferred
	if r.err == nil {
		if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
			r.err = cause
		}
	}
	return out, r.err
}

// errLeaseLost stops a run whose lease could not be renewed.
var errLeaseLost = errors.New("webhook dispatch lease lost: stopped sending")

// renew keeps the lease while the run lasts, and stops the run when the
// lease is gone.
func (s *Service) renew(ctx context.Context, stop context.CancelCauseFunc) {
	t := time.NewTicker(s.leaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if ok, err := s.store.Lease(ctx, leaseName, s.holder, s.leaseTTL); ctx.Err() == nil && (err != nil || !ok) {
				stop(errors.Join(errLeaseLost, err))
				return
			}
		}
	}
}

// run is one Dispatch's sends.
type run struct {
	s        *Service
	ctx      context.Context
	deadline time.Time
	slots    chan struct{} // the overall bound

	mu  sync.Mutex
	out Dispatched
	err error
}

// endpoint sends one webhook's due deliveries, perEndpoint at a time.
func (r *run) endpoint(list []core.Delivery) {
	queue := make(chan core.Delivery)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		failing *core.Delivery // the attempt that found the receiver unreachable
	)
	for range min(r.s.perEndpoint, len(list)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range queue {
				mu.Lock()
				down := failing
				mu.Unlock()
				if down != nil {
					d.NextAttempt = down.NextAttempt
					r.record(d, func(o *Dispatched) { o.Deferred++ })
					continue
				}
				if unreachable := r.send(d); unreachable != nil {
					mu.Lock()
					if failing == nil {
						failing = unreachable
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, d := range list {
		if r.ctx.Err() != nil || time.Now().After(r.deadline) {
			break // left due for the next run
		}
		select {
		case queue <- d:
		case <-r.ctx.Done():
		}
	}
	close(queue)
	wg.Wait()
}

// send makes one attempt and records it; it returns the delivery when the
// receiver could not be reached at all (timeout, refused connection).
func (r *run) send(d core.Delivery) *core.Delivery {
	select {
	case r.slots <- struct{}{}:
	case <-r.ctx.Done():
		return nil
	}
	status, err := r.s.sender.Send(r.ctx, d, r.s.clock.Now())
	<-r.slots
	d.Attempts++
	d.ResponseCode = status
	ok := err == nil && status >= 200 && status < 300
	if ok {
		d.Status, d.DeliveredAt, d.LastError = core.DeliveryDelivered, r.s.clock.Now(), ""
	} else {
		if err != nil {
			d.LastError = err.Error()
		} else {
			d.LastError = fmt.Sprintf("receiver answered %d", status)
		}
		d.NextAttempt = r.s.clock.Now().Add(Backoff(d.Attempts))
		if d.Attempts >= core.MaxDeliveryAttempts {
			d.Status = core.DeliveryFailed
		}
	}
	r.record(d, func(o *Dispatched) {
		if ok {
			o.Sent++
		} else {
			o.Failed++
		}
	})
	if err != nil {
		return &d
	}
	return nil
}

// record stores an attempt even when the run is being stopped, so that
// what was sent is known.
func (r *run) record(d core.Delivery, count func(*Dispatched)) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 10*time.Second)
	defer cancel()
	err := r.s.store.Record(ctx, d)
	r.mu.Lock()
	defer r.mu.Unlock()
	count(&r.out)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("record delivery %d: %w", d.ID, err)
	}
}

// MaxTenantWebhooks is how many webhooks one tenant may register.
const MaxTenantWebhooks = 20

// Tenants manages the webhooks tenants register for their own events
// (core.ScopeTenant). Their deliveries are fanned out, signed, sent and
// retried by the same Service.Dispatch as the operator's.
type Tenants struct {
	store  ports.TenantWebhookStore
	clock  ports.Clock
	events []string
	policy egress.Policy
}

// NewTenants returns the tenant webhook service for the events of catalog
// (kernel.Events: what the registered modules announce); destinations are
// checked by policy, as the operator's are.
func NewTenants(store ports.TenantWebhookStore, clock ports.Clock, catalog []string, policy egress.Policy) *Tenants {
	return &Tenants{store: store, clock: clock, events: catalog, policy: policy}
}

// Events returns the catalog of events a tenant webhook may subscribe to.
func (s *Tenants) Events() []string { return s.events }

// Register adds a webhook of tenant tenantID and returns it with its signing
// secret. Returns core.Invalid or core.Conflict (too many webhooks).
func (s *Tenants) Register(ctx context.Context, tenantID int64, rawURL string, events []string) (core.Webhook, error) {
	w, err := newWebhook(s.policy, rawURL, events, s.events, s.clock.Now())
	if err != nil {
		return core.Webhook{}, err
	}
	have, err := s.store.TenantWebhooks(ctx, tenantID)
	if err != nil {
		return core.Webhook{}, err
	}
	if len(have) >= MaxTenantWebhooks {
		return core.Webhook{}, core.Errorf(core.Conflict, "a tenant may register at most %d webhooks; delete one first", MaxTenantWebhooks)
	}
	w.TenantID = tenantID
	if err := s.store.CreateWebhook(ctx, &w); err != nil {
		return core.Webhook{}, err
	}
	return w, nil
}

// List returns a tenant's webhooks.
func (s *Tenants) List(ctx context.Context, tenantID int64) ([]core.Webhook, error) {
	return s.store.TenantWebhooks(ctx, tenantID)
}

// Delete removes one of a tenant's webhooks. Returns core.NotFound.
func (s *Tenants) Delete(ctx context.Context, tenantID, id int64) error {
	return s.store.DeleteTenantWebhook(ctx, tenantID, id)
}
