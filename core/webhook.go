package core

import "time"

// Webhook delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // gave up after MaxAttempts
)

// MaxDeliveryAttempts is how often a delivery is tried before it is given up.
const MaxDeliveryAttempts = 8

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
