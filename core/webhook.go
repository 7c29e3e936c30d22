package core

import (
	"slices"
	"time"
)

// Webhook delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // gave up after MaxAttempts
)

// MaxDeliveryAttempts is how often a delivery is tried before it is given up.
const MaxDeliveryAttempts = 8

// Webhook is a URL the operator, or one tenant, wants events sent to.
type Webhook struct {
	ID int64
	// TenantID is 0 for the operator's webhooks, which receive the
	// operator's events; else the tenant whose own events (ScopeTenant)
	// it receives.
	TenantID  int64
	URL       string
	Events    []string
	Secret    string // signs deliveries; shown once when the webhook is made
	CreatedAt time.Time
}

// Delivery is one event on its way to one webhook.
type Delivery struct {
	ID           int64
	WebhookID    int64
	Event        Event
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

// Receives reports whether w is sent e: the operator's webhooks get the
// operator's events, a tenant's webhook that tenant's own events (scope
// ScopeTenant), each when it subscribes to the type or to "*".
func (w Webhook) Receives(e Event) bool {
	switch {
	case e.Scope == ScopeTenant && w.TenantID != e.TenantID, e.Scope != ScopeTenant && w.TenantID != 0:
		return false
	}
	return slices.Contains(w.Events, e.Type) || slices.Contains(w.Events, "*")
}
