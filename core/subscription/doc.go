// Package subscription runs tenants' subscriptions on top of the billing
// domain (core/billing): plans and their limits, plan changes (prorated,
// whatever endpoint asks for them), cancellation, the SaaS invoices a tenant
// is sent and pays, and the Worker that renews, invoices, marks past due and
// suspends as time passes. Storage, the payment gateway and the clock are
// ports; every change of a tenant's billing happens in one BillingTx.
package subscription
