#!/usr/bin/env bash
# Runs once, when the compose PostgreSQL is first initialised (as its superuser 'postgres'): an
# owner role owns the database (the `init` service makes the event tables as it); the application
# role may only read and append to those. Neither is a superuser or may create roles or databases
# (README, "PostgreSQL privileges").
set -euo pipefail
: "${FULLPICTURE_DATABASE_PASSWORD:?set FULLPICTURE_DATABASE_PASSWORD (see README, With Docker)}"
: "${FULLPICTURE_OWNER_DATABASE_PASSWORD:?set FULLPICTURE_OWNER_DATABASE_PASSWORD (see README, With Docker)}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v password="$FULLPICTURE_DATABASE_PASSWORD" \
  -v owner_password="$FULLPICTURE_OWNER_DATABASE_PASSWORD" <<'SQL'
CREATE ROLE fullpicture_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE fullpicture LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
CREATE DATABASE fullpicture OWNER fullpicture_owner;
SQL
