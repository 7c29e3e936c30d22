// saasd console: pages addressed by the URL fragment (#/tenants/7), drawn
// from the /api/saas/ API. No framework: plain DOM, text set as text.
import { api, APIError, setCSRF, h, s, fmtDate, money } from "./api.js";

const app = document.getElementById("app");
const signin = document.getElementById("signin");
const top = document.getElementById("top");
const toastEl = document.getElementById("toast");
let toastTimer;

function toast(msg) {
  toastEl.textContent = msg;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toastEl.textContent = ""; }, 5000);
}

function badge(v) { return h("span", { class: "badge " + v }, v); }

// ---- session ----------------------------------------------------------

function showSignIn() {
  setCSRF("");
  top.hidden = true;
  app.hidden = true;
  app.replaceChildren();
  signin.hidden = false;
  document.getElementById("token").focus();
}

async function start() {
  try {
    const r = await api("GET", "/session");
    signedIn(r.data);
  } catch {
    showSignIn();
  }
}

function signedIn(data) {
  setCSRF(data.csrf_token);
  document.getElementById("who").textContent = "Signed in as " + data.token_name;
  signin.hidden = true;
  top.hidden = false;
  app.hidden = false;
  if (!location.hash || location.hash === "#/signin") location.hash = "#/overview";
  else route();
}

document.getElementById("signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = document.getElementById("token");
  const err = document.getElementById("token-error");
  err.textContent = "";
  input.removeAttribute("aria-invalid");
  try {
    const r = await api("POST", "/session", { token: input.value.trim() });
    input.value = "";
    signedIn(r.data);
  } catch (e) {
    input.setAttribute("aria-invalid", "true");
    err.textContent = (e.fields && e.fields.token) ? "API token " + e.fields.token : e.message;
    input.focus();
  }
});

document.getElementById("signout").addEventListener("click", async () => {
  try { await api("DELETE", "/session"); } catch { /* the session may be gone already */ }
  location.hash = "#/signin";
  showSignIn();
  toast("Signed out");
});

window.addEventListener("saasd:signedout", showSignIn);

// ---- router -----------------------------------------------------------

