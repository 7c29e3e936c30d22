#!/usr/bin/env bash
# The architecture's rules, checked from `go list` (make lint):
# - core/ and ports/ depend on nothing but the standard library and
#   themselves: no Gin, GORM, Viper, Zap, cobra, driver, goose or adapter;
# - an adapter never imports another adapter (adapters/internal/* are
#   shared helpers of the adapters, and import no adapter themselves);
# - a module never imports another module.
set -euo pipefail
cd "$(dirname "$0")/.."
module=$(go list -m)
m=${module//./\\.}
forbidden='^(github\.com/gin-gonic/|gorm\.io/|github\.com/spf13/|go\.uber\.org/zap|github\.com/go-sql-driver/|github\.com/glebarez/|modernc\.org/|github\.com/pressly/goose|'"$m"'/(adapters|config|cmd|modules)(/|$))'
status=0
for pkg in $(go list ./core/... ./ports/...); do
	bad=$(go list -deps "$pkg" | grep -E "$forbidden" || true)
	if [ -n "$bad" ]; then
		echo "architecture: $pkg must not depend on:" $bad
		status=1
	fi
done
# own: the top folder of a package below adapters/ or modules/ ("adapters/mysql").
own() { echo "$1" | sed -E "s#^$m/((adapters|modules)/[^/]+).*#\1#"; }
for pkg in $(go list ./adapters/... ./modules/...); do
	mine=$(own "$pkg")
	for imp in $(go list -f '{{join .Imports "\n"}}' "$pkg" | grep -E "^$m/(adapters|modules)/" || true); do
		theirs=$(own "$imp")
		case "$mine:$theirs" in
		"$theirs:$theirs") ;;                     # its own subpackages
		adapters/internal:*) echo "architecture: $pkg (shared adapter code) must not import $imp"; status=1 ;;
		adapters/*:adapters/internal) ;;          # shared adapter code
		adapters/*:adapters/*) echo "architecture: adapter $pkg must not import adapter $imp (meet through ports, wired in cmd)"; status=1 ;;
		modules/*:modules/*) echo "architecture: module $pkg must not import module $imp (hand it what it needs in cmd)"; status=1 ;;
		adapters/*:modules/*) echo "architecture: adapter $pkg must not import module $imp"; status=1 ;;
		esac
	done
done
[ $status -eq 0 ] && echo "architecture: core/ and ports/ depend only on the standard library and each other; no adapter imports another adapter, no module another module"
exit $status
