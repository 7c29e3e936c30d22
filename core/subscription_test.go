package core_test

import (
	"testing"
	"time"

	"github.com/saasd/saasd/core"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestAddMonths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{name: "ordinary date", from: date(2026, 3, 15), n: 1, want: date(2026, 4, 15)},
		{name: "zero months", from: date(2026, 3, 31), n: 0, want: date(2026, 3, 31)},
		{name: "Jan 31 to Feb 28 in 2026", from: date(2026, 1, 31), n: 1, want: date(2026, 2, 28)},
		{name: "Jan 31 to Feb 29 in leap 2028", from: date(2028, 1, 31), n: 1, want: date(2028, 2, 29)},
		{name: "Jan 30 to Feb 28", from: date(2026, 1, 30), n: 1, want: date(2026, 2, 28)},
		{name: "Jan 28 stays 28", from: date(2026, 1, 28), n: 1, want: date(2026, 2, 28)},
		{name: "Mar 31 to Apr 30", from: date(2026, 3, 31), n: 1, want: date(2026, 4, 30)},
		{name: "Feb 28 to Mar 28 not month end", from: date(2026, 2, 28), n: 1, want: date(2026, 3, 28)},
		{name: "across the year", from: date(2026, 12, 31), n: 1, want: date(2027, 1, 31)},
		{name: "Nov 30 plus 3", from: date(2026, 11, 30), n: 3, want: date(2027, 2, 28)},
		{name: "Aug 31 plus 6", from: date(2027, 8, 31), n: 6, want: date(2028, 2, 29)},
		{name: "a year from Feb 29", from: date(2028, 2, 29), n: 12, want: date(2029, 2, 28)},
		{name: "four years from Feb 29", from: date(2028, 2, 29), n: 48, want: date(2032, 2, 29)},
		{name: "backwards", from: date(2026, 3, 31), n: -1, want: date(2026, 2, 28)},
		{name: "backwards across the year", from: date(2026, 1, 15), n: -2, want: date(2025, 11, 15)},
		{name: "time of day kept", from: time.Date(2026, 1, 31, 23, 59, 58, 7, time.UTC), n: 1, want: time.Date(2026, 2, 28, 23, 59, 58, 7, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := core.AddMonths(tt.from, tt.n); !got.Equal(tt.want) {
				t.Errorf("AddMonths(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestAddMonthsKeepsLocation(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("UTC+5", 5*3600)
	from := time.Date(2026, 1, 31, 10, 30, 0, 0, loc)
	got := core.AddMonths(from, 1)
	want := time.Date(2026, 2, 28, 10, 30, 0, 0, loc)
	if !got.Equal(want) || got.Location() != loc {
		t.Errorf("AddMonths = %s, want %s", got, want)
	}
}

func TestPeriodEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		start time.Time
		cycle core.BillingCycle
		want  time.Time
	}{
		{name: "monthly", start: date(2026, 5, 10), cycle: core.Monthly, want: date(2026, 6, 10)},
		{name: "monthly from Jan 31", start: date(2026, 1, 31), cycle: core.Monthly, want: date(2026, 2, 28)},
		{name: "monthly from Jan 31 in a leap year", start: date(2028, 1, 31), cycle: core.Monthly, want: date(2028, 2, 29)},
		{name: "yearly", start: date(2026, 5, 10), cycle: core.Yearly, want: date(2027, 5, 10)},
		{name: "yearly from Feb 29", start: date(2028, 2, 29), cycle: core.Yearly, want: date(2029, 2, 28)},
		{name: "unset cycle is monthly", start: date(2026, 5, 10), cycle: "", want: date(2026, 6, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := core.PeriodEnd(tt.start, tt.cycle); !got.Equal(tt.want) {
				t.Errorf("PeriodEnd(%s, %q) = %s, want %s", tt.start, tt.cycle, got, tt.want)
			}
		})
	}
}
