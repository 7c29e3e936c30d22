package billing_test

import (
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
)

func newTestInvoice(t *testing.T, lines ...billing.Line) *billing.Invoice {
	t.Helper()
	inv, err := billing.NewInvoice("INV-0001", 7, utcDay(2026, 4, 1), utcDay(2026, 5, 1), lines...)
	if err != nil {
		t.Fatalf("NewInvoice: %v", err)
	}
	return inv
}

func TestNewInvoice(t *testing.T) {
	t.Parallel()
	seat := billing.Line{Description: "Seat", Quantity: 3, UnitAmount: 10}
	tests := []struct {
		name       string
		number     string
		tenant     int64
		start, end time.Time
		lines      []billing.Line
		wantTotal  core.Money
		wantFields []string
	}{
		{name: "totals exactly in cents", number: "INV-1", tenant: 7, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1),
			lines: []billing.Line{seat, {Description: "Storage", Quantity: 1, UnitAmount: 20}}, wantTotal: 50},
		{name: "credit line lowers the total", number: "INV-2", tenant: 7, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1),
			lines: []billing.Line{{Description: "Pro", Quantity: 1, UnitAmount: 2450}, {Description: "Unused Basic", Quantity: 1, UnitAmount: -500}}, wantTotal: 1950},
		{name: "no lines yet", number: "INV-3", tenant: 7, start: utcDay(2026, 4, 1), end: utcDay(2026, 4, 1)},
		{name: "missing number, tenant and period", wantFields: []string{"number", "period", "tenant_id"}},
		{name: "period backwards", number: "INV-4", tenant: 7, start: utcDay(2026, 5, 1), end: utcDay(2026, 4, 1), wantFields: []string{"period"}},
		{name: "bad lines", number: "INV-5", tenant: 7, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1),
			lines:      []billing.Line{{Quantity: 1, UnitAmount: 1}, {Description: "Zero", Quantity: 0, UnitAmount: 1}, {Description: "Huge", Quantity: 2, UnitAmount: math.MaxInt64}},
			wantFields: []string{"lines.0", "lines.1", "lines.2"}},
		{name: "total overflows", number: "INV-6", tenant: 7, start: utcDay(2026, 4, 1), end: utcDay(2026, 5, 1),
			lines:      []billing.Line{{Description: "A", Quantity: 1, UnitAmount: math.MaxInt64}, {Description: "B", Quantity: 1, UnitAmount: 1}},
			wantFields: []string{"total"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv, err := billing.NewInvoice(tt.number, tt.tenant, tt.start, tt.end, tt.lines...)
			if tt.wantFields != nil {
				if got := slices.Sorted(maps.Keys(core.FieldsOf(err))); core.KindOf(err) != core.Invalid || !slices.Equal(got, tt.wantFields) {
					t.Fatalf("NewInvoice error = %v, fields %v; want invalid %v", err, got, tt.wantFields)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewInvoice: %v", err)
			}
			if inv.State != billing.InvoiceDraft || inv.Currency != "USD" || inv.Total != tt.wantTotal {
				t.Errorf("invoice = %s %s total %s, want draft USD total %s", inv.State, inv.Currency, inv.Total, tt.wantTotal)
			}
		})
	}
}

