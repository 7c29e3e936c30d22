package ginhttp

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
)

type tenantJSON struct {
	ID          int64  `json:"id"`
	CompanyName string `json:"company_name"`
	Email       string `json:"email"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Subdomain   string `json:"subdomain"`
	Domain      string `json:"domain"`
	PlanID      int64  `json:"plan_id"`
	Plan        string `json:"plan"`
	PlanName    string `json:"plan_name"`
	Status      string `json:"status"`
	Database    string `json:"database"`
	Server      string `json:"server"` // the database server Database is on
	// MovingTo names the server a move is copying the tenant to (it is
	// read-only meanwhile).
	MovingTo string `json:"moving_to,omitempty"`
	// SchemaVersion is the tenant schema version of its database;
	// MigrationError why its last migration failed, when it did.
	SchemaVersion  int64       `json:"schema_version"`
	MigrationError string      `json:"migration_error,omitempty"`
	CreatedAt      string      `json:"created_at"`
	UpdatedAt      string      `json:"updated_at"`
	ExpiresAt      *string     `json:"expires_at"`
	Usage          quota.Usage `json:"usage,omitempty"`
	// AdminPassword is only in the answer to a create that generated it.
	AdminPassword string `json:"admin_password,omitempty"`
}

func (s *Server) tenantJSON(t core.Tenant, u quota.Usage) tenantJSON {
	return tenantJSON{
		ID: t.ID, CompanyName: t.CompanyName, Email: t.Email, FirstName: t.FirstName, LastName: t.LastName,
		Subdomain: t.Subdomain, Domain: s.tenants.Domain(t), PlanID: t.PlanID, Plan: t.PlanName, PlanName: t.PlanName,
		Status: string(t.Status), Database: t.Database, Server: core.ServerName(t.Server), MovingTo: t.MovingTo, CreatedAt: timestamp(t.CreatedAt), UpdatedAt: timestamp(t.UpdatedAt),
		ExpiresAt: timestampPtr(t.ExpiresAt), Usage: u, SchemaVersion: t.SchemaVersion, MigrationError: t.MigrationError,
	}
}

func (s *Server) listTenants(c *gin.Context) {
	errs := map[string]string{}
	f := core.TenantFilter{
		Status:  core.Status(c.Query("status")),
		Page:    intQuery(c, "page", 1, errs),
		PerPage: intQuery(c, "per_page", core.DefaultPerPage, errs),
		Search:  c.Query("search"),
		Sort:    c.Query("sort"),
	}
	if v := c.Query("schema_version"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs["schema_version"] = "must be a non-negative integer"
		}
		f.SchemaVersion = &n
	}
	switch c.Query("migration") {
	case "":
	case "failed":
		f.MigrationFailed = true
	default:
		errs["migration"] = "must be failed"
	}
	if len(errs) > 0 {
		failFields(c, errs)
		return
	}
	list, total, err := s.tenants.List(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]tenantJSON, len(list))
	for i, t := range list {
		out[i] = s.tenantJSON(t, nil)
	}
	ok(c, http.StatusOK, tenantList{Tenants: out, Total: total, Page: f.Page, PerPage: f.PerPage}, "Tenants retrieved successfully")
}

type tenantList struct {
	Tenants []tenantJSON `json:"tenants"`
	Total   int64        `json:"total"`
	Page    int          `json:"page"`
	PerPage int          `json:"per_page"`
}

// tenantCreated is the answer to a create: the seed's quick example puts
// tenant_id and domain at the top level, beside the envelope's keys.
type tenantCreated struct {
	Success  bool       `json:"success"`
	TenantID int64      `json:"tenant_id"`
	Domain   string     `json:"domain"`
	Message  string     `json:"message"`
	Data     tenantJSON `json:"data"`
}

type createTenantRequest struct {
	CompanyName string `json:"company_name"`
	Email       string `json:"email"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	PlanID      int64  `json:"plan_id"`
	Subdomain   string `json:"subdomain"`
	Password    string `json:"password"`
}

