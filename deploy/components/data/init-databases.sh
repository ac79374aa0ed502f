#!/bin/bash
# Runs once, when the data directory is first initialised (docker-entrypoint-initdb.d): one role and one
# database per service, each role with its own password rendered from Vault by the agent into
# /vault/secrets/<service>_DATABASE_PASSWORD. Passwords are stored as SCRAM-SHA-256 verifiers.
set -euo pipefail
for service in users inventory orders payments storefront; do
    password_file="/vault/secrets/${service}_DATABASE_PASSWORD"
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
