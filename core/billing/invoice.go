package billing

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/saasd/saasd/core"
)

// InvoiceState is where a SaaS invoice stands: draft -> open -> paid | void.
type InvoiceState string

// Invoice states. Draft invoices may still change; open ones are issued and
// frozen; paid and void are final.
const (
	InvoiceDraft InvoiceState = "draft"
	InvoiceOpen  InvoiceState = "open"
	InvoicePaid  InvoiceState = "paid"
	InvoiceVoid  InvoiceState = "void"
)

// DefaultCurrency is the currency of an invoice that names none.
const DefaultCurrency = "USD"

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// Line is one invoice line. A credit is a line with a negative UnitAmount.
type Line struct {
	Description string
	Quantity    int64
	UnitAmount  core.Money // minor units
}

// Amount is Quantity × UnitAmount. It is exact for lines that passed
// validation, which refuses products beyond int64 cents.
func (l Line) Amount() core.Money { return core.Money(l.Quantity) * l.UnitAmount }

func (l Line) problem() string {
	switch {
	case strings.TrimSpace(l.Description) == "":
		return "description is required"
	case len(l.Description) > 255:
		return "description must be at most 255 characters"
	case l.Quantity < 1:
		return "quantity must be at least 1"
	case l.UnitAmount != 0 && (l.UnitAmount == math.MinInt64 || l.Quantity > math.MaxInt64/abs(int64(l.UnitAmount))):
		return "amount is too large"
	}
	return ""
}

// Invoice is a bill the operator sends a tenant for its subscription. Only
// drafts change; every transition method leaves the invoice untouched when it
// returns an error.
type Invoice struct {
	Number      string
	TenantID    int64
	Bill        int // the Lifecycle bill it collects, 0 for a manual invoice
	PeriodStart time.Time
	PeriodEnd   time.Time
	Lines       []Line
	Total       core.Money // sum of the line amounts, kept by the methods
	Currency    string     // ISO 4217, DefaultCurrency when empty at creation
	State       InvoiceState
	IssuedAt    time.Time // when it was opened
	PaidAt      time.Time
	PaymentRef  string // the payment provider's reference, required to mark paid
	VoidedAt    time.Time
}

// NewInvoice returns a draft invoice over the period [start, end] with the
// given lines, its total computed. Returns core.Invalid naming every refused
// field.
func NewInvoice(number string, tenantID int64, start, end time.Time, lines ...Line) (*Invoice, error) {
	inv := &Invoice{
		Number: strings.TrimSpace(number), TenantID: tenantID,
		PeriodStart: start.UTC(), PeriodEnd: end.UTC(),
		Lines: append([]Line(nil), lines...), Currency: DefaultCurrency, State: InvoiceDraft,
	}
	inv.Total, _ = sumLines(inv.Lines)
	if err := inv.Validate(); err != nil {
		return nil, err
	}
	return inv, nil
}

// Validate checks the fields a stored invoice must have. Returns core.Invalid.
func (inv *Invoice) Validate() error {
	errs := map[string]string{}
	if inv.Number == "" {
		errs["number"] = "is required"
	} else if len(inv.Number) > 64 {
		errs["number"] = "must be at most 64 characters"
	}
	if inv.TenantID <= 0 {
		errs["tenant_id"] = "is required"
	}
	if inv.Bill < 0 {
		errs["bill"] = "must not be negative"
	}
	if inv.PeriodStart.IsZero() || inv.PeriodEnd.IsZero() {
		errs["period"] = "start and end are required"
	} else if inv.PeriodEnd.Before(inv.PeriodStart) {
		errs["period"] = "must not end before it starts"
	}
	if !currencyRE.MatchString(inv.Currency) {
		errs["currency"] = "must be a three-letter upper-case ISO 4217 code"
	}
	switch inv.State {
	case InvoiceDraft, InvoiceOpen, InvoicePaid, InvoiceVoid:
	default:
		errs["state"] = "must be draft, open, paid or void"
	}
	lineErrs := false
	for i, l := range inv.Lines {
		if p := l.problem(); p != "" {
			errs[fmt.Sprintf("lines.%d", i)] = p
			lineErrs = true
		}
	}
	if !lineErrs {
		if total, ok := sumLines(inv.Lines); !ok {
			errs["total"] = "is too large"
		} else if total != inv.Total {
			errs["total"] = "must be the sum of the lines"
		}
	}
	if len(errs) > 0 {
		return core.InvalidFields(errs)
	}
	return nil
}

