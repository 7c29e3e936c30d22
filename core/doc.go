// Package core holds the domain of saasd: tenants, plans, subscriptions,
// usage and API tokens, the rules that keep them valid and the one error type
// that every layer speaks. It imports only the standard library; services in
// the sub-packages reach storage and the outside world through ports.
package core
