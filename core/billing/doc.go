// Package billing is the pure domain of what the operator bills tenants:
// no storage, HTTP or clock (core/subscription runs it through ports);
// callers pass the time and persist the results:
//
//   - Lifecycle is the state machine of one subscription: trialing, active,
//     past_due, suspended, canceled, expired. Start begins it; Advance
//     applies everything due up to a time (trial end, renewals, overdue
//     bills, suspension, scheduled cancellation, expiry), catching up over
//     downtime with each period billed exactly once; Pay, Cancel, ChangePlan
//     and SetExpiry change it. Each step is recorded as an Event and each
//     charge as a Bill.
//   - Invoice is the SaaS invoice sent to a tenant (draft -> open -> paid or
//     void), with Line items in core.Money minor units.
//   - Prorate prices a plan change in the middle of a period.
//
// Periods are calendar months or years counted from an anchor with
// core.AddMonths: Jan 31 renews on Feb 28, then Mar 31.
//
// Proration rule: a change at t inside the period [s, e) credits the unused
// part of the old price and charges the rest of the new one, each being
// price × (e−t)/(e−s) with both durations in whole seconds (the second in
// progress counts as used) and the result rounded half-up to the cent (a tie
// goes to the larger amount; the credit is the rounded amount negated). The
// arithmetic is exact integer arithmetic, never float64. $10.00 → $49.00
// halfway through a 30-day month credits −5.00 and charges +24.50.
package billing
