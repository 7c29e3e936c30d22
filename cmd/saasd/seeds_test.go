package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
)

// The seeds are the reference documents of the API (000–002: the
// superadmin API, 001 and 002 being one reference in two languages; 003:
// the FinCRM tenant API; 004: the tenant API v2). seedCalls sends each
// seed's own example requests in the order a new user would, and checks
// what the seed documents of the answer:
//
//   - the status: 201 for creates, 200 otherwise, as seeds 001 and 004 list
//     them (seed 003 names none; its creates are "store the data");
//   - the field names of the answer (never the values): those of the seed's
//     example response where it shows one, otherwise the names of the
//     request's own fields, which the stored record answers with;
//   - the envelope (`success`, and `message` where seeds 000–002 show it)
//     and, where seeds 000–002 and 004 promise them, the rate-limit headers.
//
// Bodies are the seed's own, verbatim, where it prints one. Where it lists
// body parameters only (seed 003, plan and tenant updates), the body has
// exactly those parameters with values of the types the seed gives. Seed
// 003 sends its token as `Authorization: {auth_token}`, without a scheme;
// seed 004 speaks of API keys, so its calls use one.
type seedCall struct {
	seeds    string            // the seeds documenting this endpoint, e.g. "001 002"
	endpoint string            // method and path as the seeds write them
	path     string            // the request (path and query); {name} is a saved value
	as       caller            // who sends it
	body     string            // JSON; {name} is a saved value
	status   int               // documented status
	fields   []string          // answer paths that must be present: "data.tenants[].id"
	save     map[string]string // name → answer path, for later calls
}

// caller is how a seed call authenticates.
type caller int

const (
	operator caller = iota // Authorization: Bearer <superadmin token>
	anyone                 // no Authorization (public signup)
	visitor                // tenant Host, no Authorization (seed 003's public reads)
	fincrm                 // tenant Host, Authorization: <session token> (seed 003)
	apiKey                 // tenant Host, Authorization: Bearer <API key> (seed 004)
	wrongKey               // tenant Host, an API key that does not exist
)

// The seed's example bodies: seeds 000 and 001 show a tenant create, 004
// most creates. The seeds' pages hide e-mail addresses ("[email protected]"
// is what the archived pages show in place of the address); john@acme.com
// stands in for it.
const (
	seed000Tenant = `{"company_name": "Acme Corp", "email": "john@acme.com", "first_name": "John", "last_name": "Doe", "plan_id": 1, "subdomain": "acme"}`
	seed001Tenant = `{"company_name": "Acme Corp", "email": "john@acme.com", "first_name": "John", "last_name": "Doe", "plan_id": 2, "subdomain": "acme"}`

	seed004Customer     = `{"account": "Jane Smith", "email": "jane@example.com", "phone": "1234567890", "address": "123 Business St", "city": "New York", "state": "NY", "zip": "10001", "country": "US"}`
	seed004Invoice      = `{"customer_id": 1, "date": "2024-01-15", "due_date": "2024-02-15", "items": [{"description": "Web Development", "amount": 1500.00, "qty": 1}], "notes": "Payment due within 30 days"}`
	seed004Transaction  = `{"type": "Income", "account_id": 1, "amount": 1500.00, "category_id": 1, "description": "Website Development Payment", "date": "2024-01-15"}`
	seed004Product      = `{"name": "Web Hosting", "price": 99.99, "description": "Annual web hosting package", "type": "service", "tax_rate": 10}`
	seed004Quote        = `{"customer_id": 1, "valid_until": "2024-02-15", "items": [{"description": "Consulting Services", "amount": 2000.00, "qty": 1}]}`
	seed004Ticket       = `{"customer_id": 1, "subject": "Technical Support Required", "message": "Need assistance with installation", "department_id": 1, "priority": "High"}`
	seed004Lead         = `{"first_name": "John", "last_name": "Smith", "email": "john@example.com", "company": "Acme Corp", "phone": "1234567890", "source": "Website"}`
	seed004User         = `{"name": "Admin User", "email": "admin@example.com", "password": "securepassword", "role": "administrator"}`
	seed004Webhook      = `{"url": "https://your-domain.com/webhook", "events": ["invoice.created", "payment.received"]}`
	seed004Batch        = `{"customers": [{"account": "Customer 1", "email": "customer1@example.com"}, {"account": "Customer 2", "email": "customer2@example.com"}]}`
	seed004CustomerEdit = `{"phone": "0987654321", "city": "Boston"}`
)

