# Run (sourced) by the MariaDB image's entrypoint on the first start of an
# empty data volume: creates saasd's own login with the rights listed in
# saasd-grants.sql.in, so saasd never connects as root.
: "${SAASD_DB_PASSWORD:?set SAASD_DB_PASSWORD}"
sed -e "s/@USER@/${SAASD_DB_USER:-saasd}/g" \
	-e "s/@PASSWORD@/${SAASD_DB_PASSWORD}/g" \
	-e "s/@CONTROL_DB@/${SAASD_CONTROL_DB:-saas_control}/g" \
	-e "s/@TENANT_PATTERN@/${SAASD_TENANT_PREFIX:-saasdt}%/g" \
	/docker-entrypoint-initdb.d/saasd-grants.sql.in | docker_process_sql
