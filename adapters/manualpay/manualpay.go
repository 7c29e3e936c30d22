// Package manualpay is the payment gateway of operators who are paid by bank
// transfer or cheque: it collects nothing, and invoices stay open until
// someone records the payment through the API.
package manualpay

import (
	"context"

	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/ports"
)

var _ ports.Gateway = Gateway{}

// Gateway is the manual gateway.
type Gateway struct{}

// Name returns "manual".
func (Gateway) Name() string { return "manual" }

// Collect takes nothing: the payment is recorded through the API.
func (Gateway) Collect(context.Context, *billing.Invoice) (string, error) { return "", nil }
