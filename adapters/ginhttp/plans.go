package ginhttp

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/saasd/saasd/core"
)

type planJSON struct {
	ID           int64       `json:"id"`
	Name         string      `json:"name"`
	PriceMonthly core.Money  `json:"price_monthly"`
	PriceYearly  core.Money  `json:"price_yearly"`
	BillingCycle string      `json:"billing_cycle"`
	IsPopular    bool        `json:"is_popular"`
	TrialEnabled bool        `json:"trial_enabled"`
	TrialDays    int         `json:"trial_days"`
	Limits       core.Limits `json:"limits"`
	CreatedAt    string      `json:"created_at"`
	UpdatedAt    string      `json:"updated_at"`
}

func planOf(p core.Plan) planJSON {
	return planJSON{
		ID: p.ID, Name: p.Name, PriceMonthly: p.PriceMonthly, PriceYearly: p.PriceYearly,
		BillingCycle: string(p.BillingCycle), IsPopular: p.IsPopular, TrialEnabled: p.TrialEnabled,
		TrialDays: p.TrialDays, Limits: p.Limits, CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt),
	}
}

type planList struct {
	Plans []planJSON `json:"plans"`
}

type planRequest struct {
	Name         *string          `json:"name"`
	PriceMonthly *json.Number     `json:"price_monthly"`
	PriceYearly  *json.Number     `json:"price_yearly"`
	BillingCycle *string          `json:"billing_cycle"`
	IsPopular    *bool            `json:"is_popular"`
	TrialEnabled *bool            `json:"trial_enabled"`
	TrialDays    *int             `json:"trial_days"`
	Limits       map[string]int64 `json:"limits"`
}

func (r planRequest) input() core.PlanInput {
	text := func(n *json.Number) *string {
		if n == nil {
			return nil
		}
		s := n.String()
		return &s
	}
	return core.PlanInput{
		Name: r.Name, PriceMonthly: text(r.PriceMonthly), PriceYearly: text(r.PriceYearly),
		BillingCycle: r.BillingCycle, IsPopular: r.IsPopular, TrialEnabled: r.TrialEnabled,
		TrialDays: r.TrialDays, Limits: r.Limits,
	}
}

func (s *Server) listPlans(c *gin.Context) {
	plans, err := s.billing.Plans(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]planJSON, len(plans))
	for i, p := range plans {
		out[i] = planOf(p)
	}
	ok(c, http.StatusOK, planList{Plans: out}, "Plans retrieved successfully")
}

func (s *Server) getPlan(c *gin.Context) {
	id, found := idParam(c, "plan")
	if !found {
		return
	}
	p, err := s.billing.Plan(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, planOf(p), "Plan retrieved successfully")
}

func (s *Server) createPlan(c *gin.Context) {
	var req planRequest
	if !s.bind(c, &req) {
		return
	}
	p, err := s.billing.CreatePlan(c.Request.Context(), req.input())
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusCreated, planOf(p), "Plan created successfully")
}

func (s *Server) updatePlan(c *gin.Context) {
	id, found := idParam(c, "plan")
	if !found {
		return
	}
	var req planRequest
	if !s.bind(c, &req) {
		return
	}
	p, err := s.billing.UpdatePlan(c.Request.Context(), id, req.input())
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, planOf(p), "Plan updated successfully")
}

func (s *Server) deletePlan(c *gin.Context) {
	id, found := idParam(c, "plan")
	if !found {
		return
	}
	if err := s.billing.DeletePlan(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, nil, "Plan deleted successfully")
}
