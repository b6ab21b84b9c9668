#!/usr/bin/env bash
# Runs once, when the compose PostgreSQL is first initialised (as its superuser 'postgres'): the
# application role owns its own database and is not a superuser, and may not create roles or
# databases (README, "PostgreSQL privileges").
set -euo pipefail
: "${FULLPICTURE_DATABASE_PASSWORD:?set FULLPICTURE_DATABASE_PASSWORD (see README, With Docker)}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v password="$FULLPICTURE_DATABASE_PASSWORD" <<'SQL'
CREATE ROLE fullpicture LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
CREATE DATABASE fullpicture OWNER fullpicture;
SQL
