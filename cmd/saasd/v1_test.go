package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/saasd/saasd/core/kernel"
)

// seed003 is every distinct endpoint of seed 003 (the FinCRM API), from
// the table of the seeds' example requests (seeds_test.go).
var seed003 = seedRoutes("003")

// TestSeed003Routes checks that every endpoint of seed 003 is served, and
// that /api/v1 serves nothing the seed does not name.
func TestSeed003Routes(t *testing.T) {
	e := newEnv(t, backends(t)[0])
	var served []string
	for _, r := range e.app.server.Handler().(*gin.Engine).Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") || slices.Contains([]string{"/api/login", "/api/register", "/api/logout"}, r.Path) {
			served = append(served, r.Method+" "+r.Path)
		}
	}
	for _, ep := range seed003 {
		if !slices.Contains(served, ep) {
			t.Errorf("seed 003 endpoint %s is not served", ep)
		}
	}
	for _, ep := range served {
		if !slices.Contains(seed003, ep) {
			t.Errorf("%s is served under /api/v1 but is not in seed 003", ep)
		}
	}
	// Each v1 body and parameter is described for documents (OpenAPI), in the seed's names.
	described := map[string][]string{}
	for _, ep := range e.app.kernel.Endpoints() {
		if ep.API != kernel.V1 {
			continue
		}
		if (ep.Method == "POST" || ep.Method == "PUT") && len(ep.Body) == 0 {
			t.Errorf("%s /api/v1%s describes no body", ep.Method, ep.Path)
		}
		for _, f := range append(ep.Body, ep.Query...) {
			if f.Type == "" {
				t.Errorf("%s /api/v1%s: %s has no type", ep.Method, ep.Path, f.Name)
			}
			described[ep.Method+" "+ep.Path] = append(described[ep.Method+" "+ep.Path], f.Name)
		}
	}
	for ep, want := range map[string][]string{
		"POST /deals":           {"name", "ld_id", "pro_id", "sfun_id", "value", "closing_date"},
		"GET /products":         {"sort", "featured", "unique"},
		"GET /product/leads":    {"limit", "all"},
		"GET /list-subcategory": {"category_id", "limit"},
		"POST /companies":       {"c_name", "c_mobileNum", "c_whatsappNum", "c_bio", "c_email", "personal_name", "category_id", "actype_id", "position", "c_logo"},
	} {
		for _, name := range want {
			if !slices.Contains(described[ep], name) {
				t.Errorf("%s: %s not described (%v)", ep, name, described[ep])
			}
		}
	}
	if len(seed003) != 49 {
		t.Fatalf("seed 003 has 49 distinct endpoints, the list %d", len(seed003))
	}
}

