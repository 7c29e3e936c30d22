package billing

import "context"

// Gateway collects payment for invoices. A real gateway (card, direct debit)
// is one adapter; the manual one collects nothing and waits for the
// operator to record the payment through the API (Service.Pay).
type Gateway interface {
	// Name names the gateway in logs and on payments.
	Name() string
	// Collect asks for payment of a newly opened invoice. It returns the
	// payment reference when the money was taken at once, or "" when the
	// payment will arrive later (and be recorded with Service.Pay).
	Collect(ctx context.Context, inv *Invoice) (paymentRef string, err error)
}

// Manual is the gateway of operators who are paid by bank transfer or
// cheque: invoices stay open until someone marks them paid.
type Manual struct{}

// Name returns "manual".
func (Manual) Name() string { return "manual" }

// Collect takes nothing: the payment is recorded through the API.
func (Manual) Collect(context.Context, *Invoice) (string, error) { return "", nil }

var _ Gateway = Manual{}
