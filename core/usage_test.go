package core_test

import (
	"testing"

	"github.com/saasd/saasd/core"
)

func TestNewUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		used  int64
		limit int64
		want  float64
	}{
		{name: "24 of 500", used: 24, limit: 500, want: 4.8},
		{name: "67 of 500", used: 67, limit: 500, want: 13.4},
		{name: "1 of 3", used: 1, limit: 3, want: 33.3},
		{name: "2 of 3", used: 2, limit: 3, want: 66.7},
		{name: "1 of 8 rounds half up", used: 1, limit: 8, want: 12.5},
		{name: "1 of 16 rounds to one decimal", used: 1, limit: 16, want: 6.3},
		{name: "none used", used: 0, limit: 10, want: 0},
		{name: "full", used: 10, limit: 10, want: 100},
		{name: "over the limit", used: 12, limit: 10, want: 120},
		{name: "unlimited", used: 1000, limit: core.Unlimited, want: 0},
		{name: "zero limit", used: 0, limit: 0, want: 100},
		{name: "zero limit exceeded", used: 3, limit: 0, want: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := core.NewUsage(
				map[core.Resource]int64{core.Customers: tt.used},
				core.Limits{core.Customers: tt.limit},
			)
			got := u[core.Customers]
			want := core.ResourceUsage{Used: tt.used, Limit: tt.limit, Percentage: tt.want}
			if got != want {
				t.Errorf("usage = %+v, want %+v", got, want)
			}
		})
	}
}

func TestNewUsageCoversEveryResource(t *testing.T) {
	t.Parallel()
	u := core.NewUsage(nil, nil)
	if len(u) != len(core.Resources) {
		t.Fatalf("len(usage) = %d, want %d", len(u), len(core.Resources))
	}
	for _, r := range core.Resources {
		t.Run(string(r), func(t *testing.T) {
			t.Parallel()
			want := core.ResourceUsage{Used: 0, Limit: core.Unlimited, Percentage: 0}
			if got, ok := u[r]; !ok || got != want {
				t.Errorf("usage[%q] = %+v (present %v), want %+v", r, got, ok, want)
			}
		})
	}
}

func TestNewUsageIgnoresUnknownCounts(t *testing.T) {
	t.Parallel()
	u := core.NewUsage(map[core.Resource]int64{"widgets": 5, core.Tasks: 2}, core.Limits{core.Tasks: 4})
	if _, ok := u["widgets"]; ok {
		t.Error("usage reports an unknown resource")
	}
	if got := u[core.Tasks]; got.Percentage != 50 {
		t.Errorf("tasks = %+v, want 50%%", got)
	}
}
