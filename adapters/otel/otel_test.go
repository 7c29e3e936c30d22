package otel_test

import (
	"testing"

	"github.com/saasd/saasd/adapters/otel"
)

func TestEndpointURL(t *testing.T) {
	tests := []struct {
		name, in, want string
		bad            bool
	}{
		{name: "host and port", in: "collector:4318", want: "http://collector:4318/v1/traces"},
		{name: "URL without a path", in: "http://collector:4318", want: "http://collector:4318/v1/traces"},
		{name: "URL with a slash", in: "https://collector/", want: "https://collector/v1/traces"},
		{name: "URL with a path", in: "https://gw.example.com/otlp/v1/traces", want: "https://gw.example.com/otlp/v1/traces"},
		{name: "other scheme", in: "grpc://collector:4317", bad: true},
		{name: "no host", in: "http://", bad: true},
		{name: "words", in: "not a url", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := otel.EndpointURL(tt.in)
			if tt.bad {
				if err == nil {
					t.Fatalf("EndpointURL(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("EndpointURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
