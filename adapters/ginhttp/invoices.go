package ginhttp

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
)

type invoiceLineJSON struct {
	Description string     `json:"description"`
	Quantity    int64      `json:"quantity"`
	UnitAmount  core.Money `json:"unit_amount"`
	Amount      core.Money `json:"amount"`
}

type invoiceJSON struct {
	Number      string            `json:"number"`
	TenantID    int64             `json:"tenant_id"`
	State       string            `json:"state"`
	PeriodStart string            `json:"period_start"`
	PeriodEnd   string            `json:"period_end"`
	Currency    string            `json:"currency"`
	Total       core.Money        `json:"total"`
	Lines       []invoiceLineJSON `json:"lines"`
	IssuedAt    *string           `json:"issued_at"`
	PaidAt      *string           `json:"paid_at"`
	PaymentRef  string            `json:"payment_ref,omitempty"`
	VoidedAt    *string           `json:"voided_at"`
}

func zeroless(t interface{ IsZero() bool }, s string) *string {
	if t.IsZero() {
		return nil
	}
	return &s
}

func invoiceOf(inv *billing.Invoice) invoiceJSON {
	lines := make([]invoiceLineJSON, len(inv.Lines))
	for i, l := range inv.Lines {
		lines[i] = invoiceLineJSON{Description: l.Description, Quantity: l.Quantity, UnitAmount: l.UnitAmount, Amount: l.Amount()}
	}
	return invoiceJSON{
		Number: inv.Number, TenantID: inv.TenantID, State: string(inv.State),
		PeriodStart: timestamp(inv.PeriodStart), PeriodEnd: timestamp(inv.PeriodEnd),
		Currency: inv.Currency, Total: inv.Total, Lines: lines,
		IssuedAt: zeroless(inv.IssuedAt, timestamp(inv.IssuedAt)), PaidAt: zeroless(inv.PaidAt, timestamp(inv.PaidAt)),
		PaymentRef: inv.PaymentRef, VoidedAt: zeroless(inv.VoidedAt, timestamp(inv.VoidedAt)),
	}
}

func (s *Server) listInvoices(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	list, err := s.billing.Invoices(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]invoiceJSON, len(list))
	for i, inv := range list {
		out[i] = invoiceOf(inv)
	}
	ok(c, http.StatusOK, invoiceList{Invoices: out}, "Invoices retrieved successfully")
}

func (s *Server) getInvoice(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	inv, err := s.billing.Invoice(c.Request.Context(), id, c.Param("number"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, invoiceOf(inv), "Invoice retrieved successfully")
}

type invoiceList struct {
	Invoices []invoiceJSON `json:"invoices"`
}

type payRequest struct {
	PaymentRef string `json:"payment_ref"`
}

type cancelRequest struct {
	AtPeriodEnd *bool `json:"at_period_end"` // default true
}

func (s *Server) payInvoice(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	var req payRequest
	if !s.bind(c, &req) {
		return
	}
	inv, err := s.billing.Pay(c.Request.Context(), id, c.Param("number"), req.PaymentRef)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, invoiceOf(inv), "Invoice marked paid")
}

func (s *Server) voidInvoice(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	if !s.bindOptional(c, &struct{}{}) { // it takes no fields
		return
	}
	inv, err := s.billing.Void(c.Request.Context(), id, c.Param("number"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, invoiceOf(inv), "Invoice voided")
}

func (s *Server) cancelSubscription(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	var req cancelRequest
	if !s.bindOptional(c, &req) {
		return
	}
	atPeriodEnd := req.AtPeriodEnd == nil || *req.AtPeriodEnd
	sub, err := s.billing.Cancel(c.Request.Context(), id, atPeriodEnd)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, subscriptionOf(sub), "Subscription canceled")
}

func (s *Server) previewSubscription(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	planID, err := strconv.ParseInt(c.Query("plan_id"), 10, 64)
	if err != nil || planID <= 0 {
		failFields(c, map[string]string{"plan_id": "is required: a plan id"})
		return
	}
	p, err := s.billing.PreviewPlanChange(c.Request.Context(), id, planID)
	if err != nil {
		s.fail(c, err)
		return
	}
	lines := make([]invoiceLineJSON, len(p.Lines))
	for i, l := range p.Lines {
		lines[i] = invoiceLineJSON{Description: l.Description, Quantity: l.Quantity, UnitAmount: l.UnitAmount, Amount: l.Amount()}
	}
	ok(c, http.StatusOK, gin.H{"plan_id": p.PlanID, "lines": lines, "total": p.Total}, "Plan change previewed; nothing was changed")
}