const routes = [
  [/^#\/overview$/, overview],
  [/^#\/tenants$/, tenants],
  [/^#\/tenants\/(\d+)$/, tenantDetail],
  [/^#\/plans$/, plans],
  [/^#\/webhooks$/, webhooks],
];

async function route() {
  if (signin.hidden === false) return;
  const hash = location.hash || "#/overview";
  for (const a of top.querySelectorAll("nav a")) {
    const here = hash === a.getAttribute("href") || hash.startsWith(a.getAttribute("href") + "/");
    if (here) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  for (const [re, page] of routes) {
    const m = hash.match(re);
    if (m) {
      app.replaceChildren(h("p", { class: "muted" }, "Loading…"));
      try {
        await page(...m.slice(1));
      } catch (e) {
        app.replaceChildren(h("h1", {}, "Something went wrong"), h("p", { class: "alert", role: "alert" }, e.message));
      }
      const h1 = app.querySelector("h1");
      if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); }
      return;
    }
  }
  location.hash = "#/overview";
}

window.addEventListener("hashchange", route);

// fieldErrors shows a 422's errors beside the fields of form (inputs named
// like the API's fields); it returns whether there were any.
function fieldErrors(form, e) {
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const fields = (e && e.fields) || {};
  let first = null;
  for (const [name, why] of Object.entries(fields)) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    const out = form.querySelector(`#${CSS.escape(form.id + "-" + name)}-error`);
    if (input) { input.setAttribute("aria-invalid", "true"); first = first || input; }
    if (out) out.textContent = labelOf(form, name) + " " + why;
  }
  if (first) first.focus();
  return Object.keys(fields).length > 0;
}

function labelOf(form, name) {
  const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
  const label = input && form.querySelector(`label[for="${CSS.escape(input.id)}"]`);
  return label ? label.textContent : name;
}

// field is a labelled input with its error line.
function field(formId, name, label, attrs = {}) {
  const id = formId + "-" + name;
  return h("div", {},
    h("label", { for: id }, label),
    attrs.options
      ? h("select", { id, name, "aria-describedby": id + "-error" }, attrs.options)
      : h("input", { id, name, type: attrs.type || "text", value: attrs.value, required: attrs.required, autocomplete: "off",
        step: attrs.step, min: attrs.min, "aria-describedby": id + "-error" }),
    h("p", { class: "field-error", id: id + "-error" }));
}

// ---- overview ---------------------------------------------------------

async function overview() {
  const st = (await api("GET", "/stats")).data;
  const stat = (label, value) => h("div", { class: "card stat" }, h("div", { class: "value" }, value), h("div", { class: "label" }, label));
  const statuses = Object.entries(st.tenants).sort();
  app.replaceChildren(
    h("h1", {}, "Overview"),
    h("div", { class: "grid" },
      stat("Tenants", st.tenants_total),
      stat("Monthly recurring revenue", money(st.mrr)),
      stat("Open invoices", `${st.invoices.open} (${money(st.invoices.open_amount)})`),
      stat("Overdue invoices", `${st.invoices.overdue} (${money(st.invoices.overdue_amount)})`),
      stat("Failed provisioning", st.failed.provisioning),
      stat("Failed migrations", st.failed.migrations)),
    h("h2", {}, "Tenants by status"),
    h("div", { class: "card" }, statuses.length === 0 ? h("p", { class: "muted" }, "No tenants yet.") :
      h("ul", {}, statuses.map(([k, v]) => h("li", {}, badge(k), " ", v)))),
    h("h2", {}, "Signups per day (last 30 days)"),
    h("div", { class: "card chart" }, signupChart(st.signups_per_day)));
}

function signupChart(days) {
  const W = 600, H = 160, pad = 20;
  const max = Math.max(1, ...days.map((d) => d.count));
  const bw = (W - pad) / days.length;
  const total = days.reduce((a, d) => a + d.count, 0);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H + 20}`, role: "img", "aria-label": `Signups per day over the last 30 days: ${total} in all, at most ${max} on one day` },
    s("line", { class: "axis", x1: pad, y1: H, x2: W, y2: H }),
    s("text", { x: 0, y: 10 }, String(max)),
    s("text", { x: 0, y: H }, "0"),
    days.map((d, i) => {
      const bh = (d.count / max) * (H - 10);
      return s("rect", { class: "b", x: pad + i * bw + 1, y: H - bh, width: Math.max(1, bw - 2), height: bh },
        s("title", {}, `${d.date}: ${d.count}`));
    }),
    s("text", { x: pad, y: H + 14 }, days[0].date),
    s("text", { x: W - 60, y: H + 14 }, days[days.length - 1].date));
  return svg;
}

// ---- tenants ----------------------------------------------------------

const list = { page: 1, perPage: 25, search: "", status: "", sort: "-id" };

async function tenants() {
  const plansList = (await api("GET", "/plans")).data.plans;
  const body = h("tbody");
  const pager = h("div", { class: "pager" });
  const search = h("input", { id: "tenant-search", type: "search", value: list.search, placeholder: "Company, subdomain or email" });
  const status = h("select", { id: "tenant-status" },
    ["", "active", "trial", "inactive"].map((v) => h("option", { value: v, selected: v === list.status }, v || "All statuses")));
  const cols = [["company_name", "Company"], ["subdomain", "Subdomain"], ["email", "Email", "hide-narrow"], ["status", "Status"], ["plan_id", "Plan", "hide-narrow"], ["created_at", "Created", "hide-narrow"]];
  const head = h("tr", {}, cols.map(([key, label, cls]) => {
    const dir = list.sort === key ? "ascending" : list.sort === "-" + key ? "descending" : "none";
    return h("th", { scope: "col", class: cls, "aria-sort": dir },
      h("button", { type: "button", class: "sort", onclick: () => { list.sort = list.sort === key ? "-" + key : key; list.page = 1; tenants(); } }, label));
  }), h("th", { scope: "col" }, "Actions"));

  async function load() {
    const q = new URLSearchParams({ page: list.page, per_page: list.perPage, sort: list.sort });
    if (list.search) q.set("search", list.search);
    if (list.status) q.set("status", list.status);
    const d = (await api("GET", "/tenants?" + q)).data;
    const pages = Math.max(1, Math.ceil(d.total / d.per_page));
    body.replaceChildren(...(d.tenants.length === 0
      ? [h("tr", {}, h("td", { colspan: cols.length + 1, class: "muted" }, "No tenants match."))]
      : d.tenants.map((t) => h("tr", {},
        h("td", {}, h("a", { href: `#/tenants/${t.id}` }, t.company_name)),
        h("td", {}, t.subdomain), h("td", { class: "hide-narrow" }, t.email), h("td", {}, badge(t.status)),
        h("td", { class: "hide-narrow" }, t.plan_name), h("td", { class: "hide-narrow" }, fmtDate(t.created_at)),
        h("td", {}, statusButton(t, load))))));
    pager.replaceChildren(
      h("button", { type: "button", class: "secondary", disabled: list.page <= 1, onclick: () => { list.page--; load(); } }, "Previous page"),
      h("span", { "aria-live": "polite" }, `Page ${list.page} of ${pages} · ${d.total} tenants`),
      h("button", { type: "button", class: "secondary", disabled: list.page >= pages, onclick: () => { list.page++; load(); } }, "Next page"));
  }

  let timer;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { list.search = search.value.trim(); list.page = 1; load(); }, 250);
  });
  status.addEventListener("change", () => { list.status = status.value; list.page = 1; load(); });

  app.replaceChildren(
    h("h1", {}, "Tenants"),
    h("div", { class: "toolbar" },
      h("div", {}, h("label", { for: "tenant-search" }, "Search tenants"), search),
      h("div", {}, h("label", { for: "tenant-status" }, "Status"), status)),
    h("div", { class: "table-wrap" }, h("table", {}, h("caption", { class: "muted" }, "Tenants, sortable by column"), h("thead", {}, head), body)),
    pager,
    createTenantForm(plansList, load));
  await load();
}

