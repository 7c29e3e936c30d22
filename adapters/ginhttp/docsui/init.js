// The docs page: Swagger UI on the document this server generates. No
// request leaves this host: the online validator badge is off.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#docs",
  validatorUrl: null,
  deepLinking: true,
});