// Seed 001/002 show plans with these fields but no create body; the seed's
// own plan object is the body (Professional with the limits its tenant
// example shows).
const (
	starterPlan      = `{"name": "Starter", "price_monthly": 10.00, "price_yearly": 100.00, "billing_cycle": "monthly", "is_popular": false, "trial_enabled": true, "limits": {"customers": 50, "invoices": 100, "projects": 5, "staff": 2}}`
	professionalPlan = `{"name": "Professional", "price_monthly": 49.00, "price_yearly": 490.00, "billing_cycle": "monthly", "is_popular": true, "trial_enabled": true, "limits": {"customers": 500, "invoices": 1000, "projects": 50, "staff": 10}}`
	enterprisePlan   = `{"name": "Enterprise", "price_monthly": 99.00, "price_yearly": 990.00, "billing_cycle": "yearly", "is_popular": false, "trial_enabled": false, "limits": {"customers": 5000}}`
)

// Seed 003 lists body parameters with their types; each body has all of
// them. Images are URLs: the seed's requests are application/json.
const (
	fincrmRegister = `{"name": "Jane Admin", "email": "jane@fincrm.example.com", "mobile": 9876543210, "company": "FinCRM Demo", "password": "s3cret-pass", "c_password": "s3cret-pass"}`
	fincrmLogin    = `{"email": "jane@fincrm.example.com", "password": "s3cret-pass"}`
	fincrmCompany  = `{"c_name": "Acme Corp", "c_mobileNum": 9876543210, "c_whatsappNum": 9876543211, "c_bio": "We make everything", "c_email": "info@acme.example.com",
		"personal_name": "Jane Admin", "category_id": 1, "actype_id": 2, "position": "CEO", "c_logo": "https://cdn.example.com/acme.png"}`
	fincrmCompanyEdit = `{"c_name": "Acme Corporation", "c_mobileNum": 9876543212, "c_whatsappNum": 9876543213, "c_bio": "We still make everything", "c_email": "hello@acme.example.com",
		"personal_name": "Jane Founder", "category_id": 2, "actype_id": 1, "position": "Founder", "c_logo": "https://cdn.example.com/acme2.png"}`
	fincrmProduct = `{"name": "Web Hosting", "price": 99.99, "description": "Annual web hosting package", "procat_id": 2, "prosubcat_id": 7, "company": {company},
		"vendor": "Acme Hosting", "tags": "hosting,web", "location": "Berlin", "min_quantity": 1, "picture": "https://cdn.example.com/hosting.png", "unit": 1}`
	fincrmProductEdit = `{"name": "Web Hosting Plus", "price": 129.00, "description": "Hosting with backups", "procat_id": 2, "prosubcat_id": 7, "company": {company},
		"vendor": "Acme Hosting", "tags": "hosting,backup", "location": "Paris", "min_quantity": 2, "picture": "https://cdn.example.com/plus.png", "unit": 1}`
	fincrmProductLead = `{"first_name": "Sam", "email": "sam@example.com", "mobile": 5550100, "pro_id": {product}, "notes": "Wants a quote"}`
	fincrmLead        = `{"first_name": "John", "last_name": "Smith", "email": "john@example.com", "designation": "CTO", "notes": "Met at the fair", "company": {company},
		"phone": 1234567890, "mobile": 5550101, "picture": "https://cdn.example.com/john.png"}`
	fincrmLeadEdit = `{"first_name": "John", "last_name": "Smyth", "email": "john.smyth@example.com", "designation": "CEO", "notes": "Promoted", "company": {company},
		"phone": 1234567891, "mobile": 5550102, "picture": "https://cdn.example.com/john2.png"}`
	fincrmContact     = `{"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "ldsrc_id": 2, "mobile": 5550103, "picture": "https://cdn.example.com/ann.png"}`
	fincrmContactEdit = `{"first_name": "Ann", "last_name": "Li", "email": "ann.li@example.com", "ldsrc_id": 3, "mobile": 5550104, "picture": "https://cdn.example.com/ann2.png"}`
	fincrmDeal        = `{"name": "Big deal", "ld_id": {lead}, "pro_id": {product}, "sfun_id": 2, "value": 5000, "closing_date": "2024-03-31"}`
	fincrmDealEdit    = `{"name": "Bigger deal", "ld_id": {lead}, "pro_id": {product}, "sfun_id": 3, "value": 7500.50, "closing_date": "2024-04-30"}`
	fincrmService     = `{"title": "Website Design", "price": 1500, "servcategory_id": 3, "serv_subcategory_id": 10, "company_id": {company},
		"image": "https://cdn.example.com/design.png", "description": "A site in a week", "brand": "Acme", "tags": "web,design"}`
	fincrmServiceLead = `{"name": "Bob", "mobile": 5550105, "service_id": {service}, "notes": "Call me"}`
)