function statusButton(t, after) {
  if (t.status !== "active" && t.status !== "inactive" && t.status !== "trial") return "";
  const suspend = t.status !== "inactive";
  return h("button", {
    type: "button", class: suspend ? "secondary" : "",
    "aria-label": `${suspend ? "Suspend" : "Activate"} ${t.company_name}`,
    onclick: async () => {
      try {
        await api("PUT", `/tenants/${t.id}`, { status: suspend ? "inactive" : "active" });
        toast(`${t.company_name} ${suspend ? "suspended" : "activated"}`);
        await after();
      } catch (e) { toast(e.message); }
    },
  }, suspend ? "Suspend" : "Activate");
}

function createTenantForm(plansList, after) {
  const id = "create-tenant";
  const alert = h("p", { class: "alert", role: "alert" });
  const done = h("div", { "aria-live": "polite" });
  const form = h("form", { id, novalidate: true },
    h("div", { class: "form-grid" },
      field(id, "company_name", "Company name"),
      field(id, "email", "Email", { type: "email" }),
      field(id, "first_name", "First name"),
      field(id, "last_name", "Last name"),
      field(id, "plan_id", "Plan", { options: [h("option", { value: "" }, "Choose a plan"), ...plansList.map((p) => h("option", { value: p.id }, p.name))] }),
      field(id, "subdomain", "Subdomain")),
    alert,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create tenant")),
    done);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    alert.textContent = "";
    done.replaceChildren();
    const f = new FormData(form);
    const body = Object.fromEntries([...f.entries()].map(([k, v]) => [k, String(v).trim()]));
    body.plan_id = Number(body.plan_id) || 0;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const r = await api("POST", "/tenants", body);
      fieldErrors(form, null);
      form.reset();
      done.replaceChildren(h("p", { class: "note" }, "Tenant created: ", h("a", { href: `#/tenants/${r.tenant_id}` }, r.domain),
        r.data.admin_password ? [" · admin password (shown once): ", h("code", {}, r.data.admin_password)] : ""));
      await after();
    } catch (e) {
      if (!(e instanceof APIError) || !fieldErrors(form, e)) alert.textContent = e.message;
    } finally {
      button.disabled = false;
    }
  });
  return h("section", { class: "card", "aria-labelledby": "create-tenant-title" }, h("h2", { id: "create-tenant-title" }, "Create a tenant"), form);
}

// ---- tenant detail ----------------------------------------------------

