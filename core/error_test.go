package core_test

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"testing"

	"github.com/saasd/saasd/core"
)

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want core.Kind
	}{
		{name: "nil", err: nil, want: ""},
		{name: "foreign error", err: io.EOF, want: core.Internal},
		{name: "wrapped foreign error", err: fmt.Errorf("read: %w", io.EOF), want: core.Internal},
		{name: "domain error", err: core.Errorf(core.NotFound, "tenant not found"), want: core.NotFound},
		{name: "invalid fields", err: core.InvalidFields(map[string]string{"name": "is required"}), want: core.Invalid},
		{name: "wrapped domain error", err: fmt.Errorf("provision tenant 3: %w", core.Errorf(core.Conflict, "exists")), want: core.Conflict},
		{name: "twice wrapped", err: fmt.Errorf("a: %w", fmt.Errorf("b: %w", core.Errorf(core.Unauthorized, "no"))), want: core.Unauthorized},
		{name: "joined", err: errors.Join(io.EOF, core.Errorf(core.QuotaExceeded, "full")), want: core.QuotaExceeded},
		{name: "explicit internal", err: core.Errorf(core.Internal, "db down"), want: core.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := core.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestMessageOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "domain error", err: core.Errorf(core.NotFound, "tenant %d not found", 7), want: "tenant 7 not found"},
		{name: "wrapped domain error keeps its own message", err: fmt.Errorf("secret context: %w", core.Errorf(core.Conflict, "subdomain taken")), want: "subdomain taken"},
		{name: "foreign error hidden", err: errors.New("dial tcp 10.0.0.5:3306: connection refused"), want: "internal error"},
		{name: "internal domain error hidden", err: core.Errorf(core.Internal, "password=hunter2"), want: "internal error"},
		{name: "wrapped internal hidden", err: fmt.Errorf("x: %w", core.Errorf(core.Internal, "leak")), want: "internal error"},
		{name: "invalid fields", err: core.InvalidFields(map[string]string{"a": "b"}), want: "validation failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := core.MessageOf(tt.err); got != tt.want {
				t.Errorf("MessageOf(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestFieldsOf(t *testing.T) {
	t.Parallel()
	fields := map[string]string{"name": "is required", "limits.widgets": "unknown resource"}
	tests := []struct {
		name string
		err  error
		want map[string]string
	}{
		{name: "nil", err: nil},
		{name: "foreign", err: io.EOF},
		{name: "domain error without fields", err: core.Errorf(core.NotFound, "x")},
		{name: "invalid fields", err: core.InvalidFields(fields), want: fields},
		{name: "wrapped invalid fields", err: fmt.Errorf("create: %w", core.InvalidFields(fields)), want: fields},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := core.FieldsOf(tt.err)
			if !maps.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("FieldsOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorf(t *testing.T) {
	t.Parallel()
	err := core.Errorf(core.Conflict, "subdomain %q is taken", "acme")
	if err.Kind != core.Conflict || err.Error() != `subdomain "acme" is taken` || err.Fields != nil {
		t.Errorf("Errorf = %+v", err)
	}
	var target *core.Error
	if !errors.As(fmt.Errorf("wrap: %w", err), &target) || target != err {
		t.Errorf("errors.As did not find the *core.Error")
	}
}
