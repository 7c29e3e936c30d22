package core

import (
	"math"
	"strconv"
	"strings"
)

// Money is an amount in minor units (cents). Prices are never held in
// float64: 0.1+0.2 must stay 0.30 when invoices add them up.
type Money int64

// ParseMoney reads a decimal amount such as "10", "10.5" or "10.00" exactly.
// More than two decimals, signs other than a leading minus, exponents and
// amounts beyond int64 cents are refused.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(digits, ".")
	if whole == "" || (hasDot && frac == "") || len(frac) > 2 || !allDigits(whole) || !allDigits(frac) {
		return 0, Errorf(Invalid, "must be an amount with at most two decimals")
	}
	frac += strings.Repeat("0", 2-len(frac))
	units, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, Errorf(Invalid, "amount is too large")
	}
	if neg {
		units = -units
	}
	return Money(units), nil
}

// MaxPrice is the largest price a plan or a line item may have:
// 1,000,000,000.00. It bounds what the sums built from prices can reach (a
// year of a plan is 12 × MaxPrice; an invoice of 500 items of 1,000,000
// units still overflows, so sums are checked with Add and Mul too).
const MaxPrice Money = 1_000_000_000_00

// errTooLarge is the error of a sum or product of money beyond int64 cents.
func errTooLarge() error { return Errorf(Invalid, "amount is too large") }

// Add returns m + n, or core.Invalid when the sum leaves int64 cents.
func (m Money) Add(n Money) (Money, error) {
	if (n > 0 && m > math.MaxInt64-n) || (n < 0 && m < math.MinInt64-n) {
		return 0, errTooLarge()
	}
	return m + n, nil
}

// Mul returns m × q, or core.Invalid when the product leaves int64 cents.
func (m Money) Mul(q int64) (Money, error) {
	if m == 0 || q == 0 {
		return 0, nil
	}
	p := int64(m) * q
	if p/q != int64(m) || (q == -1 && m == math.MinInt64) || (m == -1 && q == math.MinInt64) {
		return 0, errTooLarge()
	}
	return Money(p), nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String formats m with exactly two decimals, e.g. "10.00".
func (m Money) String() string {
	units := int64(m)
	sign := ""
	if units < 0 {
		sign, units = "-", -units
	}
	return sign + strconv.FormatInt(units/100, 10) + "." + strconv.FormatInt(100+units%100, 10)[1:]
}

// MarshalJSON writes m as a JSON number with two decimals, as the seed API
// shows prices ("price_monthly": 10.00).
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON reads a JSON number (or numeric string) exactly, as ParseMoney.
func (m *Money) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
