#!/usr/bin/env bash
# Where the app's CPU goes with the kit on (or off): async-profiler's CPU samples of the packaged
# sample app on the local PostgreSQL under wrk, after a warm-up, then kit_share.py's split of the
# samples (the kit's own frames on the request threads, the writer thread, everything else).
# async-profiler comes from Maven Central (tools.profiler:async-profiler, linux-x64); the app loads
# it for the measured window only (jcmd JVMTI.agent_load), so the warm-up runs unprofiled.
#
# Build first:  mvn -q package -DskipTests
# Run:          benchmarks/load/async-profile.sh [on|off|discard|quota|grants|tenants1000|tenants100k|newtenant]
#               (default on; discard, tenants1000, tenants100k, newtenant: run.sh's set-ups of those names)
#   quota and grants are run.sh's set-ups: a hard monthly quota nobody reaches on acme's plan; grants adds
#   three thresholds, a webhook nobody listens to and the request meter grant-backed (hard), acme holding one
#   grant nobody spends (created through the admin API before its first request)
# Settings: WARMUP [40] and DURATION [20] seconds, CONNECTIONS [32], PORT [18190], PG_HOST/PG_PORT/PG_USER,
#   TENANT_HEADER [X-Tenant-Id], JAR, OUT [benchmarks/load/target/profile-<time>],
#   EVENT [cpu]: alloc samples allocations instead (the split then counts sampled bytes, not CPU)
# Besides the samples: PROFILE.pg-per-1000-requests.txt, the database's commits and each table's scans and
#   written rows per 1,000 requests of the measured window (pg_stat_database, pg_stat_user_tables)
# Every request loop is bounded by wrk's duration; only 127.0.0.1 is addressed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SETUP=${1:-on}
WARMUP=${WARMUP:-40}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18190}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
TENANT_HEADER=${TENANT_HEADER:-X-Tenant-Id}
JAR=${JAR:-sample-app/target/sample-app-0.1.0-SNAPSHOT.jar}
OUT=${OUT:-benchmarks/load/target/profile-$(date -u +%Y%m%d-%H%M%S)}
AP_VERSION=4.1
EVENT=${EVENT:-cpu}
[[ $EVENT == cpu ]] && SAMPLING=interval=1ms || SAMPLING=alloc=64k

[[ -f $JAR ]] || { echo "No $JAR: build it first with 'mvn -q package -DskipTests'" >&2; exit 1; }
command -v wrk > /dev/null || { apt-get update -qq && apt-get install -y -qq wrk > /dev/null; }
AP_JAR=$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION-linux-x64.jar
[[ -f $AP_JAR ]] || mvn -q dependency:get -Dartifact="tools.profiler:async-profiler:$AP_VERSION:jar:linux-x64"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
unzip -o -q -j "$AP_JAR" 'linux-x64/libasyncProfiler.so' -d "$OUT"

BENCH_PLAN=(--metering.plans.bench.quotas[0].meter=http.requests --metering.plans.bench.quotas[0].limit=1000000000000
	--metering.plans.bench.quotas[0].window=month --metering.plans.bench.quotas[0].enforcement=hard
	--metering.tenants.acme.plan=bench)
# wrk's tenant: one (acme), or run.sh's scripts for the many-tenant set-ups
LOAD=(-H "$TENANT_HEADER: acme")
ADMIN_KEY=profile-admin-key-$$-$RANDOM
case $SETUP in
	on) PROPS=(--metering.quota.enabled=false) ;;
	off) PROPS=(--metering.enabled=false) ;;
	discard) PROPS=(--metering.quota.enabled=false --spring.profiles.active=postgres,discard) ;;
	quota) PROPS=("${BENCH_PLAN[@]}") ;;
	grants) PROPS=("${BENCH_PLAN[@]}" --metering.plans.bench.quotas[0].thresholds=500,2000,10000
		--metering.webhooks.endpoints[0].url=http://127.0.0.1:9/metering-hooks
		--metering.webhooks.endpoints[0].secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
		--metering.plans.bench.grant-backed[http.requests]=hard
		--metering.admin.web.enabled=true --metering.admin.web.api-key="$ADMIN_KEY") ;;
	tenants1000) PROPS=("${BENCH_PLAN[@]}" --metering.default-plan=bench)
		LOAD=(-s benchmarks/load/tenants.lua) ;;
	tenants100k) PROPS=("${BENCH_PLAN[@]}" --metering.default-plan=bench)
		LOAD=(-s benchmarks/load/zipf.lua) ;;
	newtenant) PROPS=("${BENCH_PLAN[@]}" --metering.default-plan=bench)
		LOAD=(-s benchmarks/load/new-tenant.lua) ;;
	*) echo "set-up is on, off, discard, quota, grants, tenants1000, tenants100k or newtenant" >&2; exit 1 ;;