async function tenantDetail(id) {
  const [t, sub, inv, steps, events, plansList] = await Promise.all([
    api("GET", `/tenants/${id}`).then((r) => r.data),
    api("GET", `/tenants/${id}/subscription`).then((r) => r.data).catch(() => null),
    api("GET", `/tenants/${id}/invoices`).then((r) => r.data.invoices).catch(() => []),
    api("GET", `/tenants/${id}/provisioning`).then((r) => r.data.steps).catch(() => []),
    api("GET", `/tenants/${id}/events`).then((r) => r.data.events).catch(() => []),
    api("GET", "/plans").then((r) => r.data.plans),
  ]);
  const reload = () => tenantDetail(id);
  const facts = [["Domain", t.domain], ["Status", badge(t.status)], ["Plan", t.plan_name], ["Email", t.email],
    ["Contact", `${t.first_name} ${t.last_name}`], ["Database", t.database || "—"], ["Schema version", t.schema_version]];
  if (t.server) facts.push(["Server", t.server]);
  if (t.migration_error) facts.push(["Last migration error", t.migration_error]);
  facts.push(["Created", fmtDate(t.created_at)]);

  const usage = Object.entries(t.usage || {}).sort();
  app.replaceChildren(
    h("p", {}, h("a", { href: "#/tenants" }, "← Tenants")),
    h("h1", {}, t.company_name),
    h("div", { class: "card" }, h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      h("div", { class: "actions" }, statusButton(t, reload))),
    h("h2", {}, "Usage"),
    h("div", { class: "card", id: "usage" }, usage.length === 0 ? h("p", { class: "muted" }, "No limited resources.") : usage.map(([r, u]) => usageBar(r, u)),
      h("p", { class: "muted" }, "Marks at 80% and 100% of each limit.")),
    h("h2", {}, "Subscription"),
    h("div", { class: "card" }, sub ? h("dl", { class: "facts" },
      h("dt", {}, "State"), h("dd", {}, badge(sub.state || sub.status)),
      h("dt", {}, "Plan"), h("dd", {}, `${sub.plan_name} (${sub.billing_cycle})`),
      h("dt", {}, "Started"), h("dd", {}, fmtDate(sub.started_at)),
      h("dt", {}, "Next invoice"), h("dd", {}, fmtDate(sub.next_invoice_at)),
      h("dt", {}, "Expires"), h("dd", {}, fmtDate(sub.expires_at))) : h("p", { class: "muted" }, "No subscription."),
    changePlanForm(t, plansList, inv, reload)),
    h("h2", {}, "Invoices"),
    invoicesTable(t, inv, reload),
    h("h2", {}, "Provisioning steps"),
    simpleTable(["Step", "Outcome", "Error", "At"], steps.map((st) => [st.step, badge(st.outcome), st.error || "", fmtDate(st.at)]), "No steps recorded."),
    h("h2", {}, "Events"),
    simpleTable(["Event", "Data", "At"], events.map((e) => [e.type, e.data ? h("code", {}, JSON.stringify(e.data)) : "", fmtDate(e.at)]), "No events."),
    h("h2", {}, "Delete"),
    deleteForm(t));
}

function usageBar(resource, u) {
  const unlimited = u.limit < 0;
  const pct = unlimited ? 0 : u.limit === 0 ? (u.used > 0 ? 100 : 0) : Math.min(100, (u.used / u.limit) * 100);
  const fill = h("div", { class: "fill" + (pct >= 100 ? " full" : pct >= 80 ? " warn" : "") });
  fill.style.width = pct + "%";
  const text = unlimited ? `${u.used} of unlimited` : `${u.used} of ${u.limit} (${Math.round(pct)}%)`;
  return h("div", { class: "usage" },
    h("div", { class: "head" }, h("span", {}, resource), h("span", {}, text)),
    h("div", { class: "bar", role: "meter", "aria-label": `${resource} usage`, "aria-valuemin": 0, "aria-valuemax": unlimited ? 0 : u.limit,
      "aria-valuenow": u.used, "aria-valuetext": text },
    fill, unlimited ? "" : [h("span", { class: "mark m80", "aria-hidden": "true" }), h("span", { class: "mark m100", "aria-hidden": "true" })]));
}