func (s *Server) createTenant(c *gin.Context) {
	var req createTenantRequest
	if !s.bind(c, &req) {
		return
	}
	created, err := s.tenants.CreateWithAdmin(c.Request.Context(), core.NewTenant{
		CompanyName: req.CompanyName, Email: req.Email, FirstName: req.FirstName, LastName: req.LastName,
		PlanID: req.PlanID, Subdomain: req.Subdomain, Password: req.Password,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	t := created.Tenant
	data := s.tenantJSON(t, nil)
	// A password generated because the request gave none is shown this once.
	data.AdminPassword = created.AdminPassword
	c.JSON(http.StatusCreated, tenantCreated{
		Success: true, TenantID: t.ID, Domain: s.tenants.Domain(t), Message: "Tenant created successfully", Data: data,
	})
}

func (s *Server) getTenant(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	ctx := c.Request.Context()
	t, err := s.tenants.Get(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.tenants.UsageOf(ctx, t)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, s.tenantJSON(t, u), "Tenant retrieved successfully")
}

type updateTenantRequest struct {
	CompanyName *string `json:"company_name"`
	PlanID      *int64  `json:"plan_id"`
	Status      *string `json:"status"`
}

func (s *Server) updateTenant(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	var req updateTenantRequest
	if !s.bind(c, &req) {
		return
	}
	t, err := s.tenants.Update(c.Request.Context(), id, core.TenantUpdate(req))
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, s.tenantJSON(t, nil), "Tenant updated successfully")
}

type moveRequest struct {
	To string `json:"to"` // the name of the database server to move to
}

// moveTenant starts a move: the tenant is read-only from the answer on,
// and the copy runs in the background (GET the tenant: server changes and
// moving_to goes away when it is done; its provisioning log has the steps).
func (s *Server) moveTenant(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	var req moveRequest
	if !s.bind(c, &req) {
		return
	}
	if req.To == "" {
		failFields(c, map[string]string{"to": "is required: the name of a database server"})
		return
	}
	ctx := c.Request.Context()
	t, err := s.tenants.BeginMove(ctx, id, req.To)
	if err != nil {
		s.fail(c, err)
		return
	}
	go func() {
		// The move outlives the request; a process that dies leaves it to reconcile.
		moved, err := s.tenants.FinishMove(context.WithoutCancel(ctx), t)
		if err != nil {
			s.logger.Error("tenant move", zap.Int64("tenant_id", id), zap.String("to", req.To), zap.Error(err))
			return
		}
		s.logger.Info("tenant moved", zap.Int64("tenant_id", id), zap.String("from", moved.From), zap.String("to", moved.To),
			zap.Int64("rows", moved.Rows), zap.Int64("bytes", moved.Bytes), zap.Duration("took", moved.Took), zap.Duration("read_only", moved.ReadOnly))
	}()
	ok(c, http.StatusAccepted, s.tenantJSON(t, nil), "Tenant move started")
}

func (s *Server) deleteTenant(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	if err := s.tenants.Delete(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, nil, "Tenant deleted successfully")
}

type subscriptionJSON struct {
	TenantID      int64   `json:"tenant_id"`
	PlanID        int64   `json:"plan_id"`
	PlanName      string  `json:"plan_name"`
	Status        string  `json:"status"`
	StartedAt     string  `json:"started_at"`
	ExpiresAt     *string `json:"expires_at"`
	NextInvoiceAt *string `json:"next_invoice_at"`
	BillingCycle  string  `json:"billing_cycle"`
	State         string  `json:"state,omitempty"`
}

func subscriptionOf(sub core.Subscription) subscriptionJSON {
	return subscriptionJSON{
		TenantID: sub.TenantID, PlanID: sub.PlanID, PlanName: sub.PlanName, Status: string(sub.Status),
		StartedAt: timestamp(sub.StartedAt), ExpiresAt: timestampPtr(sub.ExpiresAt),
		NextInvoiceAt: timestampPtr(sub.NextInvoiceAt), BillingCycle: string(sub.BillingCycle), State: sub.State,
	}
}

func (s *Server) getSubscription(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	sub, err := s.billing.Subscription(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, subscriptionOf(sub), "Subscription retrieved successfully")
}

type updateSubscriptionRequest struct {
	PlanID    *int64  `json:"plan_id"`
	ExpiresAt *string `json:"expires_at"`
}

func (s *Server) updateSubscription(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	var req updateSubscriptionRequest
	if !s.bind(c, &req) {
		return
	}
	u := core.SubscriptionUpdate{PlanID: req.PlanID}
	if req.ExpiresAt != nil {
		at, err := parseTime(*req.ExpiresAt)
		if err != nil {
			failFields(c, map[string]string{"expires_at": err.Error()})
			return
		}
		u.ExpiresAt = &at
	}
	sub, err := s.billing.UpdateSubscription(c.Request.Context(), id, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, subscriptionOf(sub), "Subscription updated successfully")
}

func (s *Server) getUsage(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	u, err := s.tenants.Usage(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, u, "Usage retrieved successfully")
}

func (s *Server) provisioningSteps(c *gin.Context) {
	id, found := idParam(c, "tenant")
	if !found {
		return
	}
	steps, err := s.tenants.Steps(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]gin.H, len(steps))
	for i, st := range steps {
		out[i] = gin.H{"step": st.Step, "outcome": st.Outcome, "error": st.Error, "at": timestamp(st.At)}
	}
	ok(c, http.StatusOK, gin.H{"steps": out}, "Provisioning steps retrieved successfully")
}
