#!/bin/bash
# Runs once, when the data directory is first initialised (docker-entrypoint-initdb.d): one role and one
# database per service, each role with its own password rendered from Vault by the agent into
# /vault/secrets/<service>_DATABASE_PASSWORD (SECRETS_DIR, as the services read theirs). Passwords are stored
# as SCRAM-SHA-256 verifiers. tests/deploy/test_upstream_postgres.py runs it against a real PostgreSQL.
set -euo pipefail
for service in users inventory orders payments storefront; do
    password_file="${SECRETS_DIR:-/vault/secrets}/${service}_DATABASE_PASSWORD"
    if [ ! -s "$password_file" ]; then
        echo "init-databases: $password_file is missing (has vault-bootstrap run?)" >&2
        exit 1
    fi
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$service" -v db="${service}_db" -v password="$(cat "$password_file")" <<'SQL'
SET password_encryption = 'scram-sha-256';
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
done
