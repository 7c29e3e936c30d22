// Package ginhttp is the HTTP edge of saasd on Gin: the superadmin API under
// /api/saas, health probes, the response envelope, authentication, rate
// limiting, request logging and the one map from error kinds to status codes.
package ginhttp