function simpleTable(headers, rows, empty) {
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.length === 0 ? h("tr", {}, h("td", { colspan: headers.length, class: "muted" }, empty))
      : rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))))));
}

function changePlanForm(t, plansList, before, reload) {
  const id = "change-plan";
  const out = h("div", { "aria-live": "polite" });
  const preview = h("div", { id: id + "-preview", "aria-live": "polite" });
  const form = h("form", { id },
    field(id, "plan_id", "New plan", { options: plansList.map((p) => h("option", { value: p.id, selected: p.id === t.plan_id }, `${p.name} — ${money(p.price_monthly)}/month`)) }),
    preview,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Change plan")), out);
  const select = form.querySelector("select");
  // Show what billing will apply before anything changes.
  select.addEventListener("change", async () => {
    const planID = Number(select.value);
    if (planID === t.plan_id) { preview.replaceChildren(); return; }
    try {
      const p = (await api("GET", `/tenants/${t.id}/subscription/preview?plan_id=${planID}`)).data;
      preview.replaceChildren(p.lines.length === 0
        ? h("p", { class: "note" }, "No proration: the change bills nothing now (trial, or the subscription has not started).")
        : [h("p", { class: "note" }, `Billing will apply now (total ${money(p.total)}):`),
          simpleTable(["Line", "Amount"], p.lines.map((l) => [l.description, money(l.amount)]), "")]);
    } catch (e) {
      preview.replaceChildren(h("p", { class: "alert", role: "alert" }, e.message));
    }
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const planID = Number(new FormData(form).get("plan_id"));
    try {
      await api("PUT", `/tenants/${t.id}/subscription`, { plan_id: planID });
      const after = (await api("GET", `/tenants/${t.id}/invoices`)).data.invoices;
      const seen = new Map(before.map((i) => [i.number, i.lines.length]));
      const applied = after.flatMap((i) => i.lines.slice(seen.get(i.number) || 0).map((l) => [i.number, l.description, money(l.amount)]));
      await reload();
      const note = document.getElementById(id + "-result") || h("div");
      note.replaceChildren(h("p", { class: "note" }, applied.length ? "Plan changed. Billing applied:" : "Plan changed; billing applied no proration lines."),
        applied.length ? simpleTable(["Invoice", "Line", "Amount"], applied, "") : "");
    } catch (e) {
      if (!fieldErrors(form, e)) out.replaceChildren(h("p", { class: "alert", role: "alert" }, e.message));
    }
  });
  return h("div", {}, h("h3", {}, "Change plan"), form, h("div", { id: id + "-result", "aria-live": "polite" }));
}

function invoicesTable(t, invoices, reload) {
  const act = (inv, what) => async () => {
    try {
      await api("POST", `/tenants/${t.id}/invoices/${encodeURIComponent(inv.number)}/${what}`, what === "pay" ? { payment_ref: "console" } : undefined);
      toast(`Invoice ${inv.number} ${what === "pay" ? "marked paid" : "voided"}`);
      await reload();
    } catch (e) { toast(e.message); }
  };
  return simpleTable(["Number", "State", "Period", "Total", "Actions"], invoices.map((inv) => [
    inv.number, badge(inv.state), `${fmtDate(inv.period_start)} – ${fmtDate(inv.period_end)}`, `${money(inv.total)} ${inv.currency}`,
    inv.state === "open" ? h("span", { class: "actions" },
      h("button", { type: "button", onclick: act(inv, "pay"), "aria-label": `Mark invoice ${inv.number} paid` }, "Mark paid"),
      h("button", { type: "button", class: "secondary", onclick: act(inv, "void"), "aria-label": `Void invoice ${inv.number}` }, "Void")) : "",
  ]), "No invoices.");
}

function deleteForm(t) {
  const input = h("input", { id: "delete-confirm", autocomplete: "off" });
  const button = h("button", { type: "submit", class: "danger", disabled: true }, "Delete tenant");
  const alert = h("p", { class: "alert", role: "alert" });
  input.addEventListener("input", () => { button.disabled = input.value !== t.subdomain; });
  const form = h("form", {},
    h("p", {}, "Deleting removes the tenant and, after the retention period, its database."),
    h("label", { for: "delete-confirm" }, `Type the subdomain “${t.subdomain}” to confirm`), input,
    alert, h("div", { class: "actions" }, button));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (input.value !== t.subdomain) return;
    try {
      await api("DELETE", `/tenants/${t.id}`);
      toast(`${t.company_name} deleted`);
      location.hash = "#/tenants";
    } catch (e) { alert.textContent = e.message; }
  });
  return h("div", { class: "card" }, form);
}