// Answer fields the seeds show.
var (
	planFields = []string{"id", "name", "price_monthly", "price_yearly", "billing_cycle", "is_popular", "trial_enabled",
		"limits.customers", "limits.invoices", "limits.projects", "limits.staff"}
	tenantFields = append(prefix("data.",
		"id", "company_name", "domain", "plan_id", "plan_name", "status", "created_at", "expires_at"),
		usageFields("data.usage.", []string{"customers", "invoices", "projects", "staff"}, "used", "limit")...)
	tenantListFields = append(prefix("data.tenants[].", "id", "company_name", "domain", "plan", "status", "created_at"),
		"data.total", "data.page", "data.per_page")
	subscriptionFields = prefix("data.", "tenant_id", "plan_id", "plan_name", "status", "started_at", "expires_at", "next_invoice_at", "billing_cycle")
	allUsageFields     = usageFields("data.", []string{"customers", "invoices", "projects", "staff", "estimates", "contracts", "tasks"}, "used", "limit", "percentage")
	customerListFields = append(prefix("data[].", "id", "account", "email", "phone", "created_at", "updated_at"),
		"meta.current_page", "meta.total_pages", "meta.total_records")
	invoiceListFields = prefix("data[].", "id", "invoice_number", "customer_id", "amount", "status", "due_date",
		"items[].description", "items[].amount", "items[].qty")
	reportFields = prefix("data.", "income", "expenses", "profit", "outstanding_invoices")
	lookupFields = prefix("data[].", "id", "name")
)

