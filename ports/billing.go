// The ports of core/subscription: plans, the billing transaction over a
// tenant's subscription and invoices, and the payment gateway.
package ports

import (
	"context"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
)

// PlanStore keeps plans in the control database.
type PlanStore interface {
	// CreatePlan inserts p and sets its ID and timestamps. Returns core.Conflict
	// if the name is taken.
	CreatePlan(ctx context.Context, p *core.Plan) error
	// Plan returns one plan. Returns core.NotFound.
	Plan(ctx context.Context, id int64) (core.Plan, error)
	// Plans returns every plan, in ID order.
	Plans(ctx context.Context) ([]core.Plan, error)
	// UpdatePlan loads the plan, applies fn and saves the result in one
	// transaction. Returns core.NotFound, core.Conflict on a taken name, or fn's error.
	UpdatePlan(ctx context.Context, id int64, fn func(*core.Plan) error) (core.Plan, error)
	// DeletePlan removes a plan. Returns core.NotFound, or core.Conflict while
	// any tenant is on it.
	DeletePlan(ctx context.Context, id int64) error
}

// BillingTx is a tenant's billing as one transaction sees it: the tenant
// row, its subscription's lifecycle and its invoices. Implementations lock
// what they load until the transaction ends.
type BillingTx interface {
	// Tenant returns the tenant row. Returns core.NotFound.
	Tenant(tenantID int64) (core.Tenant, error)
	// Plan returns a plan, read in the transaction. Returns core.NotFound.
	Plan(id int64) (core.Plan, error)
	// SaveTenant stores the tenant's plan, status and dates and writes its
	// Events to the outbox.
	SaveTenant(t core.Tenant) error
	// Lifecycle returns the subscription's lifecycle and how many of its
	// bills have invoices; nil when the tenant has none yet.
	Lifecycle(tenantID int64) (*billing.Lifecycle, int, error)
	// SaveLifecycle stores the lifecycle, the count of invoiced bills and
	// the lifecycle events given.
	SaveLifecycle(tenantID int64, l *billing.Lifecycle, invoiced int, events []billing.Event) error
	// CreateInvoice stores a new invoice. Returns core.Conflict if the bill
	// has one already (so no period is billed twice).
	CreateInvoice(inv *billing.Invoice) error
	// Invoice returns one invoice of the tenant. Returns core.NotFound.
	Invoice(tenantID int64, number string) (*billing.Invoice, error)
	// SaveInvoice stores an invoice's state.
	SaveInvoice(inv *billing.Invoice) error
}

// BillingStore runs billing transactions and leases.
type BillingStore interface {
	// InTx runs fn in one transaction: all of it is saved or none.
	InTx(ctx context.Context, fn func(BillingTx) error) error
	// BillableTenants returns up to limit IDs, above after, of tenants
	// that are ready (active, trial or inactive).
	BillableTenants(ctx context.Context, after int64, limit int) ([]int64, error)
	// Invoices returns a tenant's invoices, newest first.
	Invoices(ctx context.Context, tenantID int64) ([]*billing.Invoice, error)
	// Lease takes or renews the named lease for holder until ttl passes;
	// false when another holder has it. Several replicas may run the worker:
	// only the lease holder bills.
	Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// Gateway collects payment for invoices. A real gateway (card, direct debit)
// is one adapter; the manual one collects nothing and waits for the
// operator to record the payment through the API.
type Gateway interface {
	// Name names the gateway in logs and on payments.
	Name() string
	// Collect asks for payment of a newly opened invoice. It returns the
	// payment reference when the money was taken at once, or "" when the
	// payment will arrive later (and be recorded through the API).
	Collect(ctx context.Context, inv *billing.Invoice) (paymentRef string, err error)
}
