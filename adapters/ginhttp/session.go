package ginhttp

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/auth"
)

// Console sessions: a browser exchanges an API token for a session cookie
// once, so that the token never has to live in the page. The cookie is
// HttpOnly (scripts cannot read it) and SameSite=Strict (other sites cannot
// send it); every change made with it must also carry the session's CSRF
// token in a header, which a page of another origin cannot know.
const (
	// SessionCookie names the console session cookie.
	SessionCookie = "saasd_session"
	// CSRFHeader carries a console session's CSRF token on changes.
	CSRFHeader = "X-CSRF-Token"

	keySession = "saasd.session"
)

type signInRequest struct {
	Token string `json:"token"`
}

// signIn answers POST /api/saas/session: {"token": "saasd_…"} becomes a
// session cookie, and the answer names the CSRF token.
func (s *Server) signIn(c *gin.Context) {
	// Only a JSON body: a page of another site can post a form or text
	// without asking, but JSON only after a CORS preflight this API never
	// grants, so nobody can sign a browser in to someone else's session.
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt != "application/json" {
		failStatus(c, http.StatusUnsupportedMediaType, "sign-in takes a JSON body: Content-Type: application/json")
		return
	}
	var req signInRequest
	if !s.bind(c, &req) {
		return
	}
	if strings.TrimSpace(req.Token) == "" {
		failFields(c, map[string]string{"token": "is required"})
		return
	}
	sess, err := s.auth.SignIn(c.Request.Context(), strings.TrimSpace(req.Token))
	if err != nil {
		s.fail(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: SessionCookie, Value: sess.ID, Path: "/", Expires: sess.ExpiresAt,
		MaxAge: int(time.Until(sess.ExpiresAt).Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Request.TLS != nil,
	})
	c.Header("Cache-Control", "no-store")
	ok(c, http.StatusCreated, gin.H{"csrf_token": sess.CSRF, "token_name": sess.Token.Name, "expires_at": timestamp(sess.ExpiresAt)}, "Signed in")
}

// session answers GET /api/saas/session: who is signed in and, for a
// cookie session, its CSRF token (a console page that was reloaded gets it
// back here; other origins cannot read the answer).
func (s *Server) session(c *gin.Context) {
	t, _ := core.ActorFrom(c.Request.Context())
	data := gin.H{"token_name": t.Name}
	if id := c.GetString(keySession); id != "" {
		data["csrf_token"] = auth.CSRFToken(id)
	}
	c.Header("Cache-Control", "no-store")
	ok(c, http.StatusOK, data, "Session retrieved successfully")
}

// signOut answers DELETE /api/saas/session: the session ends and its cookie
// is cleared. With a Bearer token there is no session and nothing to end.
func (s *Server) signOut(c *gin.Context) {
	if id := c.GetString(keySession); id != "" {
		if err := s.auth.SignOut(c.Request.Context(), id); err != nil {
			s.fail(c, err)
			return
		}
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.Request.TLS != nil})
	ok(c, http.StatusOK, nil, "Signed out")
}

// authenticateSession is authenticate for a request without an
// Authorization header: the session cookie, plus the CSRF header on
// anything but a read.
func (s *Server) authenticateSession(c *gin.Context) (core.APIToken, bool) {
	cookie, err := c.Request.Cookie(SessionCookie)
	if err != nil || cookie.Value == "" {
		c.Header("WWW-Authenticate", `Bearer realm="saasd"`)
		s.fail(c, core.Errorf(core.Unauthorized, "missing or malformed Authorization header; want: Bearer TOKEN"))
		return core.APIToken{}, false
	}
	t, err := s.auth.AuthenticateSession(c.Request.Context(), cookie.Value)
	if err != nil {
		s.fail(c, err)
		return core.APIToken{}, false
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if err := auth.CheckCSRF(cookie.Value, c.GetHeader(CSRFHeader)); err != nil {
			s.fail(c, err)
			return core.APIToken{}, false
		}
	}
	c.Set(keySession, cookie.Value)
	return t, true
}

// mountConsole serves the web console's files at /console/; /console
// redirects there. The handler sees paths without the /console prefix.
func (s *Server) mountConsole(e *gin.Engine, h http.Handler) {
	root := &e.RouterGroup
	page := doc{Summary: "The web console (HTML and its assets, embedded)", Tag: "console", Bare: true}
	s.handle(root, "GET", "/console", page, func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/console/") })
	files := gin.WrapH(http.StripPrefix("/console", h))
	s.handle(root, "GET", "/console/*path", page, files)
	s.handle(root, "HEAD", "/console/*path", page, files)
}
