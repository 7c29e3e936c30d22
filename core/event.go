package core

import "time"

// Event types sent to webhooks.
const (
	EventTenantCreated       = "tenant.created"
	EventTenantDeleted       = "tenant.deleted"
	EventTenantSuspended     = "tenant.suspended"
	EventSubscriptionRenewed = "subscription.renewed"
	EventInvoiceCreated      = "invoice.created"
	EventInvoicePaid         = "invoice.paid"
	EventQuotaThreshold      = "quota.threshold"
)

// EventTypes lists every event a webhook can subscribe to.
var EventTypes = []string{EventTenantCreated, EventTenantDeleted, EventTenantSuspended,
	EventSubscriptionRenewed, EventInvoiceCreated, EventInvoicePaid, EventQuotaThreshold}

// ScopeTenant marks an event of a tenant's own business (a customer it
// created, a payment it received): it goes only to webhooks that tenant
// registered. Events without a scope are the operator's (tenant.created,
// the operator's invoice.created to a tenant) and go only to the
// operator's webhooks. The two catalogs may share a name: the scope says
// which is meant.
const ScopeTenant = "tenant"

// Event is something that happened, written to the outbox in the same
// transaction as the change that caused it, and sent to webhooks from there.
type Event struct {
	ID       int64
	Type     string
	TenantID int64
	Scope    string // "" (the operator's) or ScopeTenant
	Data     map[string]any
	At       time.Time
}

// NewEvent returns an event about a tenant.
func NewEvent(typ string, tenantID int64, at time.Time, data map[string]any) Event {
	return Event{Type: typ, TenantID: tenantID, Data: data, At: at}
}
