package core_test

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/saasd/saasd/core"
)

func ptr[T any](v T) *T { return &v }

// allUnlimited is the limits of a plan that names no resource.
func allUnlimited() core.Limits {
	l := core.Limits{}
	for _, r := range resources {
		l[r] = core.Unlimited
	}
	return l
}

// assertFields checks that err is Invalid and names exactly the fields in want;
// a nil want means err must be nil.
func assertFields(t *testing.T, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("error = %v (fields %v), want nil", err, core.FieldsOf(err))
		}
		return
	}
	if kind := core.KindOf(err); kind != core.Invalid {
		t.Fatalf("KindOf(%v) = %q, want %q", err, kind, core.Invalid)
	}
	got := slices.Sorted(maps.Keys(core.FieldsOf(err)))
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Fatalf("invalid fields = %v, want %v (%v)", got, want, core.FieldsOf(err))
	}
}

func TestPlanInputApplyCreate(t *testing.T) {
	t.Parallel()
	valid := func() core.PlanInput {
		return core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr("10")}
	}
	tests := []struct {
		name       string
		in         func() core.PlanInput
		wantFields []string
		check      func(t *testing.T, p core.Plan)
	}{
		{
			name: "minimal plan gets defaults",
			in:   valid,
			check: func(t *testing.T, p core.Plan) {
				if p.Name != "Basic" || p.PriceMonthly != 1000 || p.PriceYearly != 0 {
					t.Errorf("plan = %+v, want Basic at 10.00 monthly and 0 yearly", p)
				}
				if p.BillingCycle != core.Monthly {
					t.Errorf("BillingCycle = %q, want %q", p.BillingCycle, core.Monthly)
				}
				if p.TrialEnabled || p.TrialDays != 0 || p.IsPopular {
					t.Errorf("trial/popular = %v/%d/%v, want off", p.TrialEnabled, p.TrialDays, p.IsPopular)
				}
				if !maps.Equal(p.Limits, allUnlimited()) {
					t.Errorf("Limits = %v, want every resource unlimited", p.Limits)
				}
			},
		},
		{
			name: "name is trimmed",
			in:   func() core.PlanInput { in := valid(); in.Name = ptr("  Pro  "); return in },
			check: func(t *testing.T, p core.Plan) {
				if p.Name != "Pro" {
					t.Errorf("Name = %q, want %q", p.Name, "Pro")
				}
			},
		},
		{name: "missing name", in: func() core.PlanInput { in := valid(); in.Name = nil; return in }, wantFields: []string{"name"}},
		{name: "blank name", in: func() core.PlanInput { in := valid(); in.Name = ptr("   "); return in }, wantFields: []string{"name"}},
		{name: "name of 100 characters", in: func() core.PlanInput { in := valid(); in.Name = ptr(strings.Repeat("n", 100)); return in }},
		{name: "name of 101 characters", in: func() core.PlanInput { in := valid(); in.Name = ptr(strings.Repeat("n", 101)); return in }, wantFields: []string{"name"}},
		{name: "missing price_monthly", in: func() core.PlanInput { in := valid(); in.PriceMonthly = nil; return in }, wantFields: []string{"price_monthly"}},
		{name: "empty input reports every required field", in: func() core.PlanInput { return core.PlanInput{} }, wantFields: []string{"name", "price_monthly"}},
		{name: "negative price_monthly", in: func() core.PlanInput { in := valid(); in.PriceMonthly = ptr("-1"); return in }, wantFields: []string{"price_monthly"}},
		{name: "negative price_yearly", in: func() core.PlanInput { in := valid(); in.PriceYearly = ptr("-0.01"); return in }, wantFields: []string{"price_yearly"}},
		{name: "three decimals refused", in: func() core.PlanInput { in := valid(); in.PriceMonthly = ptr("10.005"); return in }, wantFields: []string{"price_monthly"}},
		{name: "exponent refused", in: func() core.PlanInput { in := valid(); in.PriceMonthly = ptr("1e3"); return in }, wantFields: []string{"price_monthly"}},
		{name: "non-numeric price refused", in: func() core.PlanInput { in := valid(); in.PriceYearly = ptr("ten"); return in }, wantFields: []string{"price_yearly"}},
		{name: "billing_cycle yearly", in: func() core.PlanInput { in := valid(); in.BillingCycle = ptr("yearly"); return in },
			check: func(t *testing.T, p core.Plan) {
				if p.BillingCycle != core.Yearly {
					t.Errorf("BillingCycle = %q, want %q", p.BillingCycle, core.Yearly)
				}
			}},
		{name: "billing_cycle weekly refused", in: func() core.PlanInput { in := valid(); in.BillingCycle = ptr("weekly"); return in }, wantFields: []string{"billing_cycle"}},
		{name: "billing_cycle is case sensitive", in: func() core.PlanInput { in := valid(); in.BillingCycle = ptr("Monthly"); return in }, wantFields: []string{"billing_cycle"}},
		{name: "billing_cycle empty refused", in: func() core.PlanInput { in := valid(); in.BillingCycle = ptr(""); return in }, wantFields: []string{"billing_cycle"}},
		{name: "is_popular", in: func() core.PlanInput { in := valid(); in.IsPopular = ptr(true); return in },
			check: func(t *testing.T, p core.Plan) {
				if !p.IsPopular {
					t.Error("IsPopular = false, want true")
				}
			}},
		{name: "trial without days defaults to 14", in: func() core.PlanInput { in := valid(); in.TrialEnabled = ptr(true); return in },
			check: func(t *testing.T, p core.Plan) {
				if !p.TrialEnabled || p.TrialDays != core.DefaultTrialDays || core.DefaultTrialDays != 14 {
					t.Errorf("trial = %v/%d, want enabled/14", p.TrialEnabled, p.TrialDays)
				}
			}},
		{name: "trial with days keeps them", in: func() core.PlanInput {
			in := valid()
			in.TrialEnabled, in.TrialDays = ptr(true), ptr(30)
			return in
		}, check: func(t *testing.T, p core.Plan) {
			if p.TrialDays != 30 {
				t.Errorf("TrialDays = %d, want 30", p.TrialDays)
			}
		}},
		{name: "trial with explicit zero days refused", in: func() core.PlanInput {
			in := valid()
			in.TrialEnabled, in.TrialDays = ptr(true), ptr(0)
			return in
		}, wantFields: []string{"trial_days"}},
		{name: "trial_days 365 accepted", in: func() core.PlanInput {
			in := valid()
			in.TrialEnabled, in.TrialDays = ptr(true), ptr(365)
			return in
		}},
		{name: "trial_days 366 refused", in: func() core.PlanInput { in := valid(); in.TrialDays = ptr(366); return in }, wantFields: []string{"trial_days"}},
		{name: "trial_days negative refused", in: func() core.PlanInput { in := valid(); in.TrialDays = ptr(-1); return in }, wantFields: []string{"trial_days"}},
		{name: "trial disabled keeps zero days", in: func() core.PlanInput { in := valid(); in.TrialEnabled = ptr(false); return in },
			check: func(t *testing.T, p core.Plan) {
				if p.TrialEnabled || p.TrialDays != 0 {
					t.Errorf("trial = %v/%d, want disabled/0", p.TrialEnabled, p.TrialDays)
				}
			}},
		{name: "limits given and omitted", in: func() core.PlanInput {
			in := valid()
			in.Limits = map[string]int64{"customers": 100, "invoices": 0, "projects": -1}
			return in
		}, check: func(t *testing.T, p core.Plan) {
			want := allUnlimited()
			want[core.Resource("customers")], want[core.Resource("invoices")] = 100, 0
			if !maps.Equal(p.Limits, want) {
				t.Errorf("Limits = %v, want %v", p.Limits, want)
			}
		}},
		{name: "unknown resource", in: func() core.PlanInput {
			in := valid()
			in.Limits = map[string]int64{"widgets": 5, "customers": 5}
			return in
		}, wantFields: []string{"limits.widgets"}},
		{name: "resource names are case sensitive", in: func() core.PlanInput {
			in := valid()
			in.Limits = map[string]int64{"Customers": 5}
			return in
		}, wantFields: []string{"limits.Customers"}},
		{name: "limit below -1 refused", in: func() core.PlanInput {
			in := valid()
			in.Limits = map[string]int64{"staff": -2}
			return in
		}, wantFields: []string{"limits.staff"}},
		{name: "every problem reported at once", in: func() core.PlanInput {
			return core.PlanInput{
				PriceMonthly: ptr("-5"), PriceYearly: ptr("1.234"), BillingCycle: ptr("daily"), TrialDays: ptr(400),
				Limits: map[string]int64{"bogus": 1, "tasks": -7},
			}
		}, wantFields: []string{"name", "price_monthly", "price_yearly", "billing_cycle", "trial_days", "limits.bogus", "limits.tasks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var p core.Plan
			err := tt.in().Apply(&p, true, resources)
			assertFields(t, err, tt.wantFields)
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestPlanInputApplyPrices(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want core.Money
	}{
		{in: "0", want: 0},
		{in: "0.1", want: 10},
		{in: "0.01", want: 1},
		{in: "10.5", want: 1050},
		{in: "19.99", want: 1999},
		{in: "29.00", want: 2900},
		{in: " 7.25 ", want: 725},
		{in: "1000000", want: 100000000},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var p core.Plan
			in := core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr(tt.in), PriceYearly: ptr(tt.in)}
			if err := in.Apply(&p, true, resources); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if p.PriceMonthly != tt.want || p.PriceYearly != tt.want {
				t.Errorf("prices = %d/%d cents, want %d", p.PriceMonthly, p.PriceYearly, tt.want)
			}
		})
	}
}