var seedCalls = []seedCall{
	// Seeds 000–002: the superadmin API.
	{seeds: "001 002", endpoint: "POST /api/saas/plans", body: starterPlan, status: 201, fields: prefix("data.", planFields...), save: map[string]string{"starter": "data.id"}},
	{seeds: "001 002", endpoint: "POST /api/saas/plans", body: professionalPlan, status: 201, fields: prefix("data.", planFields...), save: map[string]string{"professional": "data.id"}},
	{seeds: "001 002", endpoint: "POST /api/saas/plans", body: enterprisePlan, status: 201, fields: prefix("data.", planFields...), save: map[string]string{"enterprise": "data.id"}},
	{seeds: "001 002", endpoint: "GET /api/saas/plans", status: 200, fields: prefix("data.plans[].", planFields...)},
	{seeds: "001 002", endpoint: "GET /api/saas/plans/{id}", path: "/api/saas/plans/{starter}", status: 200, fields: prefix("data.", planFields...)},
	{seeds: "001 002", endpoint: "PUT /api/saas/plans/{id}", path: "/api/saas/plans/{starter}", body: `{"price_yearly": 96.00, "is_popular": true}`, status: 200, fields: prefix("data.", planFields...)},
	{seeds: "000 001 002", endpoint: "POST /api/saas/tenants", body: seed000Tenant, status: 201, fields: []string{"success", "tenant_id", "domain", "message"}, save: map[string]string{"tenant": "tenant_id"}},
	{seeds: "001 002", endpoint: "GET /api/saas/tenants", status: 200, fields: tenantListFields},
	{seeds: "001 002", endpoint: "GET /api/saas/tenants", path: "/api/saas/tenants?page=1&per_page=25&status=trial", status: 200, fields: tenantListFields},
	{seeds: "001 002", endpoint: "GET /api/saas/tenants/{id}", path: "/api/saas/tenants/{tenant}", status: 200, fields: tenantFields},
	{seeds: "001 002", endpoint: "GET /api/saas/tenants/{id}/subscription", path: "/api/saas/tenants/{tenant}/subscription", status: 200, fields: subscriptionFields},
	{seeds: "001 002", endpoint: "PUT /api/saas/tenants/{id}/subscription", path: "/api/saas/tenants/{tenant}/subscription",
		body: `{"plan_id": {professional}, "expires_at": "2030-02-15T10:30:00Z"}`, status: 200, fields: subscriptionFields},
	{seeds: "001 002", endpoint: "GET /api/saas/tenants/{id}/usage", path: "/api/saas/tenants/{tenant}/usage", status: 200, fields: allUsageFields},
	{seeds: "001 002", endpoint: "PUT /api/saas/tenants/{id}", path: "/api/saas/tenants/{tenant}",
		body: `{"company_name": "Acme Corporation", "plan_id": {starter}, "status": "active"}`, status: 200, fields: prefix("data.", "company_name", "plan_id", "status")},
	{seeds: "001 002", endpoint: "DELETE /api/saas/tenants/{id}", path: "/api/saas/tenants/{tenant}", status: 200, fields: []string{"data"}},
	{seeds: "000 001 002", endpoint: "POST /api/saas/tenants", body: seed001Tenant, status: 201, fields: []string{"success", "tenant_id", "domain", "message"}},
	{seeds: "001 002", endpoint: "DELETE /api/saas/plans/{id}", path: "/api/saas/plans/{enterprise}", status: 200, fields: []string{"data"}},

	// Seed 003: the FinCRM API. Signup takes the first plan with a trial.
	{seeds: "003", endpoint: "POST /api/register", as: anyone, body: fincrmRegister, status: 201, fields: []string{"data.token"},
		save: map[string]string{"signup_token": "data.token", "host": "data.tenant.domain"}},
	{seeds: "003", endpoint: "POST /api/login", as: visitor, body: fincrmLogin, status: 200, fields: []string{"data.token"}, save: map[string]string{"token": "data.token"}},
	{seeds: "003", endpoint: "POST /api/v1/companies", as: fincrm, body: fincrmCompany, status: 201, fields: record(fincrmCompany),
		save: map[string]string{"company": "data.id", "company_slug": "data.slug"}},
	{seeds: "003", endpoint: "GET /api/v1/companies", path: "/api/v1/companies?sort=10", as: visitor, status: 200, fields: records(fincrmCompany)},
	{seeds: "003", endpoint: "GET /api/v1/companies/{slug}", path: "/api/v1/companies/{company_slug}", as: visitor, status: 200, fields: record(fincrmCompany)},
	{seeds: "003", endpoint: "PUT /api/v1/companies/{slug}", path: "/api/v1/companies/{company_slug}", as: fincrm, body: fincrmCompanyEdit, status: 200, fields: record(fincrmCompanyEdit)},
	{seeds: "003", endpoint: "GET /api/v1/auth/company", path: "/api/v1/auth/company?limit=5", as: fincrm, status: 200, fields: records(fincrmCompany)},
	{seeds: "003", endpoint: "GET /api/v1/auth/company", as: fincrm, status: 200, fields: records(fincrmCompany)},
	{seeds: "003", endpoint: "POST /api/v1/products", as: fincrm, body: fincrmProduct, status: 201, fields: record(fincrmProduct),
		save: map[string]string{"product": "data.id", "product_slug": "data.slug"}},
	{seeds: "003", endpoint: "GET /api/v1/products", path: "/api/v1/products?unique=false&sort=18&featured=true", as: visitor, status: 200, fields: []string{"data", "meta"}},
	{seeds: "003", endpoint: "GET /api/v1/products", path: "/api/v1/products?unique=false&sort=18&featured=false", as: visitor, status: 200, fields: records(fincrmProduct)},
	{seeds: "003", endpoint: "GET /api/v1/products/{slug}", path: "/api/v1/products/{product_slug}", as: visitor, status: 200, fields: record(fincrmProduct)},
	{seeds: "003", endpoint: "PUT /api/v1/products/{slug}", path: "/api/v1/products/{product_slug}", as: fincrm, body: fincrmProductEdit, status: 200, fields: record(fincrmProductEdit)},
	{seeds: "003", endpoint: "POST /api/v1/product/leads", as: fincrm, body: fincrmProductLead, status: 201, fields: record(fincrmProductLead), save: map[string]string{"lead": "data.id"}},
	{seeds: "003", endpoint: "GET /api/v1/product/leads", path: "/api/v1/product/leads?all=false", as: fincrm, status: 200, fields: records(fincrmProductLead)},
	{seeds: "003", endpoint: "POST /api/v1/leads", as: fincrm, body: fincrmLead, status: 201, fields: record(fincrmLead), save: map[string]string{"lead2": "data.id"}},
	{seeds: "003", endpoint: "GET /api/v1/leads", path: "/api/v1/leads?limit=10", as: fincrm, status: 200, fields: records(fincrmLead)},
	{seeds: "003", endpoint: "PUT /api/v1/leads/{id}", path: "/api/v1/leads/{lead2}", as: fincrm, body: fincrmLeadEdit, status: 200, fields: record(fincrmLeadEdit)},
	{seeds: "003", endpoint: "GET /api/v1/leads/{id}", path: "/api/v1/leads/{lead2}", as: fincrm, status: 200, fields: record(fincrmLeadEdit)},
	{seeds: "003", endpoint: "DELETE /api/v1/leads/{id}", path: "/api/v1/leads/{lead2}", as: fincrm, status: 200, fields: []string{"data"}},
	{seeds: "003", endpoint: "POST /api/v1/contacts", as: fincrm, body: fincrmContact, status: 201, fields: record(fincrmContact), save: map[string]string{"contact": "data.id"}},
	{seeds: "003", endpoint: "GET /api/v1/contacts", as: fincrm, status: 200, fields: records(fincrmContact)},
	{seeds: "003", endpoint: "PUT /api/v1/contacts/{id}", path: "/api/v1/contacts/{contact}", as: fincrm, body: fincrmContactEdit, status: 200, fields: record(fincrmContactEdit)},
	{seeds: "003", endpoint: "GET /api/v1/contacts/{id}", path: "/api/v1/contacts/{contact}", as: fincrm, status: 200, fields: record(fincrmContactEdit)},
	{seeds: "003", endpoint: "DELETE /api/v1/contacts/{id}", path: "/api/v1/contacts/{contact}", as: fincrm, status: 200, fields: []string{"data"}},
	{seeds: "003", endpoint: "POST /api/v1/deals", as: fincrm, body: fincrmDeal, status: 201, fields: record(fincrmDeal), save: map[string]string{"deal": "data.id"}},
	{seeds: "003", endpoint: "GET /api/v1/deals", path: "/api/v1/deals?limit=10", as: fincrm, status: 200, fields: records(fincrmDeal)},
	{seeds: "003", endpoint: "PUT /api/v1/deals/{id}", path: "/api/v1/deals/{deal}", as: fincrm, body: fincrmDealEdit, status: 200, fields: record(fincrmDealEdit)},
	{seeds: "003", endpoint: "GET /api/v1/deals/{id}", path: "/api/v1/deals/{deal}", as: fincrm, status: 200, fields: record(fincrmDealEdit)},
	{seeds: "003", endpoint: "DELETE /api/v1/deals/{id}", path: "/api/v1/deals/{deal}", as: fincrm, status: 200, fields: []string{"data"}},
	{seeds: "003", endpoint: "POST /api/v1/api-services", as: fincrm, body: fincrmService, status: 201, fields: record(fincrmService),
		save: map[string]string{"service": "data.id", "service_slug": "data.slug"}},
	{seeds: "003", endpoint: "GET /api/v1/api-services", path: "/api/v1/api-services?limit=10&featured=false", as: visitor, status: 200, fields: records(fincrmService)},
	{seeds: "003", endpoint: "GET /api/v1/api-services", path: "/api/v1/api-services?limit=10&featured=true", as: visitor, status: 200, fields: []string{"data", "meta"}},
	{seeds: "003", endpoint: "POST /api/v1/api-services/leads", as: fincrm, body: fincrmServiceLead, status: 201, fields: record(fincrmServiceLead)},
	{seeds: "003", endpoint: "GET /api/v1/api-services/{slug}", path: "/api/v1/api-services/{service_slug}", as: fincrm, status: 200, fields: record(fincrmService)},
	{seeds: "003", endpoint: "GET /api/v1/services", path: "/api/v1/services?limit=10", as: fincrm, status: 200, fields: records(fincrmService)},
	{seeds: "003", endpoint: "GET /api/v1/currencies", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/account-type", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/industry-type", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/list-category", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/list-subcategory", path: "/api/v1/list-subcategory?limit=10&category_id=1", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/states/{country_id}", path: "/api/v1/states/840", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/countries", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/deal-type", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/lead-type", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/lead-source", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/units", as: fincrm, status: 200, fields: lookupFields},
	{seeds: "003", endpoint: "GET /api/v1/profile", as: fincrm, status: 200, fields: prefix("data.", "id", "name", "email")},
	{seeds: "003", endpoint: "GET /api/v1/auth/product", path: "/api/v1/auth/product?limit=10", as: fincrm, status: 200, fields: records(fincrmProductEdit)},
	{seeds: "003", endpoint: "DELETE /api/v1/products/{slug}", path: "/api/v1/products/{product_slug}", as: fincrm, status: 200, fields: []string{"data"}},
	{seeds: "003", endpoint: "DELETE /api/v1/companies/{slug}", path: "/api/v1/companies/{company_slug}", as: fincrm, status: 200, fields: []string{"data"}},
	{seeds: "003", endpoint: "POST /api/logout", as: fincrm, status: 200, fields: []string{"data"}},

	// Seed 004: the tenant API v2, called with an API key (made first, with
	// the signup's session: keys are not in the seed's list).
	{seeds: "004", endpoint: "POST /api/v2/customers", as: apiKey, body: seed004Customer, status: 201, fields: record(seed004Customer), save: map[string]string{"customer": "data.id"}},
	{seeds: "004", endpoint: "GET /api/v2/customers", as: apiKey, status: 200, fields: customerListFields},
	{seeds: "004", endpoint: "GET /api/v2/customers", path: "/api/v2/customers?page=1&limit=20&search=Jane", as: apiKey, status: 200, fields: customerListFields},
	{seeds: "004", endpoint: "GET /api/v2/customers/{id}", path: "/api/v2/customers/{customer}", as: apiKey, status: 200, fields: record(seed004Customer)},
	{seeds: "004", endpoint: "PUT /api/v2/customers/{id}", path: "/api/v2/customers/{customer}", as: apiKey, body: seed004CustomerEdit, status: 200, fields: record(seed004Customer)},
	{seeds: "004", endpoint: "POST /api/v2/invoices", as: apiKey, body: seed004Invoice, status: 201,
		fields: append(record(seed004Invoice), "data.items[].description", "data.items[].amount", "data.items[].qty")},
	{seeds: "004", endpoint: "GET /api/v2/invoices", as: apiKey, status: 200, fields: invoiceListFields},
	{seeds: "004", endpoint: "GET /api/v2/invoices", path: "/api/v2/invoices?status=Unpaid&customer_id=1&date_from=2024-01-01&date_to=2024-01-31", as: apiKey, status: 200, fields: invoiceListFields},
	{seeds: "004", endpoint: "POST /api/v2/transactions", as: apiKey, body: seed004Transaction, status: 201, fields: record(seed004Transaction)},
	{seeds: "004", endpoint: "GET /api/v2/transactions", as: apiKey, status: 200, fields: records(seed004Transaction)},
	{seeds: "004", endpoint: "GET /api/v2/transactions", path: "/api/v2/transactions?type=Income&account_id=1&date_from=2024-01-01&date_to=2024-01-31", as: apiKey, status: 200, fields: records(seed004Transaction)},
	{seeds: "004", endpoint: "POST /api/v2/products", as: apiKey, body: seed004Product, status: 201, fields: record(seed004Product)},
	{seeds: "004", endpoint: "GET /api/v2/products", as: apiKey, status: 200, fields: records(seed004Product)},
	{seeds: "004", endpoint: "POST /api/v2/quotes", as: apiKey, body: seed004Quote, status: 201,
		fields: append(record(seed004Quote), "data.items[].description", "data.items[].amount", "data.items[].qty")},
	{seeds: "004", endpoint: "GET /api/v2/quotes", as: apiKey, status: 200, fields: append(records(seed004Quote), "data[].items[].description", "data[].items[].amount", "data[].items[].qty")},
	{seeds: "004", endpoint: "POST /api/v2/tickets", as: apiKey, body: seed004Ticket, status: 201, fields: record(seed004Ticket)},
	{seeds: "004", endpoint: "GET /api/v2/tickets", as: apiKey, status: 200, fields: records(seed004Ticket)},
	{seeds: "004", endpoint: "GET /api/v2/tickets", path: "/api/v2/tickets?status=Open&department_id=1", as: apiKey, status: 200, fields: records(seed004Ticket)},
	{seeds: "004", endpoint: "POST /api/v2/leads", as: apiKey, body: seed004Lead, status: 201, fields: record(seed004Lead)},
	{seeds: "004", endpoint: "POST /api/v2/users", as: apiKey, body: seed004User, status: 201, fields: prefix("data.", "name", "email", "role")},
	{seeds: "004", endpoint: "GET /api/v2/users", as: apiKey, status: 200, fields: prefix("data[].", "name", "email", "role")},
	{seeds: "004", endpoint: "GET /api/v2/reports/financial", as: apiKey, status: 200, fields: reportFields},
	{seeds: "004", endpoint: "GET /api/v2/reports/financial", path: "/api/v2/reports/financial?year=2024&month=1", as: apiKey, status: 200, fields: reportFields},
	{seeds: "004", endpoint: "POST /api/v2/webhooks", as: apiKey, body: seed004Webhook, status: 201, fields: record(seed004Webhook)},
	{seeds: "004", endpoint: "POST /api/v2/batch/customers", as: apiKey, body: seed004Batch, status: 201, fields: prefix("data.customers[].", "account", "email")},
	{seeds: "004", endpoint: "DELETE /api/v2/customers/{id}", path: "/api/v2/customers/{customer}", as: apiKey, status: 200, fields: []string{"data"}},
}

