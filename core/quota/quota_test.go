package quota_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
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
			u := catalog.NewUsage(
				map[core.Resource]int64{customers: tt.used},
				core.Limits{customers: tt.limit},
			)
			got := u[customers]
			want := quota.ResourceUsage{Used: tt.used, Limit: tt.limit, Percentage: tt.want}
			if got != want {
				t.Errorf("usage = %+v, want %+v", got, want)
			}
		})
	}
}

func TestNewUsageCoversEveryResource(t *testing.T) {
	t.Parallel()
	u := catalog.NewUsage(nil, nil)
	if len(u) != len(catalog.List()) {
		t.Fatalf("len(usage) = %d, want %d", len(u), len(catalog.List()))
	}
	for _, r := range catalog.List() {
		t.Run(string(r), func(t *testing.T) {
			t.Parallel()
			want := quota.ResourceUsage{Used: 0, Limit: core.Unlimited, Percentage: 0}
			if got, ok := u[r]; !ok || got != want {
				t.Errorf("usage[%q] = %+v (present %v), want %+v", r, got, ok, want)
			}
		})
	}
}

func TestNewUsageIgnoresUnknownCounts(t *testing.T) {
	t.Parallel()
	u := catalog.NewUsage(map[core.Resource]int64{"widgets": 5, tasks: 2}, core.Limits{tasks: 4})
	if _, ok := u["widgets"]; ok {
		t.Error("usage reports an unknown resource")
	}
	if got := u[tasks]; got.Percentage != 50 {
		t.Errorf("tasks = %+v, want 50%%", got)
	}
}

const (
	customers core.Resource = "customers"
	tasks     core.Resource = "tasks"
)

var catalog = quota.NewCatalog(customers, "invoices", tasks)

func TestCatalog(t *testing.T) {
	t.Parallel()
	c := quota.NewCatalog(customers, tasks, customers, "")
	if got := c.String(); got != "customers, tasks" {
		t.Errorf("String = %q, want declaration order without duplicates", got)
	}
	if !c.Has(tasks) || c.Has("widgets") {
		t.Errorf("Has: tasks %v, widgets %v", c.Has(tasks), c.Has("widgets"))
	}
}

func TestQuotaAllows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		q       quota.Quota
		used, n int64
		want    bool
	}{
		{name: "room left", q: quota.Quota{Resource: customers, Limit: 10}, used: 8, n: 2, want: true},
		{name: "one too many", q: quota.Quota{Resource: customers, Limit: 10}, used: 8, n: 3},
		{name: "zero limit", q: quota.Quota{Resource: customers, Limit: 0}, used: 0, n: 1},
		{name: "unlimited", q: quota.Quota{Resource: customers, Limit: core.Unlimited}, used: math.MaxInt64, n: math.MaxInt64, want: true},
		{name: "no overflow near the top", q: quota.Quota{Resource: customers, Limit: math.MaxInt64}, used: math.MaxInt64 - 1, n: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.q.Allows(tt.used, tt.n); got != tt.want {
				t.Errorf("Allows(%d, %d) = %v, want %v", tt.used, tt.n, got, tt.want)
			}
		})
	}
}

// TestUsageJSON: Usage writes itself exactly as encoding/json writes the
// plain map, whatever the names and figures.
func TestUsageJSON(t *testing.T) {
	tests := []struct {
		name string
		u    quota.Usage
	}{
		{"nil", nil},
		{"empty", quota.Usage{}},
		{"figures", quota.Usage{
			"users": {Used: 3, Limit: 10, Percentage: 30}, "customers": {Used: 1, Limit: 3, Percentage: 33.3},
			"invoices": {Used: 0, Limit: -1}, "leads": {Used: 9223372036854775807, Limit: 0, Percentage: 100},
			"tiny": {Percentage: 1e-7}, "huge": {Percentage: 1e22}, "negative": {Used: -2, Percentage: -0.5},
		}},
		{"names to escape", quota.Usage{`a"b`: {Used: 1}, "<html>&": {Used: 2}, "ü": {Used: 3}, "line\nbreak": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.u)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(map[core.Resource]quota.ResourceUsage(tt.u))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("Usage JSON\n got %s\nwant %s", got, want)
			}
		})
	}
	if _, err := json.Marshal(quota.Usage{"x": {Percentage: math.Inf(1)}}); err == nil {
		t.Fatal("an infinite percentage was written")
	}
}
