// The console's one way to the server: the public /api/saas/ API, with the
// session cookie (sent by the browser, unreadable here) and, on changes, the
// CSRF token, which lives in this module's memory only.
let csrf = "";

export class APIError extends Error {
  constructor(status, body) {
    super((body && (body.error || body.message)) || `request failed (${status})`);
    this.status = status;
    this.fields = (body && body.errors) || {};
  }
}

export function setCSRF(token) { csrf = token || ""; }

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch("/api/saas" + path, {
    method, headers, credentials: "same-origin", cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  if (res.status === 401 && path !== "/session") {
    window.dispatchEvent(new CustomEvent("saasd:signedout"));
  }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// h builds an element: h("a", {href: "#"}, "text", child…). Text is always
// set as text, never parsed as HTML.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export function fmtDate(v) {
  if (!v) return "—";
  const d = new Date(v);
  return isNaN(d) ? String(v) : d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

export function money(v) {
  const n = Number(v);
  return isNaN(n) ? String(v) : n.toFixed(2);
}