// seedErrors are the error answers the seeds show, sent after seedCalls:
// 001/002's {success, error, code}, 004's validation error {success,
// errors, message} (its example names email and amount) and its
// authentication error {success, message}. They are not endpoints and are
// not counted, but a difference fails the test all the same.
var seedErrors = []seedCall{
	{seeds: "001 002", endpoint: "GET /api/saas/tenants/{id}", path: "/api/saas/tenants/424242", status: 404, fields: []string{"success", "error", "code"}},
	{seeds: "001 002", endpoint: "POST /api/saas/plans", body: `{"name": "Broken", "price_monthly": 10.00, "limitz": {"customers": 5}}`, status: 422,
		fields: []string{"success", "error", "code", "errors.limitz"}},
	{seeds: "004", endpoint: "POST /api/v2/customers", as: apiKey, body: `{"account": "Jane Smith", "email": "jane-at-example.com"}`, status: 422,
		fields: []string{"success", "errors.email", "message"}},
	{seeds: "004", endpoint: "POST /api/v2/transactions", as: apiKey, body: `{"type": "Income", "account_id": 1, "amount": 0, "date": "2024-01-15"}`, status: 422,
		fields: []string{"success", "errors.amount", "message"}},
	{seeds: "004", endpoint: "GET /api/v2/customers", as: wrongKey, status: 401, fields: []string{"success", "message"}},
	{seeds: "003", endpoint: "GET /api/v1/profile", as: visitor, status: 401, fields: []string{"success", "message"}},
}

