package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromium finds the browser for TestConsoleInBrowser: $SAAS_TEST_CHROMIUM,
// else Debian's chromium. Without one the test skips, or fails when
// SAAS_TEST_REQUIRE_BROWSER is set (CI sets it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SAAS_TEST_CHROMIUM"), "/usr/bin/chromium", "chromium"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("SAAS_TEST_REQUIRE_BROWSER") != "" {
		t.Fatal("chromium required (SAAS_TEST_REQUIRE_BROWSER is set) but not found; install it with: apt-get install -y chromium")
	}
	t.Skip("chromium not found: install it with `apt-get install -y chromium` (or set SAAS_TEST_CHROMIUM) to run the console's browser test")
	return ""
}

// screenshotDir is where the browser test writes its screenshots:
// $SAAS_TEST_ARTIFACTS/console, else test-output/console at the top of the
// repository (ignored by git).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "test-output", "console")
	if d := os.Getenv("SAAS_TEST_ARTIFACTS"); d != "" {
		dir = filepath.Join(d, "console")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// TestConsoleInBrowser drives the console in headless Chromium against a
// real saasd on SQLite: sign in, create a plan, fail and then pass the
// tenant form, search, open the tenant, suspend it, sign out. Every page is
// photographed at 1280 and 390 px, and no request may leave the test server.
func TestConsoleInBrowser(t *testing.T) {
	bin := chromium(t)
	started := time.Now()
	e := newEnv(t, backends(t)[0])
	srv := httptest.NewServer(e.app.server.Handler())
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	shots := screenshotDir(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	defer cancel()
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTime()

	// Every request the page makes must go to the test server.
	var mu sync.Mutex
	var foreign []string
	requests := 0
	err := chromedp.Listen(ctx, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
			u, err := url.Parse(ev.Request.URL)
			mu.Lock()
			requests++
			if err != nil || (u.Scheme != "data" && u.Host != base.Host) {
				foreign = append(foreign, ev.Request.URL)
			}
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	// byLabel is the selector of the control whose visible label is label:
	// the test finds fields the way a person does.
	byLabel := func(label string) chromedp.CSS {
		t.Helper()
		id := eval("find label "+label, fmt.Sprintf(`(() => { const l = [...document.querySelectorAll("label")].find((l) => l.textContent.trim() === %q);
			return l && l.control ? l.control.id : ""; })()`, label))
		if id == "" {
			t.Fatalf("no control labelled %q", label)
		}
		return chromedp.CSS("#" + id)
	}
	// setValue sets a control's value as a script would, firing the events
	// a person's typing fires (SendKeys types; this replaces).
	setValue := func(sel chromedp.CSS, v string) {
		t.Helper()
		eval("set "+string(sel), fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
			el.dispatchEvent(new Event("input", {bubbles: true})); el.dispatchEvent(new Event("change", {bubbles: true})); return el.value; })()`, string(sel), v))
	}
	button := func(text string) string { return fmt.Sprintf(`//button[normalize-space()=%q]`, text) }
	heading := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(fmt.Sprintf(`//h1[normalize-space()=%q]`, text))
	}
	shot := func(name string) {
		t.Helper()
		for _, size := range []struct {
			name string
			w, h int64
		}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
			run("viewport "+name, chromedp.EmulateViewport(size.w, size.h), chromedp.Sleep(150*time.Millisecond))
			buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%s.png", name, size.name)), buf, 0o644); err != nil {
				t.Fatal(err)
			}
			// At 390 px nothing may stick out sideways.
			if size.w == 390 && eval("width "+name, `String(document.documentElement.scrollWidth > document.documentElement.clientWidth + 1)`) == "true" {
				t.Errorf("%s scrolls sideways at 390 px: %s", name, eval("wide", `[...document.querySelectorAll("body *")].filter((el) =>
					el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !el.closest(".table-wrap")).slice(0, 5).map((el) => el.tagName + "." + el.className).join(" ")`))
			}
		}
		run("desktop again", chromedp.EmulateViewport(1280, 900))
		// Every control has a visible label or an accessible name.
		if unnamed := eval("names "+name, `[...document.querySelectorAll("input, select, button, a[href]")].filter((el) => el.offsetParent !== null &&
			!(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.textContent.trim()).map((el) => el.outerHTML.slice(0, 80)).join(" | ")`); unnamed != "" {
			t.Errorf("%s has controls without a name: %s", name, unnamed)
		}
	}

	// Sign in: a wrong token is refused beside the field, the right one
	// opens the overview.
	run("open", chromedp.Navigate(srv.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#signin form")))
	token := byLabel("API token")
	shot("signin")
	run("wrong token", chromedp.SendKeys(token, "saasd_wrong"), chromedp.Click(button("Sign in")),
		chromedp.WaitVisible(`//p[@id="token-error"][contains(., "invalid")]`))
	// The rest of sign-in by keyboard: the field has focus again, Enter submits.
	if focused := eval("focus", `document.activeElement.id`); "#"+focused != string(token) {
		t.Errorf("after a refused sign-in the focus is on %q, not the token field", focused)
	}
	setValue(token, "")
	run("sign in", chromedp.SendKeys(token, e.token+kb.Enter), heading("Overview"))
	stored := eval("storage", `JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie`)
	if strings.Contains(stored, e.token) || strings.Contains(stored, "saasds_") {
		t.Fatalf("the token or session is readable by the page: %s", stored)
	}

	// A plan with a customer limit, through the plan form.
	run("plans", chromedp.Navigate(srv.URL+"/console/#/plans"), heading("Plans"), chromedp.WaitVisible(chromedp.CSS("#plan-form")))
	run("plan name", chromedp.SendKeys(byLabel("Plan name"), "Starter"))
	setValue(byLabel("Monthly price"), "")
	run("plan price", chromedp.SendKeys(byLabel("Monthly price"), "10.00"))
	run("customers limit", chromedp.Click(chromedp.CSS("#plan-form-unl-customers")), chromedp.SendKeys(byLabel("customers limit"), "4"))
	run("create plan", chromedp.Click(button("Create plan")), chromedp.WaitVisible(`//td[normalize-space()="Starter"]`))
	shot("plans")
	plans := e.do("GET", "/api/saas/plans", nil).want(t, http.StatusOK).data()["plans"].([]any)
	if len(plans) != 1 {
		t.Fatalf("plans made by the form: %v", plans)
	}
	plan := plans[0].(map[string]any)
	if limits := plan["limits"].(map[string]any); limits["customers"] != 4.0 || limits["tasks"] != -1.0 || plan["price_monthly"] != 10.0 {
		t.Fatalf("plan made by the form: %v", plan)
	}
	planID := int64(plan["id"].(float64))
	// Some tenants besides, so that search has something to leave out.
	for _, sub := range []string{"globex", "initech"} {
		e.createTenant(planID, sub).want(t, http.StatusCreated)
	}

	// The tenant form: a bad subdomain is refused beside its field.
	run("tenants", chromedp.Navigate(srv.URL+"/console/#/tenants"), heading("Tenants"), chromedp.WaitVisible(`//td/a[normalize-space()="Acme globex"]`))
	for _, f := range [][2]string{{"Company name", "Acme Corp"}, {"Email", "jane@acme.example.com"}, {"First name", "Jane"}, {"Last name", "Doe"}, {"Subdomain", "-acme"}} {
		run("fill "+f[0], chromedp.SendKeys(byLabel(f[0]), f[1]))
	}
	setValue(byLabel("Plan"), fmt.Sprint(planID))
	run("invalid tenant", chromedp.Click(button("Create tenant")),
		chromedp.WaitVisible(`//p[@id="create-tenant-subdomain-error"][starts-with(normalize-space(), "Subdomain must")]`))
	invalid, err := chromedp.Run(ctx, chromedp.AttributeValue(byLabel("Subdomain"), "aria-invalid"))
	if err != nil || invalid.Value != "true" {
		t.Errorf("the refused field is not marked invalid: %+v, %v", invalid, err)
	}
	shot("tenants-invalid")
	setValue(byLabel("Subdomain"), "")
	run("fix subdomain", chromedp.SendKeys(byLabel("Subdomain"), "acme"),
		chromedp.Click(button("Create tenant")),
		chromedp.WaitVisible(`//p[contains(@class,"note")][starts-with(normalize-space(), "Tenant created")]`))

	// Search finds it alone.
	run("search", chromedp.SendKeys(byLabel("Search tenants"), "acme co"),
		chromedp.WaitNotPresent(`//td/a[normalize-space()="Acme globex"]`),
		chromedp.WaitVisible(`//td/a[normalize-space()="Acme Corp"]`))
	if rows := eval("rows", `String(document.querySelectorAll("main tbody tr").length)`); rows != "1" {
		t.Fatalf("search shows %s rows, want 1", rows)
	}
	shot("tenants")

	pro := e.createPlan(map[string]any{"name": "Pro", "price_monthly": "49.00"})

	// Its page shows a usage bar per resource, 80% and 100% marked.
	run("open tenant", chromedp.Click(`//td/a[normalize-space()="Acme Corp"]`), heading("Acme Corp"), chromedp.WaitVisible(chromedp.CSS("#usage .bar")))
	bars := eval("bars", `String(document.querySelectorAll("#usage [role=meter]").length) + "/" + document.querySelectorAll("#usage .mark").length`)
	// Seven resources, one of them (customers) limited: its bar alone has marks.
	if bars != "7/2" {
		t.Fatalf("usage bars/marks = %s, want 7/2", bars)
	}
	shot("tenant")

	// Choosing another plan previews the proration (none while trialing)
	// and changes nothing until "Change plan".
	setValue(byLabel("New plan"), fmt.Sprint(pro))
	run("preview", chromedp.WaitVisible(`//div[@id="change-plan-preview"]/p[starts-with(normalize-space(), "No proration")]`))
	if got := e.do("GET", "/api/saas/tenants?search=acme%20corp", nil).want(t, http.StatusOK).data()["tenants"].([]any)[0].(map[string]any)["plan_id"]; got != float64(planID) {
		t.Fatalf("the preview changed the plan: %v", got)
	}

	// Suspend it.
	run("suspend", chromedp.Click(`//dl/following-sibling::div//button[normalize-space()="Suspend"]`),
		chromedp.WaitVisible(`//dd/span[normalize-space()="inactive"]`))
	if got := e.do("GET", "/api/saas/tenants?status=inactive", nil).want(t, http.StatusOK).data()["total"]; got != 1.0 {
		t.Fatalf("inactive tenants after suspend: %v", got)
	}

	// A plan in use is not deleted: the API's reason is shown.
	run("delete plan in use", chromedp.Navigate(srv.URL+"/console/#/plans"), heading("Plans"),
		chromedp.Click(`//button[@aria-label="Delete plan Starter"]`),
		chromedp.WaitVisible(`//p[contains(@class,"alert")][contains(., "is used by 3 tenant(s)")]`))

	// The overview, now that there is something to show.
	run("overview", chromedp.Navigate(srv.URL+"/console/#/overview"), heading("Overview"),
		chromedp.WaitVisible(`//li[span[normalize-space()="inactive"]][contains(., "1")]`))
	shot("overview")

	run("webhooks", chromedp.Navigate(srv.URL+"/console/#/webhooks"), heading("Webhooks"))
	shot("webhooks")

	// Sign out ends the session on the server, not only in the page.
	run("sign out", chromedp.Click(button("Sign out")), chromedp.WaitVisible(chromedp.CSS("#signin form")))
	if status := eval("after sign-out", `fetch("/api/saas/session").then((r) => String(r.status))`); status != "401" {
		t.Fatalf("session after sign-out answers %s", status)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(foreign) > 0 {
		t.Fatalf("requests to other hosts: %v", foreign)
	}
	if requests < 10 {
		t.Fatalf("only %d requests seen: the network listener is not working", requests)
	}
	t.Logf("console browser test: %d requests, screenshots in %s, took %s", requests, shots, time.Since(started).Round(time.Millisecond))
}
