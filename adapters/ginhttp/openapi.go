package ginhttp

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
)

// The API document is generated from the routes as they are registered:
// every route goes through Server.handle with its doc, and the request and
// answer schemas are read from the very Go types (or module schemas) the
// handlers decode and answer, so the document cannot drift from the code.

// access is who may call a route.
type access int

const (
	public     access = iota
	superadmin        // Authorization: Bearer <superadmin token>
	tenantUser        // the tenant (Host or X-Tenant) and its session token
	tenantHost        // the tenant (Host or X-Tenant), no token
)

// doc describes one route for the API document.
type doc struct {
	Summary string
	Tag     string
	Access  access
	Query   []query
	// Request and Response are values of the body's and the answer data's
	// Go types; nil: none (a response of nil answers data: null).
	Request, Response any
	// Record describes module routes (see kernel.Doc); Body and Fields
	// their body fields and query parameters where Record does not.
	Record       *core.Schema
	Body, Fields []core.Field
	List         bool
	Status       int  // the success status; 200 when zero
	Bare         bool // the answer is Response itself, not wrapped in the envelope
}

// query is a documented query parameter.
type query struct {
	Name, Type, Description string
}

// documented is a registered route and its doc.
type documented struct {
	method, path string
	doc          doc
}

// handle registers a route on g and records it for the API document.
func (s *Server) handle(g *gin.RouterGroup, method, path string, d doc, h ...gin.HandlerFunc) {
	g.Handle(method, path, h...)
	s.routes = append(s.routes, documented{method: method, path: joinPath(g.BasePath(), path), doc: d})
}

func joinPath(base, path string) string {
	if base == "/" {
		base = ""
	}
	return base + path
}

// serveDocs serves /openapi.json and the docs page /docs.
func (s *Server) serveDocs(e *gin.Engine) {
	root := &e.RouterGroup
	s.handle(root, "GET", "/openapi.json", doc{Summary: "This API document (OpenAPI 3.1)", Tag: "meta", Bare: true, Response: map[string]any{}}, func(c *gin.Context) {
		c.Data(http.StatusOK, "application/json", s.openAPI())
	})
	s.handle(root, "GET", "/docs", doc{Summary: "The API document, rendered (assets embedded)", Tag: "meta", Bare: true}, func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", docsPage)
	})
	s.handle(root, "GET", "/docs/assets/:file", doc{Summary: "Assets of the docs page", Tag: "meta", Bare: true}, serveDocsAsset)
}

// openAPI builds the document once; it describes the routes registered by then.
func (s *Server) openAPI() []byte {
	s.docOnce.Do(func() {
		b, err := json.MarshalIndent(s.buildOpenAPI(), "", "  ")
		if err != nil {
			panic(err) // built from maps of plain values: cannot fail
		}
		s.docJSON = b
	})
	return s.docJSON
}

type obj = map[string]any

func (s *Server) buildOpenAPI() obj {
	paths := obj{}
	for _, r := range s.routes {
		p, params := openAPIPath(r.path)
		item, _ := paths[p].(obj)
		if item == nil {
			item = obj{}
			paths[p] = item
		}
		item[strings.ToLower(r.method)] = s.operation(r, params)
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":       "saasd",
			"version":     "1",
			"description": "Control plane of a database-per-tenant SaaS: the superadmin API under /api/saas/ and the tenant API under /api/ and /api/v2/. Generated from the registered routes.",
		},
		"paths": paths,
		"components": obj{
			"securitySchemes": obj{
				"superadmin": obj{"type": "http", "scheme": "bearer", "description": "A superadmin API token (saasd token create)."},
				"tenant":     obj{"type": "http", "scheme": "bearer", "description": "A tenant session token from /api/login or /api/register, or an API key from /api/v2/api-keys; the token alone, without \"Bearer\" (as seed 003 sends it), is taken too."},
			},
			"parameters": obj{
				"XTenant": obj{"name": "X-Tenant", "in": "header", "required": false, "schema": obj{"type": "string"},
					"description": "The tenant's subdomain, where the Host header does not name it (acme.<base_domain>)."},
			},
			"schemas": obj{"Error": errorSchema()},
		},
	}
}

// openAPIPath turns /a/:id into /a/{id} and lists the path parameters.
func openAPIPath(path string) (string, []string) {
	var params []string
	parts := strings.Split(path, "/")
	for i, part := range parts {
		if name, ok := strings.CutPrefix(part, ":"); ok {
			parts[i] = "{" + name + "}"
			params = append(params, name)
		}
	}
	return strings.Join(parts, "/"), params
}

