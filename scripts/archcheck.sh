#!/usr/bin/env bash
# Fails when a package under core/ or ports/ depends on Gin, GORM, Viper, Zap,
# cobra, a database driver or an adapter: the domain must stay portable.
set -euo pipefail
cd "$(dirname "$0")/.."
module=$(go list -m)
forbidden='^(github\.com/gin-gonic/|gorm\.io/|github\.com/spf13/|go\.uber\.org/zap|github\.com/go-sql-driver/|github\.com/glebarez/|modernc\.org/|github\.com/pressly/goose|'"${module//./\\.}"'/(adapters|config|cmd)(/|$))'
status=0
for pkg in $(go list ./core/... ./ports/...); do
	bad=$(go list -deps "$pkg" | grep -E "$forbidden" || true)
	if [ -n "$bad" ]; then
		echo "architecture: $pkg must not depend on:" $bad
		status=1
	fi
done
[ $status -eq 0 ] && echo "architecture: core/ and ports/ depend only on the standard library and each other"
exit $status
