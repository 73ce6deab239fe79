#!/usr/bin/env bash
# The production build proven on a Postgres server of its own (issue 18 item 3, D190); .ci/run calls it,
# and a developer can run it (npm run production-proof) on a machine with Debian's postgresql package.
#  1. Debian's PostgreSQL server (installed when missing, as root), initdb + pg_ctl as the postgres OS
#     user in a temp directory on a free port (not the embedded Postgres), a role and a database for Otto.
#  2. npm run build; a production copy: package.json, the lock and dist/ in an empty directory,
#     `npm ci --omit=dev --ignore-scripts` (no development dependency, no tsx; the console is prebuilt).
#  3. scripts/ci/production-proof.ts against that copy: two concurrent migrations, 2 API + 2 worker
#     processes and the simulator from dist/, the demo, both jobs succeeded, SIGTERM → exit 0 for each.
# Prints the sizes and the measurements README's "Deploy" section quotes.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

WORK=$(mktemp -d /tmp/otto-production-proof.XXXXXX)
chmod 755 "$WORK"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  as_postgres "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PGPORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
mkdir -p "$WORK/pg" "$WORK/socket"
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK/pg" "$WORK/socket"; fi
PASSWORD=$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')
as_postgres "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
as_postgres "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w \
  -o "-p $PGPORT -k $WORK/socket -c listen_addresses=127.0.0.1" start >/dev/null
psql_admin() { as_postgres "$PGBIN/psql" -h "$WORK/socket" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_admin -c "CREATE ROLE otto LOGIN PASSWORD '$PASSWORD'"
psql_admin -c "CREATE DATABASE otto OWNER otto"
echo "Postgres server: $(psql_admin -c 'SHOW server_version') on 127.0.0.1:$PGPORT ($PGBIN)"
DATABASE_URL="postgres://otto:$PASSWORD@127.0.0.1:$PGPORT/otto"

npm run build
APP="$WORK/app"
mkdir -p "$APP"
cp package.json package-lock.json "$APP/"
cp -r dist "$APP/dist"
(cd "$APP" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline)
# (typescript is there: neverpanic, under @scalar/api-reference, declares it a required peer dependency.)
if [ -e "$APP/node_modules/tsx" ] || [ -e "$APP/node_modules/vitest" ] || [ -e "$APP/node_modules/@biomejs" ]; then
  echo "the production copy holds a development dependency" >&2
  exit 1
fi
echo "sizes: dist/ $(du -sh "$APP/dist" | cut -f1), production node_modules $(du -sh "$APP/node_modules" | cut -f1)," \
  "the development tree's node_modules $(du -sh "$REPO/node_modules" | cut -f1)"

node --import tsx scripts/ci/production-proof.ts --app "$APP" --database-url "$DATABASE_URL"