func (s *Server) operation(r documented, pathParams []string) obj {
	d := r.doc
	status := d.Status
	if status == 0 {
		status = http.StatusOK
	}
	tag := d.Tag
	if tag == "" {
		tag = strings.Split(strings.TrimPrefix(r.path, "/"), "/")[0]
	}
	op := obj{
		"summary":     d.Summary,
		"operationId": operationID(r.method, r.path),
		"tags":        []string{tag},
	}
	var params []any
	for _, name := range pathParams {
		params = append(params, obj{"name": name, "in": "path", "required": true, "schema": obj{"type": "string"}})
	}
	if d.Access == tenantUser || d.Access == tenantHost {
		params = append(params, obj{"$ref": "#/components/parameters/XTenant"})
	}
	for _, q := range d.Query {
		params = append(params, obj{"name": q.Name, "in": "query", "required": false, "schema": obj{"type": q.Type}, "description": q.Description})
	}
	if d.List && d.Record != nil {
		params = append(params, listParams(d.Record)...)
	}
	for _, f := range d.Fields {
		params = append(params, obj{"name": f.Name, "in": "query", "required": f.Required, "schema": fieldSchema(f, false)})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	switch d.Access {
	case superadmin:
		op["security"] = []any{obj{"superadmin": []string{}}}
	case tenantUser:
		op["security"] = []any{obj{"tenant": []string{}}}
	}
	if body := requestSchema(r.method, d); body != nil {
		op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": body}}}
	}
	responses := obj{
		strconv.Itoa(status): obj{"description": "success", "content": obj{"application/json": obj{"schema": responseSchema(d)}}},
	}
	if r.path == "/docs" || strings.HasPrefix(r.path, "/docs/") {
		responses[strconv.Itoa(status)] = obj{"description": "success"}
	}
	errRef := obj{"content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/Error"}}}}
	for _, code := range errorStatuses(r.method, d) {
		e := obj{"description": http.StatusText(code)}
		for k, v := range errRef {
			e[k] = v
		}
		responses[strconv.Itoa(code)] = e
	}
	// Any other error (404 of a missing id, 409 of a conflict, 500) has the same shape.
	responses["default"] = obj{"description": "an error", "content": errRef["content"]}
	op["responses"] = responses
	return op
}