esac
PSQL=(psql -X -q -t -A -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres)
DB=metering_profile_$(date -u +%H%M%S)_$$
"${PSQL[@]}" -c "CREATE DATABASE $DB"
APP=
cleanup() {
	[[ -z $APP ]] || { kill "$APP" 2> /dev/null || true; wait "$APP" 2> /dev/null || true; }
	"${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB" || true
}
trap cleanup EXIT
java -Xms1g -Xmx1g -jar "$JAR" --server.port="$PORT" --spring.profiles.active=postgres \
	--spring.datasource.url="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB" --spring.datasource.username="$PG_USER" \
	"${PROPS[@]}" > "$OUT/$SETUP.log" 2>&1 &
APP=$!
for _ in $(seq 1 180); do
	[[ $(curl -s -o /dev/null -w '%{http_code}' -H "$TENANT_HEADER: probe" "http://127.0.0.1:$PORT/api/ping") == 200 ]] && break
	kill -0 "$APP" 2> /dev/null || { echo "the app did not start: see $OUT/$SETUP.log" >&2; exit 1; }
	sleep 0.5
done
if [[ $SETUP == grants ]]; then
	status=$(curl -s -o "$OUT/grant.json" -w '%{http_code}' -X POST -H "X-Metering-Admin-Key: $ADMIN_KEY" \
		-H 'Content-Type: application/json' -d '{"meter":"http.requests","amount":1000000000000,"description":"profile"}' \
		"http://127.0.0.1:$PORT/metering/admin/tenants/acme/grants")
	[[ $status == 201 ]] || { echo "creating acme's grant answered $status: see $OUT/grant.json" >&2; exit 1; }
fi
load_args() { # phase: the script's arguments after the URL (run.sh's, a fresh prefix per phase for newtenant)
	case $SETUP in
		tenants1000) echo "-- 1000 $TENANT_HEADER" ;;
		tenants100k) echo "-- 100000 1.1 $TENANT_HEADER" ;;
		newtenant) echo "-- $TENANT_HEADER p$1" ;;
	esac
}
# shellcheck disable=SC2046
wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" "${LOAD[@]}" "http://127.0.0.1:$PORT/api/ping" $(load_args w) > "$OUT/$SETUP.warmup.txt"
# What the database did in the measured window: its transactions and each table's statements by kind.
pg_stats() {
	"${PSQL[@]}" -d "$DB" -F ' ' -c "SELECT 'db', xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_fetched
		FROM pg_stat_database WHERE datname = current_database()
		UNION ALL SELECT relname, seq_scan, COALESCE(idx_scan, 0), n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd
		FROM pg_stat_user_tables ORDER BY 1"
}
"${PSQL[@]}" -d "$DB" -c "SELECT pg_stat_clear_snapshot()" > /dev/null
pg_stats > "$OUT/$SETUP.pg-before.txt"
# jcmd reads name=value as its own option: the agent's options go in quotes.
jcmd "$APP" JVMTI.agent_load "$OUT/libasyncProfiler.so" "\"start,event=$EVENT,$SAMPLING,file=$OUT/$SETUP.collapsed,collapsed\"" > /dev/null
# shellcheck disable=SC2046
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "${LOAD[@]}" "http://127.0.0.1:$PORT/api/ping" $(load_args m) > "$OUT/$SETUP.wrk.txt"
jcmd "$APP" JVMTI.agent_load "$OUT/libasyncProfiler.so" "\"stop,file=$OUT/$SETUP.collapsed,collapsed\"" > /dev/null
sleep 1
pg_stats > "$OUT/$SETUP.pg-after.txt"
REQUESTS=$(awk '/requests in/ { print $1 }' "$OUT/$SETUP.wrk.txt")
# Per table: (seq scans, index scans, inserted, updated, deleted, hot updates) per 1,000 requests; db: commits, rollbacks, tuples
awk -v n="$REQUESTS" 'NR == FNR { for (i = 2; i <= NF; i++) b[$1, i] = $i; next }
	{ line = $1; for (i = 2; i <= NF; i++) line = line sprintf(" %.1f", ($i - b[$1, i]) * 1000 / n); print line }' \
	"$OUT/$SETUP.pg-before.txt" "$OUT/$SETUP.pg-after.txt" | tee "$OUT/$SETUP.pg-per-1000-requests.txt"
python3 benchmarks/load/kit_share.py "$OUT/$SETUP.collapsed" | tee "$OUT/$SETUP.share.txt"
echo "requests: $REQUESTS ($(awk '/^Requests\/sec/ { print $2 }' "$OUT/$SETUP.wrk.txt")/s); samples and recording in $OUT"