// TestSeed003 calls each endpoint of seed 003 with the seed's own example
// request and fields, on both backends.
func TestSeed003(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.createPlan(starter)
		sub, tok := e.signup("Acme Corp", "acme", 0)
		auth := func(method, path string, body any) response { return e.asTenant(sub, tok, method, path, body) }
		anon := func(method, path string, body any) response { return e.asTenant(sub, "", method, path, body) }
		id := func(r response) int64 { return int64(r.data()["id"].(float64)) }
		list := func(r response) []any { l, _ := r.body["data"].([]any); return l }
		has := func(t *testing.T, r response, want map[string]any) {
			t.Helper()
			for k, v := range want {
				if got, ok := r.data()[k]; !ok || fmt.Sprint(got) != fmt.Sprint(v) {
					t.Fatalf("%s = %v (present %v), want %v; answer %s", k, got, ok, v, r.raw)
				}
			}
		}

		// Companies.
		company := map[string]any{"c_name": "Acme Corp", "c_mobileNum": 9876543210, "c_whatsappNum": 9876543211, "c_bio": "We make everything",
			"c_email": "info@acme.example.com", "personal_name": "Jane Admin", "category_id": 1, "actype_id": 2, "position": "CEO", "c_logo": "https://cdn.example.com/acme.png"}
		anon("POST", "/api/v1/companies", company).want(t, http.StatusUnauthorized)
		c1 := auth("POST", "/api/v1/companies", company).want(t, http.StatusCreated)
		has(t, c1, map[string]any{"slug": "acme-corp", "c_name": "Acme Corp", "c_mobileNum": "9876543210", "category_id": 1, "actype_id": 2, "c_logo": "https://cdn.example.com/acme.png"})
		c2 := auth("POST", "/api/v1/companies", company).want(t, http.StatusCreated)
		has(t, c2, map[string]any{"slug": "acme-corp-2"})
		if r := anon("GET", "/api/v1/companies?sort=1", nil).want(t, http.StatusOK); len(list(r)) != 1 || r.header.Get("X-RateLimit-Limit") == "" {
			t.Fatalf("companies?sort=1: %s", r.raw)
		}
		if n := len(list(anon("GET", "/api/v1/companies?sort=10", nil).want(t, http.StatusOK))); n != 2 {
			t.Fatalf("%d companies", n)
		}
		has(t, anon("GET", "/api/v1/companies/acme-corp", nil).want(t, http.StatusOK), map[string]any{"c_name": "Acme Corp", "position": "CEO"})
		anon("GET", "/api/v1/companies/nope", nil).want(t, http.StatusNotFound)
		anon("PUT", "/api/v1/companies/acme-corp", map[string]any{"c_bio": "x"}).want(t, http.StatusUnauthorized)
		has(t, auth("PUT", "/api/v1/companies/acme-corp", map[string]any{"c_bio": "Still making everything", "position": "Founder"}).want(t, http.StatusOK),
			map[string]any{"c_bio": "Still making everything", "position": "Founder", "slug": "acme-corp", "c_name": "Acme Corp"})
		if n := len(list(auth("GET", "/api/v1/auth/company?limit=5", nil).want(t, http.StatusOK))); n != 2 {
			t.Fatalf("auth/company: %d", n)
		}
		auth("DELETE", "/api/v1/companies/acme-corp-2", nil).want(t, http.StatusOK)
		anon("GET", "/api/v1/companies/acme-corp-2", nil).want(t, http.StatusNotFound)
		if r := auth("GET", "/api/v1/auth/company", nil).want(t, http.StatusOK); len(list(r)) != 1 {
			t.Fatalf("auth/company after delete: %s", r.raw)
		}
		if r := auth("POST", "/api/v1/companies", with(company, map[string]any{"category_id": 999})).want(t, 422); r.field("category_id") == "" {
			t.Fatalf("missing category: %s", r.raw)
		}
		companyID := id(c1)

		// Products: one table, two views.
		product := map[string]any{"name": "Web Hosting", "price": 99.99, "description": "Annual web hosting package", "procat_id": 2, "prosubcat_id": 7,
			"company": companyID, "vendor": "Acme Hosting", "tags": "hosting,web", "location": "Berlin", "min_quantity": 1, "picture": "https://cdn.example.com/h.png", "unit": 1}
		p1 := auth("POST", "/api/v1/products", product).want(t, http.StatusCreated)
		has(t, p1, map[string]any{"slug": "web-hosting", "company": companyID, "unit": 1, "price": 99.99, "procat_id": 2, "min_quantity": 1})
		v2 := auth("GET", fmt.Sprintf("/api/v2/products/%d", id(p1)), nil).want(t, http.StatusOK)
		has(t, v2, map[string]any{"company_id": companyID, "unit_id": 1, "name": "Web Hosting", "slug": "web-hosting"})
		auth("POST", "/api/v1/products", with(product, map[string]any{"name": "Domain", "featured": true})).want(t, http.StatusCreated)
		if n := len(list(anon("GET", "/api/v1/products?unique=false&sort=18&featured=true", nil).want(t, http.StatusOK))); n != 1 {
			t.Fatalf("featured products: %d", n)
		}
		if n := len(list(anon("GET", "/api/v1/products?unique=false&sort=18&featured=false", nil).want(t, http.StatusOK))); n != 2 {
			t.Fatalf("all products: %d", n)
		}
		if r := anon("GET", "/api/v1/products?unique=true&sort=18", nil).want(t, http.StatusOK); len(list(r)) != 1 || list(r)[0].(map[string]any)["name"] != "Domain" {
			t.Fatalf("one product per user: %s", r.raw)
		}
		if r := anon("GET", "/api/v1/products?sort=abc&featured=maybe", nil).want(t, 422); r.field("sort") == "" || r.field("featured") == "" {
			t.Fatalf("bad parameters: %s", r.raw)
		}
		has(t, anon("GET", "/api/v1/products/web-hosting", nil).want(t, http.StatusOK), map[string]any{"vendor": "Acme Hosting"})
		has(t, auth("PUT", "/api/v1/products/web-hosting", map[string]any{"price": 89, "location": "Paris"}).want(t, http.StatusOK), map[string]any{"price": 89.00, "location": "Paris"})
		if n := len(list(auth("GET", "/api/v1/auth/product?limit=10", nil).want(t, http.StatusOK))); n != 2 {
			t.Fatalf("auth/product: %d", n)
		}
		productID := id(p1)

		// Product leads and leads: one table.
		pl := auth("POST", "/api/v1/product/leads", map[string]any{"first_name": "Sam", "email": "sam@example.com", "mobile": 5550100, "pro_id": productID, "notes": "Wants a quote"}).want(t, http.StatusCreated)
		has(t, pl, map[string]any{"pro_id": productID, "mobile": "5550100", "notes": "Wants a quote"})
		if r := auth("POST", "/api/v1/product/leads", map[string]any{"first_name": "Sam"}).want(t, 422); r.field("pro_id") == "" {
			t.Fatalf("product lead without product: %s", r.raw)
		}
		lead := map[string]any{"first_name": "John", "last_name": "Smith", "email": "john@example.com", "designation": "CTO", "notes": "Met at the fair",
			"company": companyID, "phone": 1234567890, "mobile": "+1 555 0101", "picture": "https://cdn.example.com/j.png"}
		l1 := auth("POST", "/api/v1/leads", lead).want(t, http.StatusCreated)
		has(t, l1, map[string]any{"company": companyID, "designation": "CTO", "phone": "1234567890"})
		has(t, auth("GET", fmt.Sprintf("/api/v2/leads/%d", id(l1)), nil).want(t, http.StatusOK), map[string]any{"company_id": companyID, "status": "new"})
		if n := len(list(auth("GET", "/api/v1/product/leads?all=false", nil).want(t, http.StatusOK))); n != 1 {
			t.Fatalf("product leads: %d", n)
		}
		if n := len(list(auth("GET", "/api/v1/product/leads?all=true", nil).want(t, http.StatusOK))); n != 2 {
			t.Fatalf("all leads: %d", n)
		}
		if n := len(list(auth("GET", "/api/v1/leads?limit=1", nil).want(t, http.StatusOK))); n != 1 {
			t.Fatalf("leads?limit=1: %d", n)
		}
		leadPath := fmt.Sprintf("/api/v1/leads/%d", id(l1))
		has(t, auth("GET", leadPath, nil).want(t, http.StatusOK), map[string]any{"last_name": "Smith"})
		has(t, auth("PUT", leadPath, map[string]any{"designation": "CEO"}).want(t, http.StatusOK), map[string]any{"designation": "CEO", "first_name": "John"})
		if r := auth("POST", "/api/v1/leads", with(lead, map[string]any{"emial": "x@y.example"})).want(t, 422); r.field("emial") == "" {
			t.Fatalf("typo: %s", r.raw)
		}
		anon("GET", "/api/v1/leads", nil).want(t, http.StatusUnauthorized)

		// Contacts.
		ct := auth("POST", "/api/v1/contacts", map[string]any{"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "ldsrc_id": 2, "mobile": 5550102, "picture": "https://cdn.example.com/a.png"}).want(t, http.StatusCreated)
		has(t, ct, map[string]any{"ldsrc_id": 2, "mobile": "5550102"})
		if n := len(list(auth("GET", "/api/v1/contacts", nil).want(t, http.StatusOK))); n != 1 {
			t.Fatalf("contacts: %d", n)
		}
		contactPath := fmt.Sprintf("/api/v1/contacts/%d", id(ct))
		has(t, auth("PUT", contactPath, map[string]any{"last_name": "Li"}).want(t, http.StatusOK), map[string]any{"last_name": "Li"})
		has(t, auth("GET", contactPath, nil).want(t, http.StatusOK), map[string]any{"last_name": "Li"})
		auth("DELETE", contactPath, nil).want(t, http.StatusOK)
		auth("GET", contactPath, nil).want(t, http.StatusNotFound)

		// Deals: the seed's ld_id, pro_id, sfun_id are the table's lead_id, product_id, sales_funnel_id.
		dl := auth("POST", "/api/v1/deals", map[string]any{"name": "Big deal", "ld_id": id(l1), "pro_id": productID, "sfun_id": 2, "value": 5000, "closing_date": "2024-03-31"}).want(t, http.StatusCreated)
		has(t, dl, map[string]any{"ld_id": id(l1), "pro_id": productID, "sfun_id": 2, "value": 5000.00, "closing_date": "2024-03-31"})
		has(t, auth("GET", fmt.Sprintf("/api/v2/deals/%d", id(dl)), nil).want(t, http.StatusOK), map[string]any{"lead_id": id(l1), "product_id": productID, "sales_funnel_id": 2})
		if r := auth("POST", "/api/v1/deals", map[string]any{"name": "x", "lead_id": id(l1)}).want(t, 422); r.field("lead_id") == "" {
			t.Fatalf("v2 name on v1: %s", r.raw)
		}
		if n := len(list(auth("GET", "/api/v1/deals?limit=10", nil).want(t, http.StatusOK))); n != 1 {
			t.Fatalf("deals: %d", n)
		}
		dealPath := fmt.Sprintf("/api/v1/deals/%d", id(dl))
		has(t, auth("PUT", dealPath, map[string]any{"sfun_id": 3}).want(t, http.StatusOK), map[string]any{"sfun_id": 3, "name": "Big deal"})
		has(t, auth("GET", dealPath, nil).want(t, http.StatusOK), map[string]any{"sfun_id": 3})
		auth("DELETE", dealPath, nil).want(t, http.StatusOK)
		auth("DELETE", leadPath, nil).want(t, http.StatusOK)
		auth("GET", leadPath, nil).want(t, http.StatusNotFound)

		// Services and service leads.
		sv := auth("POST", "/api/v1/api-services", map[string]any{"title": "Website Design", "price": 1500, "servcategory_id": 3, "serv_subcategory_id": 10,
			"company_id": companyID, "image": "https://cdn.example.com/s.png", "description": "A site in a week", "brand": "Acme", "tags": "web,design"}).want(t, http.StatusCreated)
		has(t, sv, map[string]any{"slug": "website-design", "price": 1500.00, "company_id": companyID, "featured": false})
		if n := len(list(anon("GET", "/api/v1/api-services?limit=10&featured=false", nil).want(t, http.StatusOK))); n != 1 {
			t.Fatalf("services: %d", n)
		}
		if n := len(list(anon("GET", "/api/v1/api-services?limit=10&featured=true", nil).want(t, http.StatusOK))); n != 0 {
			t.Fatalf("featured services: %d", n)
		}
		anon("GET", "/api/v1/api-services/website-design", nil).want(t, http.StatusUnauthorized)
		has(t, auth("GET", "/api/v1/api-services/website-design", nil).want(t, http.StatusOK), map[string]any{"title": "Website Design"})
		sl := auth("POST", "/api/v1/api-services/leads", map[string]any{"name": "Bob", "mobile": 5550103, "service_id": id(sv), "notes": "Call me"}).want(t, http.StatusCreated)
		has(t, sl, map[string]any{"name": "Bob", "service_id": id(sv), "notes": "Call me"})
		if n := len(list(auth("GET", "/api/v1/services?limit=10", nil).want(t, http.StatusOK))); n != 1 {
			t.Fatalf("own services: %d", n)
		}

		// Lookups: real ISO lists.
		lookup := func(path string) []any { return list(auth("GET", path, nil).want(t, http.StatusOK)) }
		if n := len(lookup("/api/v1/countries")); n < 249 {
			t.Fatalf("%d countries", n)
		}
		currencies := lookup("/api/v1/currencies")
		if len(currencies) < 150 {
			t.Fatalf("%d currencies", len(currencies))
		}
		usd := false
		for _, c := range currencies {
			m := c.(map[string]any)
			usd = usd || m["code"] == "USD" && m["symbol"] == "$" && m["name"] == "US Dollar"
		}
		if !usd {
			t.Fatalf("no USD in %v", currencies[:3])
		}
		states := lookup("/api/v1/states/840")
		if len(states) < 50 || !strings.Contains(fmt.Sprint(states), "California") {
			t.Fatalf("US states: %d", len(states))
		}
		if n := len(lookup("/api/v1/states/US")); n != len(states) {
			t.Fatalf("states by alpha-2: %d", n)
		}
		auth("GET", "/api/v1/states/999", nil).want(t, http.StatusNotFound)
		for _, path := range []string{"/api/v1/account-type", "/api/v1/industry-type", "/api/v1/deal-type", "/api/v1/lead-type", "/api/v1/lead-source", "/api/v1/list-category", "/api/v1/units"} {
			if rows := lookup(path); len(rows) < 3 || rows[0].(map[string]any)["name"] == "" {
				t.Fatalf("%s: %v", path, rows)
			}
		}
		subs := lookup("/api/v1/list-subcategory?limit=10&category_id=1")
		if len(subs) == 0 || len(subs) > 10 {
			t.Fatalf("subcategories: %v", subs)
		}
		for _, s := range subs {
			if s.(map[string]any)["category_id"] != 1.0 {
				t.Fatalf("subcategory of another category: %v", s)
			}
		}
		anon("GET", "/api/v1/countries", nil).want(t, http.StatusUnauthorized)

		// Profile.
		has(t, auth("GET", "/api/v1/profile", nil).want(t, http.StatusOK), map[string]any{"email": "jane@acme.example.com", "role": "administrator"})

		// Products and companies deleted last: leads referred to them.
		auth("DELETE", "/api/v1/products/web-hosting", nil).want(t, http.StatusOK)
		anon("GET", "/api/v1/products/web-hosting", nil).want(t, http.StatusNotFound)
	})
}