// seedEndpoints counts the distinct endpoints of each seed: 000 shows one,
// 001 and 002 the same thirteen, 003 forty-nine (it lists auth/company
// twice), 004 twenty-one; 83 in all, as no endpoint is in two groups.
var seedEndpoints = map[string]int{"000": 1, "001": 13, "002": 13, "003": 49, "004": 21, "all": 83}

func prefix(p string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

func usageFields(p string, resources []string, keys ...string) []string {
	var out []string
	for _, r := range resources {
		out = append(out, prefix(p+r+".", keys...)...)
	}
	return out
}

// bodyKeys are the top-level keys of a JSON body (placeholders allowed).
func bodyKeys(body string) []string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(placeholder.ReplaceAllString(body, "0")), &m); err != nil {
		panic(fmt.Sprintf("seed body %s: %v", body, err))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// record: the answer's record has every field of body; records: so has
// each record of the (non-empty) list.
func record(body string) []string  { return prefix("data.", bodyKeys(body)...) }
func records(body string) []string { return prefix("data[].", bodyKeys(body)...) }

var placeholder = regexp.MustCompile(`\{[a-z0-9_]+\}`)

// seedRoutes lists the distinct endpoints of one seed ("" for all) as the
// engine's routes: "GET /api/v1/companies/:slug", in the table's order.
func seedRoutes(seed string) []string {
	var out []string
	for _, c := range seedCalls {
		if seed != "" && !slices.Contains(strings.Fields(c.seeds), seed) {
			continue
		}
		route := placeholder.ReplaceAllStringFunc(c.endpoint, func(m string) string { return ":" + m[1:len(m)-1] })
		if !slices.Contains(out, route) {
			out = append(out, route)
		}
	}
	return out
}

// pathOK reports whether v has path: "a.b" an object key (null counts),
// "a[]" a non-empty list each of whose elements has the rest.
func pathOK(v any, path string) bool {
	if path == "" {
		return true
	}
	head, rest, _ := strings.Cut(path, ".")
	name, isList := strings.CutSuffix(head, "[]")
	obj, ok := v.(map[string]any)
	if !ok {
		return false
	}
	child, ok := obj[name]
	if !ok {
		return false
	}
	if !isList {
		return rest == "" || pathOK(child, rest)
	}
	list, ok := child.([]any)
	if !ok || len(list) == 0 {
		return false
	}
	for _, el := range list {
		if !pathOK(el, rest) {
			return false
		}
	}
	return true
}

// valueAt returns the value at a plain path ("data.tenant.domain") as text.
func valueAt(v any, path string) (string, bool) {
	for _, k := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		v = obj[k]
	}
	switch x := v.(type) {
	case string:
		return x, x != ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// seedSession is the state of one backend's walk through the seeds.
type seedSession struct {
	e     *env
	saved map[string]string
}

func (s *seedSession) fill(text string) (string, []string) {
	var missing []string
	out := placeholder.ReplaceAllStringFunc(text, func(m string) string {
		v, ok := s.saved[m[1:len(m)-1]]
		if !ok {
			missing = append(missing, m)
		}
		return v
	})
	return out, missing
}

// send makes one seed call and returns what differs from the seed.
func (s *seedSession) send(c seedCall) []string {
	method, template, _ := strings.Cut(c.endpoint, " ")
	path := c.path
	if path == "" {
		path = template
	}
	path, missing := s.fill(path)
	body, missingB := s.fill(c.body)
	if missing = append(missing, missingB...); len(missing) > 0 {
		return []string{fmt.Sprintf("no value for %v from an earlier answer", missing)}
	}
	h := map[string]string{}
	switch c.as {
	case operator:
		h["Authorization"] = "Bearer " + s.e.token
	case visitor:
		h["Host"] = s.saved["host"]
	case fincrm:
		h["Host"], h["Authorization"] = s.saved["host"], s.saved["token"]
	case apiKey:
		h["Host"], h["Authorization"] = s.saved["host"], "Bearer "+s.saved["key"]
	case wrongKey:
		h["Host"], h["Authorization"] = s.saved["host"], "Bearer saasd_k_"+randomHex(16)
	}
	var b any
	if body != "" {
		b = body
	}
	r := s.e.request(method, path, b, h)
	var problems []string
	if r.status != c.status {
		problems = append(problems, fmt.Sprintf("status %d, the seed documents %d", r.status, c.status))
	}
	if success := c.status < 400; r.body["success"] != success {
		problems = append(problems, fmt.Sprintf("success is not %v", success))
	}
	want := c.fields
	if c.as == operator {
		want = append([]string{"message"}, want...)
	}
	for _, f := range want {
		if !pathOK(r.body, f) {
			problems = append(problems, "no "+f)
		}
	}
	if (c.as == operator || c.as == apiKey) && c.status < 400 {
		for _, hd := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
			if r.header.Get(hd) == "" {
				problems = append(problems, "no "+hd+" header")
			}
		}
	}
	for name, p := range c.save {
		if v, ok := valueAt(r.body, p); ok {
			s.saved[name] = v
		}
	}
	if len(problems) > 0 {
		problems = append(problems, "answer "+truncate(r.raw, 600))
	}
	return problems
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// seedTally gathers, per backend, the endpoints that answered as their
// seed documents (every call of the endpoint did).
type seedTally struct {
	mu      sync.Mutex
	ran     []string
	failed  map[string]map[string]bool // backend → endpoint → failed
	skipped []string
}

// TestSeedEndpoints sends every seed's own example requests to a real
// saasd on each backend and counts the seed endpoints served as documented.
func TestSeedEndpoints(t *testing.T) {
	// The table covers every distinct endpoint of each seed, once or more.
	distinct := map[string]map[string]bool{"all": {}}
	for _, c := range seedCalls {
		for _, sd := range strings.Fields(c.seeds) {
			if distinct[sd] == nil {
				distinct[sd] = map[string]bool{}
			}
			distinct[sd][c.endpoint] = true
		}
		distinct["all"][c.endpoint] = true
	}
	for sd, n := range seedEndpoints {
		if len(distinct[sd]) != n {
			t.Fatalf("seed %s: the table has %d distinct endpoints, the seed %d", sd, len(distinct[sd]), n)
		}
	}
	tally := &seedTally{failed: map[string]map[string]bool{}}
	t.Cleanup(func() { tally.report(t, distinct) })
	forEachBackend(t, func(t *testing.T, b backend) {
		tally.mu.Lock()
		tally.skipped = append(tally.skipped, b.name) // until it has run
		tally.mu.Unlock()
		e := newEnv(t, b)
		// Every endpoint is a route of the engine.
		var routes []string
		for _, r := range e.app.server.Handler().(*gin.Engine).Routes() {
			routes = append(routes, r.Method+" "+r.Path)
		}
		for _, ep := range seedRoutes("") {
			if !slices.Contains(routes, ep) {
				t.Errorf("%s: not a route of the engine", ep)
			}
		}
		s := &seedSession{e: e, saved: map[string]string{}}
		failed := map[string]bool{}
		for i, c := range seedCalls {
			if problems := s.send(c); len(problems) > 0 {
				failed[c.endpoint] = true
				t.Errorf("call %d (seed %s) %s %s:\n  %s", i, c.seeds, c.endpoint, c.path, strings.Join(problems, "\n  "))
			}
			if c.endpoint == "POST /api/register" {
				// The API key seed 004's calls use, made with the signup's session.
				r := e.request("POST", "/api/v2/api-keys", map[string]any{"name": "seed 004"},
					map[string]string{"Host": s.saved["host"], "Authorization": "Bearer " + s.saved["signup_token"]})
				var ok bool
				if s.saved["key"], ok = valueAt(r.body, "data.key"); r.status != 201 || !ok {
					t.Errorf("no API key for seed 004 (%d): %s", r.status, r.raw)
				}
			}
		}
		for _, c := range seedErrors {
			if problems := s.send(c); len(problems) > 0 {
				t.Errorf("error answer (seed %s) %s %s:\n  %s", c.seeds, c.endpoint, c.path, strings.Join(problems, "\n  "))
			}
		}
		tally.mu.Lock()
		defer tally.mu.Unlock()
		tally.skipped = slices.DeleteFunc(tally.skipped, func(n string) bool { return n == b.name })
		tally.ran = append(tally.ran, b.name)
		tally.failed[b.name] = failed
	})
}

// report logs "seed endpoints served as documented: N of 83", per seed and
// in total, counting an endpoint only when it answered as documented on
// every backend that ran.
func (tl *seedTally) report(t *testing.T, distinct map[string]map[string]bool) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if len(tl.ran) == 0 {
		return
	}
	for _, sd := range []string{"000", "001", "002", "003", "004", "all"} {
		served, per := 0, map[string]int{}
		for ep := range distinct[sd] {
			ok := true
			for _, b := range tl.ran {
				if !tl.failed[b][ep] {
					per[b]++
				}
				ok = ok && !tl.failed[b][ep]
			}
			if ok {
				served++
			}
		}
		label := "seed " + sd
		if sd == "all" {
			label = "all seeds"
		}
		var each []string
		for _, b := range tl.ran {
			each = append(each, fmt.Sprintf("%s %d", b, per[b]))
		}
		t.Logf("%s: seed endpoints served as documented: %d of %d (%s)", label, served, len(distinct[sd]), strings.Join(each, ", "))
	}
	if len(tl.skipped) > 0 {
		t.Logf("not verified on %s (skipped or stopped)", strings.Join(tl.skipped, ", "))
	}
}
