package core

import "math"

// ResourceUsage is how much of one resource a tenant uses against its limit.
type ResourceUsage struct {
	Used       int64   `json:"used"`
	Limit      int64   `json:"limit"`
	Percentage float64 `json:"percentage"`
}

// Usage is a tenant's usage of every limited resource.
type Usage map[Resource]ResourceUsage

// NewUsage combines counted rows with plan limits. Percentage is rounded
// to one decimal; it is 0 for unlimited resources and 100 when a zero limit
// is reached.
func NewUsage(counts map[Resource]int64, limits Limits) Usage {
	u := make(Usage, len(Resources))
	for _, r := range Resources {
		used, limit := counts[r], limits.Of(r)
		var pct float64
		switch {
		case limit == Unlimited:
		case limit == 0:
			pct = 100
		default:
			pct = math.Round(float64(used)*1000/float64(limit)) / 10
		}
		u[r] = ResourceUsage{Used: used, Limit: limit, Percentage: pct}
	}
	return u
}

// UsageChange is a usage counter that a recount corrected.
type UsageChange struct {
	Resource Resource
	Was, Now int64
}
