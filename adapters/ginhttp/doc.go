// Package ginhttp is the HTTP edge of saasd on Gin: the superadmin API under
// /api/saas, the tenant-side API (signup, login, and every kernel endpoint
// under /api/v2), health probes, the response envelope, authentication, rate
// limiting, idempotent retries, request logging and the one map from error
// kinds to status codes. It maps requests and errors and nothing more: the
// rules live in the core.
package ginhttp
