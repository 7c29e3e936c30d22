// Package quota is what a plan lets a tenant keep. Its resources are not a
// list of its own: each tenant-side module declares the resources it counts,
// and the kernel builds the Catalog from the registered modules, so adding a
// counted module changes nothing here. A charged create carries a Quota (the
// limit that applies) in its context; the record store checks and reserves
// it in the create's own transaction, and the kernel announces the
// Thresholds that the create crossed. Usage reports counts against limits.
package quota

import (
	"context"
	"encoding/json"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/saasd/saasd/core"
)

// Catalog is the set of resources plans can limit, in the order they were
// declared (the order reports show them).
type Catalog struct {
	list []core.Resource
}

// NewCatalog returns the catalog of rs; duplicates count once.
func NewCatalog(rs ...core.Resource) Catalog {
	var c Catalog
	for _, r := range rs {
		if r != "" && !c.Has(r) {
			c.list = append(c.list, r)
		}
	}
	return c
}

// Has reports whether r is a resource plans can limit.
func (c Catalog) Has(r core.Resource) bool { return slices.Contains(c.list, r) }

// List returns the resources in order.
func (c Catalog) List() []core.Resource { return slices.Clone(c.list) }

// String lists the resource names, for messages.
func (c Catalog) String() string {
	names := make([]string, len(c.list))
	for i, r := range c.list {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// Thresholds are the percentages of a limit whose crossing is announced
// (the quota.threshold event).
var Thresholds = []int64{80, 100}

// Quota is the limit a create must stay within. Resource "" or Limit
// core.Unlimited means no check.
type Quota struct {
	Resource core.Resource
	Limit    int64
	// Counted, when set, is told the usage before and after a create that
	// committed, so the kernel can announce thresholds crossed.
	Counted func(before, after int64)
}

// Limited reports whether creates must be counted against q.
func (q Quota) Limited() bool { return q.Resource != "" && q.Limit != core.Unlimited }

// Allows reports whether n more on top of used stay within q.
func (q Quota) Allows(used, n int64) bool {
	if !q.Limited() {
		return true
	}
	return used <= q.Limit && n <= q.Limit-used
}

// Exceeded returns the error for a create that would pass the limit.
func (q Quota) Exceeded() error {
	return core.Errorf(core.QuotaExceeded, "plan limit reached for %s: %d allowed", q.Resource, q.Limit)
}

// Crossed returns the thresholds (percent of the limit) that a change of
// usage from before to after went past upwards, from those given.
func (q Quota) Crossed(before, after int64, percents ...int64) []int64 {
	if !q.Limited() || q.Limit <= 0 {
		return nil
	}
	var out []int64
	for _, p := range percents {
		at := atPercent(q.Limit, p)
		if before < at && after >= at {
			out = append(out, p)
		}
	}
	return out
}

// atPercent is the first usage at or above p% of limit: ceil(limit×p/100),
// computed in 128 bits so that no limit overflows into a false alert.
func atPercent(limit, p int64) int64 {
	hi, lo := bits.Mul64(uint64(limit), uint64(p))
	lo, carry := bits.Add64(lo, 99, 0)
	hi += carry
	if hi >= 100 {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, 100)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

type quotaKey struct{}

// With returns ctx carrying the quota a create is charged against.
func With(ctx context.Context, q Quota) context.Context {
	return context.WithValue(ctx, quotaKey{}, q)
}

// From returns the quota of a charged create; none means unlimited.
func From(ctx context.Context) Quota {
	q, _ := ctx.Value(quotaKey{}).(Quota)
	return q
}

// ResourceUsage is how much of one resource a tenant uses against its limit.
type ResourceUsage struct {
	Used       int64   `json:"used"`
	Limit      int64   `json:"limit"`
	Percentage float64 `json:"percentage"`
}

// Usage is a tenant's usage of every limited resource.
type Usage map[core.Resource]ResourceUsage

// plainName reports whether a resource name is letters, digits and _
// alone, which JSON writes as they are.
func plainName(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// MarshalJSON writes u as encoding/json writes the map (keys sorted),
// without its reflection: usage is in the answer of every tenant read.
func (u Usage) MarshalJSON() ([]byte, error) {
	if u == nil {
		return []byte("null"), nil
	}
	keys := make([]string, 0, len(u))
	for r := range u {
		keys = append(keys, string(r))
	}
	slices.Sort(keys)
	b := make([]byte, 0, 16+len(u)*64)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		r := u[core.Resource(k)]
		if !plainName(k) {
			// Anything encoding/json would escape, it escapes.
			name, err := json.Marshal(k)
			if err != nil {
				return nil, err
			}
			b = append(b, name...)
		} else {
			b = append(append(append(b, '"'), k...), '"')
		}
		b = append(b, `:{"used":`...)
		b = strconv.AppendInt(b, r.Used, 10)
		b = append(b, `,"limit":`...)
		b = strconv.AppendInt(b, r.Limit, 10)
		b = append(b, `,"percentage":`...)
		if p := math.Abs(r.Percentage); p != 0 && (p < 1e-6 || p >= 1e21) || math.IsNaN(p) {
			// encoding/json's exponent form, or its error for NaN and ±Inf.
			pct, err := json.Marshal(r.Percentage)
			if err != nil {
				return nil, err
			}
			b = append(b, pct...)
		} else {
			b = strconv.AppendFloat(b, r.Percentage, 'f', -1, 64)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// NewUsage combines counted rows with plan limits for every resource of c.
// Percentage is rounded to one decimal; it is 0 for unlimited resources and
// 100 when a zero limit is reached.
func (c Catalog) NewUsage(counts map[core.Resource]int64, limits core.Limits) Usage {
	u := make(Usage, len(c.list))
	for _, r := range c.list {
		used, limit := counts[r], limits.Of(r)
		var pct float64
		switch {
		case limit == core.Unlimited:
		case limit == 0:
			pct = 100
		default:
			pct = math.Round(float64(used)*1000/float64(limit)) / 10
		}
		u[r] = ResourceUsage{Used: used, Limit: limit, Percentage: pct}
	}
	return u
}

// Change is a usage counter that a recount corrected.
type Change struct {
	Resource core.Resource
	Was, Now int64
}
