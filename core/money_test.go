package core_test

import (
	"math"
	"testing"

	"github.com/saasd/saasd/core"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    core.Money
		wantErr bool
	}{
		{in: "10", want: 1000},
		{in: "10.5", want: 1050},
		{in: "10.00", want: 1000},
		{in: "0.01", want: 1},
		{in: "-3.10", want: -310},
		{in: "99.99", want: 9999},
		{in: "10.005", wantErr: true},
		{in: "1e3", wantErr: true},
		{in: "", wantErr: true},
		{in: ".5", wantErr: true},
		{in: "5.", wantErr: true},
		{in: "abc", wantErr: true},
		{in: "99999999999999999999", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := core.ParseMoney(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseMoney(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("ParseMoney(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	t.Parallel()
	for m, want := range map[core.Money]string{0: "0.00", 1: "0.01", 1000: "10.00", 9999: "99.99", -310: "-3.10"} {
		if got := m.String(); got != want {
			t.Errorf("Money(%d).String() = %q, want %q", m, got, want)
		}
	}
}

func TestMoneyCheckedArithmetic(t *testing.T) {
	t.Parallel()
	const maxM, minM = core.Money(math.MaxInt64), core.Money(math.MinInt64)
	adds := []struct {
		a, b core.Money
		ok   bool
	}{
		{1, 2, true}, {maxM, 0, true}, {maxM, 1, false}, {minM, -1, false}, {minM, maxM, true}, {-5, 5, true},
	}
	for _, tt := range adds {
		got, err := tt.a.Add(tt.b)
		if (err == nil) != tt.ok || (tt.ok && got != tt.a+tt.b) {
			t.Errorf("%d.Add(%d) = %d, %v; want ok %v", tt.a, tt.b, got, err, tt.ok)
		}
		if err != nil && core.KindOf(err) != core.Invalid {
			t.Errorf("%d.Add(%d): kind %v, want Invalid", tt.a, tt.b, core.KindOf(err))
		}
	}
	muls := []struct {
		m  core.Money
		q  int64
		ok bool
	}{
		{100, 12, true}, {0, math.MaxInt64, true}, {maxM, 1, true}, {maxM, 2, false}, {minM, -1, false}, {-1, math.MinInt64, false},
		{core.MaxPrice, 12, true}, {core.MaxPrice * 1_000_000, 93, false}, {maxM / 12, 12, true}, {maxM/12 + 1, 12, false},
	}
	for _, tt := range muls {
		got, err := tt.m.Mul(tt.q)
		if (err == nil) != tt.ok || (tt.ok && got != tt.m*core.Money(tt.q)) {
			t.Errorf("%d.Mul(%d) = %d, %v; want ok %v", tt.m, tt.q, got, err, tt.ok)
		}
	}
}

// The invoice: 93 items of 1,000,000 × 1,000,000,000.00 is refused,
// not totalled as -91,467,440,737,095,516.16.
func TestTotalOfOverflow(t *testing.T) {
	t.Parallel()
	items := make([]core.Item, 93)
	for i := range items {
		items[i] = core.Item{Description: "x", Qty: 1_000_000, Amount: core.MaxPrice}
	}
	if got, err := core.TotalOf(items); core.KindOf(err) != core.Invalid || core.FieldsOf(err)["items"] == "" {
		t.Fatalf("TotalOf = %d, %v; want Invalid naming items", got, err)
	}
	if got, err := core.TotalOf(items[:92]); err != nil || got != core.MaxPrice*1_000_000*92 {
		t.Fatalf("TotalOf(92 items) = %d, %v", got, err)
	}
}
