// Package reports is the tenant-side reports module: the financial summary
// of seed 004, computed in the tenant's database from its transactions
// (income and expenses) and invoices (what is still owed), exactly in
// minor units.
package reports

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/ports"
)

// Sources are the tables the summary reads. Modules do not import each
// other: cmd/saasd hands the schemas in.
type Sources struct {
	// Transactions has an enum "type" (Income, Expense), a money "amount"
	// and a date "date" (its DateFilter).
	Transactions *core.Schema
	// Invoices has an enum "status", a money "amount" and a date "date"
	// (its DateFilter).
	Invoices *core.Schema
}

// Outstanding are the invoice statuses whose amount is still owed.
var Outstanding = []string{"Unpaid", "Partially Paid"}

// Module serves /api/v2/reports.
type Module struct {
	totals ports.RecordTotals
	src    Sources
}

// New returns the module. Like kernel.Register, it panics when a source
// lacks a field the summary reads, so a renamed column stops the program
// at start rather than answering zeros.
func New(totals ports.RecordTotals, src Sources) *Module {
	need := func(s *core.Schema, name string, typ core.FieldType) {
		if s == nil {
			panic("reports: a source schema is nil")
		}
		if f, ok := s.Field(name); !ok || f.Type != typ {
			panic(fmt.Sprintf("reports: table %s has no %s field %q", s.Table, typ, name))
		}
	}
	for _, s := range []*core.Schema{src.Transactions, src.Invoices} {
		need(s, "amount", core.MoneyField)
		need(s, "date", core.DateField)
		if s.DateFilter != "date" {
			panic(fmt.Sprintf("reports: table %s is not filtered by date", s.Table))
		}
	}
	need(src.Transactions, "type", core.EnumField)
	need(src.Invoices, "status", core.EnumField)
	return &Module{totals: totals, src: src}
}

// Name is the route prefix.
func (m *Module) Name() string { return "reports" }

// Resources is empty.
func (m *Module) Resources() []core.Resource { return nil }

// Migrations is nil: reports read other modules' tables.
func (m *Module) Migrations() fs.FS { return nil }

// Routes is the financial summary, for admins only: it is the whole
// tenant's money.
func (m *Module) Routes() []kernel.Route {
	return []kernel.Route{{Method: "GET", Path: "/financial", AdminOnly: true, Message: "Financial report retrieved successfully", Handle: m.financial,
		Doc: kernel.Doc{Summary: "Income, expenses, profit and outstanding invoices of a year or a month (query year, month)", Response: Financial{}}}}
}

// Period is the span a report covers; nil ends are open.
type Period struct {
	From, To *time.Time
}

// ParsePeriod reads ?year= and ?month=: both empty is all time, a year
// alone is that year, a month needs its year. Returns core.Invalid naming
// each bad parameter.
func ParsePeriod(year, month string) (Period, error) {
	errs := map[string]string{}
	y, mo := 0, 0
	if year != "" {
		n, err := strconv.Atoi(year)
		if err != nil || n < 1900 || n > 9999 {
			errs["year"] = "must be a year from 1900 to 9999"
		}
		y = n
	}
	if month != "" {
		n, err := strconv.Atoi(month)
		switch {
		case err != nil || n < 1 || n > 12:
			errs["month"] = "must be a month from 1 to 12"
		case year == "":
			errs["year"] = "is required with month"
		}
		mo = n
	}
	if len(errs) > 0 {
		return Period{}, core.InvalidFields(errs)
	}
	switch {
	case year == "":
		return Period{}, nil
	case month == "":
		from := time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(1, 0, -1)
		return Period{From: &from, To: &to}, nil
	}
	from := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, -1)
	return Period{From: &from, To: &to}, nil
}

// Financial is the summary of a period.
type Financial struct {
	Income      core.Money `json:"income"`
	Expenses    core.Money `json:"expenses"`
	Profit      core.Money `json:"profit"`
	Outstanding core.Money `json:"outstanding_invoices"`
	From        *string    `json:"from"` // YYYY-MM-DD, or null for all time
	To          *string    `json:"to"`
}

func (m *Module) financial(ctx context.Context, in kernel.Input) (any, error) {
	p, err := ParsePeriod(in.Query("year"), in.Query("month"))
	if err != nil {
		return nil, err
	}
	t, _ := core.TenantFrom(ctx)
	sum := func(s *core.Schema, filters map[string]any) (core.Money, error) {
		return m.totals.Sum(ctx, t, s, "amount", core.ListQuery{Filters: filters, DateFrom: p.From, DateTo: p.To})
	}
	var out Financial
	if out.Income, err = sum(m.src.Transactions, map[string]any{"type": "Income"}); err != nil {
		return nil, err
	}
	if out.Expenses, err = sum(m.src.Transactions, map[string]any{"type": "Expense"}); err != nil {
		return nil, err
	}
	statuses := make([]any, len(Outstanding))
	for i, s := range Outstanding {
		statuses[i] = s
	}
	if out.Outstanding, err = sum(m.src.Invoices, map[string]any{"status": statuses}); err != nil {
		return nil, err
	}
	if out.Profit, err = sub(out.Income, out.Expenses); err != nil {
		return nil, err
	}
	day := func(d *time.Time) *string {
		if d == nil {
			return nil
		}
		s := d.Format(time.DateOnly)
		return &s
	}
	out.From, out.To = day(p.From), day(p.To)
	return out, nil
}

// sub is a - b, refused when it leaves the range of Money.
func sub(a, b core.Money) (core.Money, error) {
	if (b > 0 && a < math.MinInt64+b) || (b < 0 && a > math.MaxInt64+b) {
		return 0, core.InvalidFields(map[string]string{"period": "the profit of this period exceeds the largest amount that can be represented"})
	}
	return a - b, nil
}
