// Package console serves the superadmin web console: plain HTML, CSS and
// JavaScript modules embedded in the binary (no CDN, no build step), which
// talk to the public /api/saas/ API only, so that everything the console
// does a script can do too. Sign-in exchanges an API token for a session
// cookie at POST /api/saas/session (adapters/ginhttp); this package only
// serves the files.
package console
