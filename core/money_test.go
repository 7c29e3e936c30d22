package core_test

import (
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