func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '-' || r == '.' }) {
		part = strings.TrimPrefix(part, ":")
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// errorStatuses are the error answers a route can give.
func errorStatuses(method string, d doc) []int {
	var out []int
	if method == "POST" || method == "PUT" {
		out = append(out, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
	}
	switch d.Access {
	case superadmin, tenantUser:
		out = append(out, http.StatusUnauthorized, http.StatusTooManyRequests)
	}
	if d.Access == tenantUser || d.Access == tenantHost {
		out = append(out, http.StatusForbidden, http.StatusNotFound)
	}
	if d.Access != public {
		out = append(out, http.StatusServiceUnavailable)
	}
	sort.Ints(out)
	return slices.Compact(out)
}

func errorSchema() obj {
	return obj{
		"type":     "object",
		"required": []string{"success", "message", "error", "code"},
		"properties": obj{
			"success": obj{"const": false},
			"message": obj{"type": "string"},
			"error":   obj{"type": "string", "description": "the same as message, kept for compatibility"},
			"code":    obj{"type": "integer", "description": "the HTTP status"},
			"errors":  obj{"type": "object", "additionalProperties": obj{"type": "string"}, "description": "on 422: field -> reason"},
		},
	}
}

func requestSchema(method string, d doc) obj {
	switch {
	case d.Request != nil:
		return typeSchema(reflect.TypeOf(d.Request))
	case d.Body != nil:
		props, required := obj{}, []string{}
		for _, f := range d.Body {
			props[f.Name] = fieldSchema(f, true)
			if f.Required && method == "POST" {
				required = append(required, f.Name)
			}
		}
		out := obj{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			out["required"] = required
		}
		return out
	case d.Record != nil && (method == "POST" || method == "PUT"):
		return recordSchema(d.Record, true, method == "POST")
	}
	return nil
}

func responseSchema(d doc) obj {
	var data obj
	switch {
	case d.Record != nil && d.List:
		data = obj{"type": "array", "items": recordSchema(d.Record, false, false)}
	case d.Record != nil:
		data = recordSchema(d.Record, false, false)
	case d.Response != nil:
		data = typeSchema(reflect.TypeOf(d.Response))
	default:
		data = obj{"type": "null"}
	}
	if d.Bare {
		return data
	}
	env := obj{
		"type":     "object",
		"required": []string{"success", "data", "message"},
		"properties": obj{
			"success": obj{"const": true},
			"data":    data,
			"message": obj{"type": "string"},
		},
	}
	if d.List && d.Record != nil {
		env["required"] = []string{"success", "data", "meta", "message"}
		env["properties"].(obj)["meta"] = typeSchema(reflect.TypeOf(kernel.PageMeta{}))
	}
	return env
}

// listParams are the query parameters of a module list.
func listParams(s *core.Schema) []any {
	out := []any{
		obj{"name": "page", "in": "query", "schema": obj{"type": "integer", "minimum": 1}},
		obj{"name": "limit", "in": "query", "schema": obj{"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
		obj{"name": "search", "in": "query", "schema": obj{"type": "string", "maxLength": 100}},
	}
	for _, f := range s.Fields {
		if f.Filter {
			out = append(out, obj{"name": f.Name, "in": "query", "schema": fieldSchema(f, false), "description": "exact match"})
		}
	}
	if s.DateFilter != "" {
		for _, name := range []string{"date_from", "date_to"} {
			out = append(out, obj{"name": name, "in": "query", "schema": obj{"type": "string", "format": "date"}, "description": "bounds " + s.DateFilter})
		}
	}
	return out
}

// recordSchema is the JSON schema of a module record: as sent (write) or
// as answered.
func recordSchema(s *core.Schema, write, create bool) obj {
	props := obj{}
	var required []string
	if !write {
		props["id"] = obj{"type": "integer"}
		props["created_at"] = obj{"type": "string", "format": "date-time"}
		props["updated_at"] = obj{"type": "string", "format": "date-time"}
		required = append(required, "id", "created_at", "updated_at")
	}
	for _, f := range s.Fields {
		if write && f.Computed {
			continue
		}
		props[f.Name] = fieldSchema(f, write)
		if (write && create && f.Required) || !write {
			required = append(required, f.Name)
		}
	}
	if s.Items != nil {
		item := obj{
			"type":     "object",
			"required": []string{"description", "amount"},
			"properties": obj{
				"description": obj{"type": "string", "maxLength": 255},
				"qty":         obj{"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1},
				"amount":      obj{"type": []string{"number", "string"}, "description": "per unit, at most two decimals"},
			},
		}
		if write {
			item["additionalProperties"] = false
		} else {
			item["properties"].(obj)["amount"] = obj{"type": "number"}
		}
		props["items"] = obj{"type": "array", "items": item, "minItems": 1, "maxItems": 500}
	}
	for _, in := range s.Inputs {
		if write {
			props[in] = obj{"type": "string", "writeOnly": true}
		}
	}
	sort.Strings(required)
	out := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	if write {
		out["additionalProperties"] = false
	}
	return out
}

func fieldSchema(f core.Field, write bool) obj {
	nullable := func(t string) any {
		if f.Required {
			return t
		}
		return []string{t, "null"}
	}
	var out obj
	max := f.Max
	if max == 0 {
		max = 191
	}
	switch f.Type {
	case core.TextField:
		out = obj{"type": "string", "maxLength": max}
	case core.EmailField:
		out = obj{"type": "string", "format": "email", "maxLength": max}
		if !f.Required {
			out = obj{"type": "string", "maxLength": max, "description": "an email address, or empty"}
		}
	case core.EnumField:
		out = obj{"type": "string", "enum": f.Values}
		if write {
			out["description"] = "case-insensitive"
			delete(out, "enum")
		}
	case core.IntField:
		out = obj{"type": nullable("integer")}
	case core.RefField:
		out = obj{"type": nullable("integer"), "description": "the id of a " + f.Ref + " row"}
	case core.MoneyField:
		out = obj{"type": "number", "description": "an amount with at most two decimals"}
		if f.Positive {
			out["description"] = "an amount greater than 0 with at most two decimals"
		}
		if write {
			out["type"] = []string{"number", "string"}
		}
	case core.DateField:
		out = obj{"type": nullable("string"), "format": "date"}
	default:
		out = obj{}
	}
	if write && !f.Required {
		// An optional field may be sent empty or null to clear it.
		if t, isString := out["type"].(string); isString {
			out["type"] = []string{t, "null"}
		}
	}
	return out
}

// typeSchema is the JSON schema of a Go type as encoding/json writes and
// reads it.
func typeSchema(t reflect.Type) obj {
	if t == nil {
		return obj{}
	}
	switch t {
	case reflect.TypeOf(core.Money(0)):
		return obj{"type": "number"}
	case reflect.TypeOf(json.Number("")):
		return obj{"type": "number"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner := typeSchema(t.Elem())
		if typ, ok := inner["type"].(string); ok {
			inner["type"] = []string{typ, "null"}
		}
		return inner
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return obj{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Slice, reflect.Array:
		return obj{"type": []string{"array", "null"}, "items": typeSchema(t.Elem())}
	case reflect.Map:
		return obj{"type": []string{"object", "null"}, "additionalProperties": typeSchema(t.Elem())}
	case reflect.Struct:
		props, required := obj{}, []string{}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = typeSchema(f.Type)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
		}
		out := obj{"type": "object", "properties": props}
		if len(required) > 0 {
			sort.Strings(required)
			out["required"] = required
		}
		return out
	}
	return obj{}
}
