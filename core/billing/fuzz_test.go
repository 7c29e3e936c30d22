package billing_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
)

// FuzzProratedAmount: any price and any moment of any period give the
// exact rounded share (checked against big integers), between 0 and the
// price; bad input is Invalid, never a panic or a wrapped amount.
func FuzzProratedAmount(f *testing.F) {
	f.Add(int64(1000), int64(0), int64(30*24*3600), int64(15*24*3600))
	f.Add(int64(1<<62), int64(-5), int64(1), int64(0))
	f.Add(int64(9223372036854775807), int64(0), int64(31536000), int64(1))
	f.Add(int64(-1), int64(0), int64(10), int64(5))
	f.Add(int64(4900), int64(100), int64(100), int64(100))
	f.Fuzz(func(t *testing.T, price, start, length, elapsed int64) {
		// Seconds around 2026, periods up to ten years.
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		s := base.Add(time.Duration(start%(1<<31)) * time.Second)
		e := s.Add(time.Duration(length%(10*366*24*3600)) * time.Second)
		at := s.Add(time.Duration(elapsed%(10*366*24*3600)) * time.Second)
		got, err := billing.ProratedAmount(core.Money(price), s, e, at)
		if err != nil {
			if core.KindOf(err) != core.Invalid {
				t.Fatalf("kind %v: %v", core.KindOf(err), err)
			}
			return
		}
		if got < 0 || got > core.Money(price) {
			t.Fatalf("ProratedAmount(%d) = %d, outside [0, price]", price, got)
		}
		n := int64(e.Sub(s) / time.Second)
		r := int64(e.Sub(at) / time.Second)
		// price × r / n rounded half up: floor((2·price·r + n) / 2n).
		num := new(big.Int).Mul(big.NewInt(price), big.NewInt(r))
		num.Mul(num, big.NewInt(2)).Add(num, big.NewInt(n))
		want := num.Quo(num, big.NewInt(2*n))
		if !want.IsInt64() || want.Int64() != int64(got) {
			t.Fatalf("ProratedAmount(%d, %d of %d s left) = %d, want %s", price, r, n, got, want)
		}
	})
}