func TestInvoiceTransitions(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	line := billing.Line{Description: "Basic plan", Quantity: 1, UnitAmount: 1000}
	open := func(inv *billing.Invoice) error { return inv.Open(at) }
	pay := func(inv *billing.Invoice) error { return inv.MarkPaid("ch_123", at) }
	void := func(inv *billing.Invoice) error { return inv.Void(at) }
	addLine := func(inv *billing.Invoice) error { return inv.AddLine(line) }
	tests := []struct {
		name      string
		lines     []billing.Line
		steps     []func(*billing.Invoice) error // all must succeed
		last      func(*billing.Invoice) error
		wantKind  core.Kind // of last; "" for success
		wantState billing.InvoiceState
	}{
		{name: "draft to open", lines: []billing.Line{line}, last: open, wantState: billing.InvoiceOpen},
		{name: "open to paid", lines: []billing.Line{line}, steps: []func(*billing.Invoice) error{open}, last: pay, wantState: billing.InvoicePaid},
		{name: "draft to void", lines: []billing.Line{line}, last: void, wantState: billing.InvoiceVoid},
		{name: "open to void", lines: []billing.Line{line}, steps: []func(*billing.Invoice) error{open}, last: void, wantState: billing.InvoiceVoid},
		{name: "draft takes lines", last: addLine, wantState: billing.InvoiceDraft},
		{name: "draft cannot be paid", lines: []billing.Line{line}, last: pay, wantKind: core.Conflict, wantState: billing.InvoiceDraft},
		{name: "empty draft cannot open", last: open, wantKind: core.Invalid, wantState: billing.InvoiceDraft},
		{name: "negative total cannot open", lines: []billing.Line{{Description: "Credit", Quantity: 1, UnitAmount: -1}}, last: open, wantKind: core.Invalid, wantState: billing.InvoiceDraft},
		{name: "open cannot open again", lines: []billing.Line{line}, steps: []func(*billing.Invoice) error{open}, last: open, wantKind: core.Conflict, wantState: billing.InvoiceOpen},
		{name: "open takes no lines", lines: []billing.Line{line}, steps: []func(*billing.Invoice) error{open}, last: addLine, wantKind: core.Conflict, wantState: billing.InvoiceOpen},
		{name: "paid needs a reference", lines: []billing.Line{line}, steps: []func(*billing.Invoice) error{open},
			last: func(inv *billing.Invoice) error { return inv.MarkPaid("  ", at) }, wantKind: core.Invalid, wantState: billing.InvoiceOpen},
		{name: "paid cannot be voided", lines: []billing.Line{line}, steps: []func(*billing.Invoice) error{open, pay}, last: void, wantKind: core.Conflict, wantState: billing.InvoicePaid},
		{name: "paid cannot be paid again", lines: []billing.Line{line}, steps: []func(*billing.Invoice) error{open, pay}, last: pay, wantKind: core.Conflict, wantState: billing.InvoicePaid},
		{name: "void cannot be paid", lines: []billing.Line{line}, steps: []func(*billing.Invoice) error{open, void}, last: pay, wantKind: core.Conflict, wantState: billing.InvoiceVoid},
		{name: "void cannot reopen", lines: []billing.Line{line}, steps: []func(*billing.Invoice) error{void}, last: open, wantKind: core.Conflict, wantState: billing.InvoiceVoid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := newTestInvoice(t, tt.lines...)
			for i, step := range tt.steps {
				if err := step(inv); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			before := *inv
			err := tt.last(inv)
			if core.KindOf(err) != tt.wantKind {
				t.Fatalf("error = %v, want kind %q", err, tt.wantKind)
			}
			if inv.State != tt.wantState {
				t.Errorf("state = %s, want %s", inv.State, tt.wantState)
			}
			if err != nil && (inv.PaidAt != before.PaidAt || inv.PaymentRef != before.PaymentRef || len(inv.Lines) != len(before.Lines) || inv.Total != before.Total) {
				t.Errorf("refused transition changed the invoice: %+v -> %+v", before, *inv)
			}
			if tt.wantState == billing.InvoicePaid && (inv.PaymentRef != "ch_123" || !inv.PaidAt.Equal(at)) {
				t.Errorf("paid = %q at %s, want ch_123 at %s", inv.PaymentRef, inv.PaidAt, at)
			}
			if err := inv.Validate(); err != nil {
				t.Errorf("Validate after transitions: %v", err)
			}
		})
	}
}

func TestInvoiceAddLineTotals(t *testing.T) {
	t.Parallel()
	inv := newTestInvoice(t)
	for _, cents := range []core.Money{10, 20} { // 0.10 + 0.20 stays 0.30
		if err := inv.AddLine(billing.Line{Description: "Item", Quantity: 1, UnitAmount: cents}); err != nil {
			t.Fatalf("AddLine: %v", err)
		}
	}
	if err := inv.AddLine(billing.Line{Description: "Bad", Quantity: -1, UnitAmount: 1}); core.KindOf(err) != core.Invalid {
		t.Errorf("AddLine with quantity -1: %v, want invalid", err)
	}
	if inv.Total.String() != "0.30" || len(inv.Lines) != 2 {
		t.Errorf("total = %s over %d lines, want 0.30 over 2", inv.Total, len(inv.Lines))
	}
}
