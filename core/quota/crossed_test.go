package quota_test

import (
	"math"
	"slices"
	"testing"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
)

func TestQuotaCrossed(t *testing.T) {
	t.Parallel()
	q := quota.Quota{Resource: customers, Limit: 10}
	tests := []struct {
		before, after int64
		want          []int64
	}{
		{0, 1, nil},
		{7, 8, []int64{80}},
		{8, 9, nil},
		{9, 10, []int64{100}},
		{5, 10, []int64{80, 100}},
		{10, 11, nil},
	}
	for _, tt := range tests {
		if got := q.Crossed(tt.before, tt.after, 80, 100); !slices.Equal(got, tt.want) {
			t.Errorf("Crossed(%d, %d) = %v, want %v", tt.before, tt.after, got, tt.want)
		}
	}
	if got := (quota.Quota{Resource: customers, Limit: core.Unlimited}).Crossed(0, 100, 80, 100); got != nil {
		t.Errorf("unlimited crossed %v", got)
	}
	// 80% of 5 is 4; of 3 it is 2.4, first reached at 3.
	if got := (quota.Quota{Resource: tasks, Limit: 3}).Crossed(2, 3, 80, 100); !slices.Equal(got, []int64{80, 100}) {
		t.Errorf("limit 3: %v", got)
	}
}

func TestQuotaCrossedHugeLimit(t *testing.T) {
	t.Parallel()
	// limit × 80 overflows int64: the threshold must still be ~80%, not a
	// wrapped-around value that a single create "crosses".
	q := quota.Quota{Resource: customers, Limit: math.MaxInt64 / 10}
	if got := q.Crossed(0, 1, 80, 100); got != nil {
		t.Errorf("Crossed(0, 1) = %v, want none", got)
	}
	if got := q.Crossed(q.Limit/10*8-10, q.Limit/10*8+10, 80, 100); !slices.Equal(got, []int64{80}) {
		t.Errorf("Crossed around 80%% = %v, want [80]", got)
	}
}