// ---- plans ------------------------------------------------------------

// The resources plans limit, as the API lists them in every plan's limits.
const fallbackResources = ["customers", "invoices", "projects", "staff", "estimates", "contracts", "tasks"];

async function plans() {
  const list = (await api("GET", "/plans")).data.plans;
  const resources = list.length ? Object.keys(list[0].limits).sort() : fallbackResources;
  const alert = h("p", { class: "alert", role: "alert" });
  const formBox = h("div");
  const show = (p) => { formBox.replaceChildren(planForm(p, resources)); formBox.querySelector("input").focus(); };
  app.replaceChildren(
    h("h1", {}, "Plans"),
    alert,
    simpleTable(["Name", "Monthly", "Yearly", "Cycle", "Trial", "Actions"], list.map((p) => [
      p.name, money(p.price_monthly), money(p.price_yearly), p.billing_cycle, p.trial_enabled ? `${p.trial_days} days` : "none",
      h("span", { class: "actions" },
        h("button", { type: "button", class: "secondary", "aria-label": `Edit plan ${p.name}`, onclick: () => show(p) }, "Edit"),
        h("button", {
          type: "button", class: "danger", "aria-label": `Delete plan ${p.name}`, onclick: async () => {
            alert.textContent = "";
            try { await api("DELETE", `/plans/${p.id}`); toast(`Plan ${p.name} deleted`); await plans(); } catch (e) { alert.textContent = e.message; }
          },
        }, "Delete")),
    ]), "No plans yet."),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: () => show(null) }, "New plan")),
    formBox);
  if (list.length === 0) show(null);
}

function planForm(p, resources) {
  const id = "plan-form";
  const editing = !!p;
  const v = p || { name: "", price_monthly: "0.00", price_yearly: "0.00", billing_cycle: "monthly", trial_enabled: true, trial_days: 14, is_popular: false, limits: {} };
  const alert = h("p", { class: "alert", role: "alert" });
  const limitInputs = resources.map((r) => {
    const lim = v.limits[r] ?? -1;
    const num = h("input", { id: `${id}-limit-${r}`, type: "number", min: 0, step: 1, value: lim < 0 ? "" : lim, disabled: lim < 0 });
    const unl = h("input", { id: `${id}-unl-${r}`, type: "checkbox", checked: lim < 0 });
    unl.addEventListener("change", () => { num.disabled = unl.checked; if (!unl.checked) num.focus(); });
    return { r, num, unl, el: h("fieldset", {}, h("legend", {}, r), h("label", { for: num.id }, `${r} limit`), num,
      h("label", { class: "inline", for: unl.id }, unl, "Unlimited")) };
  });
  const check = (name, label, on) => h("label", { class: "inline", for: `${id}-${name}` }, h("input", { id: `${id}-${name}`, name, type: "checkbox", checked: on }), label);
  const form = h("form", { id, novalidate: true },
    h("div", { class: "form-grid" },
      field(id, "name", "Plan name", { value: v.name }),
      field(id, "price_monthly", "Monthly price", { value: money(v.price_monthly), type: "text" }),
      field(id, "price_yearly", "Yearly price", { value: money(v.price_yearly), type: "text" }),
      field(id, "billing_cycle", "Billing cycle", { options: ["monthly", "yearly"].map((c) => h("option", { value: c, selected: c === v.billing_cycle }, c)) }),
      field(id, "trial_days", "Trial days", { value: v.trial_days, type: "number" })),
    h("div", { class: "actions" }, check("trial_enabled", "Trial enabled", v.trial_enabled), check("is_popular", "Popular", v.is_popular)),
    h("h3", {}, "Limits"),
    h("div", { class: "limits" }, limitInputs.map((l) => l.el)),
    h("p", { class: "field-error", id: `${id}-limits-error` }),
    alert,
    h("div", { class: "actions" }, h("button", { type: "submit" }, editing ? "Save plan" : "Create plan")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    alert.textContent = "";
    const f = new FormData(form);
    const limits = {};
    for (const l of limitInputs) limits[l.r] = l.unl.checked ? -1 : Number(l.num.value || 0);
    const body = {
      name: String(f.get("name")).trim(), price_monthly: String(f.get("price_monthly")).trim() || "0",
      price_yearly: String(f.get("price_yearly")).trim() || "0", billing_cycle: f.get("billing_cycle"),
      trial_enabled: f.get("trial_enabled") === "on", is_popular: f.get("is_popular") === "on",
      trial_days: Number(f.get("trial_days") || 0), limits,
    };
    try {
      await api(editing ? "PUT" : "POST", editing ? `/plans/${p.id}` : "/plans", body);
      toast(`Plan ${body.name} ${editing ? "saved" : "created"}`);
      await plans();
    } catch (e) {
      if (!fieldErrors(form, e)) alert.textContent = e.message;
    }
  });
  return h("section", { class: "card", "aria-labelledby": "plan-form-title" }, h("h2", { id: "plan-form-title" }, editing ? `Edit plan ${p.name}` : "New plan"), form);
}