// AddLine appends a line to a draft. Returns core.Conflict unless the
// invoice is a draft, core.Invalid for a bad line.
func (inv *Invoice) AddLine(l Line) error {
	if inv.State != InvoiceDraft {
		return core.Errorf(core.Conflict, "invoice %s is %s: only drafts take new lines", inv.Number, inv.State)
	}
	if p := l.problem(); p != "" {
		return core.InvalidFields(map[string]string{"line": p})
	}
	total, ok := sumLines(append(inv.Lines[:len(inv.Lines):len(inv.Lines)], l))
	if !ok {
		return core.InvalidFields(map[string]string{"total": "is too large"})
	}
	inv.Lines = append(inv.Lines, l)
	inv.Total = total
	return nil
}

// Open issues a draft at at; its lines are frozen from then on. Returns
// core.Conflict unless it is a draft, core.Invalid when it has no lines or
// a negative total (a credit is carried on the subscription, never invoiced).
func (inv *Invoice) Open(at time.Time) error {
	if inv.State != InvoiceDraft {
		return core.Errorf(core.Conflict, "invoice %s is %s: only a draft can be opened", inv.Number, inv.State)
	}
	switch {
	case len(inv.Lines) == 0:
		return core.InvalidFields(map[string]string{"lines": "an invoice needs at least one line"})
	case inv.Total < 0:
		return core.InvalidFields(map[string]string{"total": "must not be negative"})
	}
	inv.State, inv.IssuedAt = InvoiceOpen, at.UTC()
	return nil
}

// MarkPaid records that an open invoice was paid at at, with ref being the
// payment's reference. Returns core.Invalid without a reference and
// core.Conflict unless the invoice is open.
func (inv *Invoice) MarkPaid(ref string, at time.Time) error {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return core.InvalidFields(map[string]string{"payment_ref": "is required"})
	}
	if inv.State != InvoiceOpen {
		return core.Errorf(core.Conflict, "invoice %s is %s: only an open invoice can be paid", inv.Number, inv.State)
	}
	inv.State, inv.PaidAt, inv.PaymentRef = InvoicePaid, at.UTC(), ref
	return nil
}

// Void cancels a draft or open invoice. Returns core.Conflict for a paid or
// already void one: a paid invoice is corrected with a credit, not undone.
func (inv *Invoice) Void(at time.Time) error {
	if inv.State != InvoiceDraft && inv.State != InvoiceOpen {
		return core.Errorf(core.Conflict, "invoice %s is %s: only a draft or open invoice can be voided", inv.Number, inv.State)
	}
	inv.State, inv.VoidedAt = InvoiceVoid, at.UTC()
	return nil
}

// Invoice returns a draft invoice numbered number for tenantID that
// collects b. Returns core.Invalid as NewInvoice does.
func (b Bill) Invoice(number string, tenantID int64) (*Invoice, error) {
	inv, err := NewInvoice(number, tenantID, b.PeriodStart, b.PeriodEnd, b.Lines...)
	if err != nil {
		return nil, err
	}
	inv.Bill = b.N
	return inv, nil
}

// sumLines adds the line amounts, reporting false on int64 overflow.
func sumLines(lines []Line) (core.Money, bool) {
	var total int64
	for _, l := range lines {
		if l.problem() != "" {
			return 0, false
		}
		a := int64(l.Amount())
		if (a > 0 && total > math.MaxInt64-a) || (a < 0 && total < math.MinInt64-a) {
			return 0, false
		}
		total += a
	}
	return core.Money(total), true
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