func TestPlanInputApplyUpdate(t *testing.T) {
	t.Parallel()
	existing := func() core.Plan {
		l := allUnlimited()
		l[core.Resource("customers")], l[core.Resource("invoices")] = 10, 20
		return core.Plan{
			ID: 7, Name: "Pro", PriceMonthly: 2900, PriceYearly: 29000, BillingCycle: core.Yearly,
			TrialEnabled: true, TrialDays: 30, Limits: l,
		}
	}
	tests := []struct {
		name       string
		before     func() core.Plan
		in         core.PlanInput
		wantFields []string
		want       func() core.Plan
	}{
		{name: "empty input changes nothing", before: existing, in: core.PlanInput{}, want: existing},
		{name: "price is not required", before: existing, in: core.PlanInput{Name: ptr("Pro+")}, want: func() core.Plan {
			p := existing()
			p.Name = "Pro+"
			return p
		}},
		{name: "limits merge", before: existing, in: core.PlanInput{Limits: map[string]int64{"invoices": 50, "tasks": 3}}, want: func() core.Plan {
			p := existing()
			p.Limits[core.Resource("invoices")], p.Limits[core.Resource("tasks")] = 50, 3
			return p
		}},
		{name: "limit set back to unlimited", before: existing, in: core.PlanInput{Limits: map[string]int64{"customers": -1}}, want: func() core.Plan {
			p := existing()
			p.Limits[core.Resource("customers")] = core.Unlimited
			return p
		}},
		{name: "missing resources of a stored plan become unlimited", before: func() core.Plan {
			p := existing()
			p.Limits = core.Limits{core.Resource("customers"): 10}
			return p
		}, in: core.PlanInput{}, want: func() core.Plan {
			p := existing()
			p.Limits = allUnlimited()
			p.Limits[core.Resource("customers")] = 10
			return p
		}},
		{name: "enabling a trial without days defaults to 14", before: func() core.Plan {
			p := existing()
			p.TrialEnabled, p.TrialDays = false, 0
			return p
		}, in: core.PlanInput{TrialEnabled: ptr(true)}, want: func() core.Plan {
			p := existing()
			p.TrialDays = 14
			return p
		}},
		{name: "enabling a trial keeps stored days", before: func() core.Plan {
			p := existing()
			p.TrialEnabled = false
			return p
		}, in: core.PlanInput{TrialEnabled: ptr(true)}, want: existing},
		{name: "prices replaced exactly", before: existing, in: core.PlanInput{PriceMonthly: ptr("0.30"), PriceYearly: ptr("3")}, want: func() core.Plan {
			p := existing()
			p.PriceMonthly, p.PriceYearly = 30, 300
			return p
		}},
		{name: "blank name refused", before: existing, in: core.PlanInput{Name: ptr(" ")}, wantFields: []string{"name"}},
		{name: "negative price refused", before: existing, in: core.PlanInput{PriceMonthly: ptr("-5")}, wantFields: []string{"price_monthly"}},
		{name: "bad billing cycle refused", before: existing, in: core.PlanInput{BillingCycle: ptr("quarterly")}, wantFields: []string{"billing_cycle"}},
		{name: "zero days with trial still enabled refused", before: existing, in: core.PlanInput{TrialDays: ptr(0)}, wantFields: []string{"trial_days"}},
		{name: "unknown resource refused", before: existing, in: core.PlanInput{Limits: map[string]int64{"seats": 1}}, wantFields: []string{"limits.seats"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.before()
			err := tt.in.Apply(&p, false, resources)
			assertFields(t, err, tt.wantFields)
			if tt.want == nil {
				return
			}
			if want := tt.want(); !reflect.DeepEqual(p, want) {
				t.Errorf("plan = %+v, want %+v", p, want)
			}
		})
	}
}

