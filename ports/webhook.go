// The ports of core/webhook: registered webhooks, their deliveries, and
// the sender that posts them.
package ports

import (
	"context"
	"time"

	"github.com/saasd/saasd/core"
)

// WebhookStore keeps webhooks, turns outbox events into deliveries and records
// their attempts.
type WebhookStore interface {
	CreateWebhook(ctx context.Context, w *core.Webhook) error
	Webhooks(ctx context.Context) ([]core.Webhook, error)
	// DeleteWebhook removes a webhook and its pending deliveries. Returns core.NotFound.
	DeleteWebhook(ctx context.Context, id int64) error
	// Deliveries returns a webhook's latest deliveries, newest first. Returns core.NotFound.
	Deliveries(ctx context.Context, webhookID int64, limit int) ([]core.Delivery, error)
	// Fanout turns up to limit undispatched outbox events into one delivery
	// per subscribed webhook, marking the events dispatched, in one transaction.
	Fanout(ctx context.Context, limit int, now time.Time) (int, error)
	// Due returns up to limit pending deliveries whose next attempt is due.
	Due(ctx context.Context, now time.Time, limit int) ([]core.Delivery, error)
	// Record stores the outcome of an attempt.
	Record(ctx context.Context, d core.Delivery) error
	// Redeliver makes a failed delivery of webhook webhookID pending again,
	// due at now with its attempts reset, and returns it. Returns
	// core.NotFound, or core.Conflict when the delivery has not failed.
	Redeliver(ctx context.Context, webhookID, deliveryID int64, now time.Time) (core.Delivery, error)
	// Events returns the latest outbox events about a tenant, newest first.
	Events(ctx context.Context, tenantID int64, limit int) ([]core.Event, error)
	// Lease takes or renews the named lease (see BillingStore).
	Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// Sender posts one delivery and returns the receiver's status code.
type Sender interface {
	Send(ctx context.Context, d core.Delivery, at time.Time) (status int, err error)
}

// TenantWebhookStore keeps the webhooks tenants register for their own
// events, beside the operator's in the same store: their deliveries go
// through the same fan-out, signing and retries (WebhookStore).
type TenantWebhookStore interface {
	// CreateWebhook inserts w (w.TenantID set) and sets its ID.
	CreateWebhook(ctx context.Context, w *core.Webhook) error
	// TenantWebhooks returns a tenant's webhooks, oldest first.
	TenantWebhooks(ctx context.Context, tenantID int64) ([]core.Webhook, error)
	// DeleteTenantWebhook removes one of a tenant's webhooks and its
	// pending deliveries. Returns core.NotFound, also for another's.
	DeleteTenantWebhook(ctx context.Context, tenantID, id int64) error
}