// TestSlugRace creates one company name many times at once: every create
// succeeds, each under its own slug.
func TestSlugRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.createPlan(starter)
		sub, tok := e.signup("Acme", "acme", 0)
		const n = 8
		slugs := make([]string, n)
		var wg sync.WaitGroup
		for i := range slugs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.asTenant(sub, tok, "POST", "/api/v1/companies", map[string]any{"c_name": "Race Co"})
				if r.status != http.StatusCreated {
					t.Errorf("create %d: %d %s", i, r.status, r.raw)
					return
				}
				slugs[i] = r.data()["slug"].(string)
			}()
		}
		wg.Wait()
		slices.Sort(slugs)
		want := []string{"race-co"}
		for i := 2; i <= n; i++ {
			want = append(want, fmt.Sprintf("race-co-%d", i))
		}
		slices.Sort(want)
		if !slices.Equal(slugs, want) {
			t.Fatalf("slugs = %v, want %v", slugs, want)
		}
		// After a delete, the freed slug is taken again.
		e.asTenant(sub, tok, "DELETE", "/api/v1/companies/race-co-3", nil).want(t, http.StatusOK)
		if r := e.asTenant(sub, tok, "POST", "/api/v1/companies", map[string]any{"c_name": "Race Co"}).want(t, http.StatusCreated); !strings.HasPrefix(r.data()["slug"].(string), "race-co-") {
			t.Fatalf("slug = %s", r.data()["slug"])
		}
	})
}