func TestPlanInputApplyDoesNotAliasLimits(t *testing.T) {
	t.Parallel()
	shared := core.Limits{core.Resource("customers"): 10}
	p := core.Plan{Name: "Pro", BillingCycle: core.Monthly, Limits: shared}
	if err := (core.PlanInput{Limits: map[string]int64{"customers": 99}}).Apply(&p, false, resources); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if shared[core.Resource("customers")] != 10 || len(shared) != 1 {
		t.Errorf("Apply changed the limits map of the old plan: %v", shared)
	}
	if p.Limits[core.Resource("customers")] != 99 {
		t.Errorf("Limits[customers] = %d, want 99", p.Limits[core.Resource("customers")])
	}
}

func TestLimitsOf(t *testing.T) {
	t.Parallel()
	l := core.Limits{core.Resource("customers"): 5, core.Resource("invoices"): 0}
	tests := []struct {
		r    core.Resource
		want int64
	}{
		{r: core.Resource("customers"), want: 5},
		{r: core.Resource("invoices"), want: 0},
		{r: core.Resource("tasks"), want: core.Unlimited},
	}
	for _, tt := range tests {
		t.Run(string(tt.r), func(t *testing.T) {
			t.Parallel()
			if got := l.Of(tt.r); got != tt.want {
				t.Errorf("Of(%q) = %d, want %d", tt.r, got, tt.want)
			}
		})
	}
}

// resources are what the registered modules count in saasd.
var resources = []core.Resource{"customers", "invoices", "projects", "staff", "estimates", "contracts", "tasks"}
