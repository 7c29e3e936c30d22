package ginhttp

import (
	"embed"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"
)

//go:embed docsui/index.html docsui/init.js docsui/swagger-ui-bundle.js docsui/swagger-ui.css
var docsUI embed.FS

var docsPage, _ = docsUI.ReadFile("docsui/index.html")

// serveDocsAsset serves a file of the docs page from the binary.
func serveDocsAsset(c *gin.Context) {
	name := path.Base(c.Param("file"))
	b, err := docsUI.ReadFile("docsui/" + name)
	if err != nil || name == "index.html" {
		failStatus(c, http.StatusNotFound, "asset not found")
		return
	}
	ctype := "text/css; charset=utf-8"
	if path.Ext(name) == ".js" {
		ctype = "text/javascript; charset=utf-8"
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, ctype, b)
}
