// Package ports declares the interfaces the core consumes, one file per
// consumer: tenant.go (core/tenant), billing.go (core/subscription),
// auth.go (core/auth), account.go (core/account), kernel.go (core/kernel and
// the modules), webhook.go (core/webhook), edge.go (the HTTP edge) and
// clock.go (everyone). It holds interfaces only: the data they carry are
// core types, and their implementations live in adapters/. Each method
// names the error kinds it returns (see core.Kind); ports/portstest holds
// the contract suite every implementation must pass.
package ports