// ---- webhooks ---------------------------------------------------------

async function webhooks() {
  const list = (await api("GET", "/webhooks")).data.webhooks;
  const log = h("div", { id: "delivery-log" });
  const showLog = async (w) => {
    const ds = (await api("GET", `/webhooks/${w.id}/deliveries`)).data.deliveries;
    log.replaceChildren(h("h2", {}, `Deliveries to ${w.url}`), simpleTable(["Event", "Tenant", "Status", "Attempts", "Response", "Last error", "Next attempt", "Actions"],
      ds.map((d) => [d.event, d.tenant_id, badge(d.status), d.attempts, d.response_code || "—", d.last_error || "", fmtDate(d.next_attempt_at),
        d.status === "failed" ? h("button", {
          type: "button", "aria-label": `Redeliver delivery ${d.id}`, onclick: async () => {
            try { await api("POST", `/webhooks/${w.id}/deliveries/${d.id}/redeliver`); toast("Delivery queued again"); await showLog(w); } catch (e) { toast(e.message); }
          },
        }, "Redeliver") : ""]), "No deliveries yet."));
  };
  const id = "create-webhook";
  const alert = h("p", { class: "alert", role: "alert" });
  const secret = h("div", { "aria-live": "polite" });
  const form = h("form", { id, novalidate: true },
    field(id, "url", "Endpoint URL", { type: "url" }),
    field(id, "events", "Events (comma-separated, * for all)", { value: "*" }),
    alert, h("div", { class: "actions" }, h("button", { type: "submit" }, "Add webhook")), secret);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    try {
      const r = await api("POST", "/webhooks", { url: String(f.get("url")).trim(), events: String(f.get("events")).split(",").map((x) => x.trim()).filter(Boolean) });
      await webhooks();
      document.getElementById("webhook-secret").replaceChildren(h("p", { class: "note" }, "Signing secret (shown once): ", h("code", {}, r.data.secret)));
    } catch (e) {
      if (!fieldErrors(form, e)) alert.textContent = e.message;
    }
  });
  app.replaceChildren(
    h("h1", {}, "Webhooks"),
    h("div", { id: "webhook-secret", "aria-live": "polite" }),
    simpleTable(["URL", "Events", "Created", "Actions"], list.map((w) => [w.url, w.events.join(", "), fmtDate(w.created_at),
      h("span", { class: "actions" },
        h("button", { type: "button", class: "secondary", "aria-label": `Show deliveries to ${w.url}`, onclick: () => showLog(w) }, "Deliveries"),
        h("button", {
          type: "button", class: "danger", "aria-label": `Delete webhook ${w.url}`, onclick: async () => {
            try { await api("DELETE", `/webhooks/${w.id}`); toast("Webhook deleted"); await webhooks(); } catch (e) { toast(e.message); }
          },
        }, "Delete"))]), "No webhooks yet."),
    log,
    h("section", { class: "card", "aria-labelledby": "create-webhook-title" }, h("h2", { id: "create-webhook-title" }, "Add a webhook"), form));
  if (list.length > 0) await showLog(list[0]);
}

start();
