// Package core holds the domain of saasd: tenants, plans, subscriptions,
// tenant record schemas, money, events, webhooks and API tokens, the rules
// that keep them valid and the one error type that every layer speaks. It
// imports only the standard library; the services in its sub-packages
// (tenant, account, auth, kernel, quota, crud, billing, subscription,
// webhook) reach storage and the outside world through ports.
package core
