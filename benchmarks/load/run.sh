#!/usr/bin/env bash
# The load harness of docs/BENCHMARKS.md ("Load run"): the packaged sample app on the local
# PostgreSQL, driven by wrk, set-up after set-up, two rounds in alternating order. Per set-up and
# round it reports req/s, p99, app CPU per request (whole process, and by thread group), PostgreSQL
# CPU per request (the backends of this run's database), the whole machine's CPU per request
# (PostgreSQL's other processes, and the rest: wrk and the kernel) with its idle and stolen time,
# ledger rows against responses, the events the writer dropped (buffer full: actuator "metering"
# endpoint, else the writer's log) and the JFR monitor waits of at least 10 ms (all, and those with
# a kit class in the stack).
#
# Build first (the harness builds nothing):  mvn -q package -DskipTests
#   and, for the bucket4j set-up:           mvn -q -f benchmarks/load/bucket4j-app/pom.xml package
# Run:                                       benchmarks/load/run.sh [set-up ...]
# Set-ups (default all, in this order): off on discard quota tenants1000 tenants100k newtenant bucket4j twoinstances
# (kafka runs only when named)
#   off       the sample app with the kit off (metering.enabled=false): the baseline
#   on        the kit records every request into the ledger, no quotas
#   discard   as on, but the writer's batches go to a store that writes nothing (the sample's discard
#             profile): events are built, validated and handed off, so this is the kit's own app-side cost
#   quota     as on, with a hard monthly quota nobody reaches checked on every request (one tenant)
#   tenants1000 / newtenant  the hard quota over 1,000 tenants round-robin / a new tenant on every request
#   tenants100k the hard quota over 100,000 tenants drawn from a Zipf(1.1) distribution (zipf.lua)
#   bucket4j  the peer: bucket4j-spring-boot-starter with an in-memory bucket per tenant on the same
#             endpoint (benchmarks/load/bucket4j-app), storing nothing
#   twoinstances  two apps on one database sharing one tenant's hard daily limit
#   kafka     as on, with the sample's kafka profile: metering.sink: kafka and a ledger consumer in the same app,
#             against a single-node KRaft broker this script starts on 127.0.0.1 from the Kafka jars inside
#             the benchmarks jar (data and log under OUT/kafka; started before the first round, stopped at the
#             end). Each launch gets a topic and consumer group of its own. After the measured window the
#             harness waits until the writer's buffer is empty and the consumer's lag is 0 (actuator health)
#             before it counts the ledger; the broker's CPU per request is its own column, and the warm-up
#             waits for the broker's JIT threads as well as the app's. Compare with on: run.sh on kafka.
#             The app's "writer" thread group then holds the ledger consumer's thread too (Linux keeps 15
#             characters of a thread's name: both are metering-ledger); kafka-client is the clients' threads.
# Every round starts a new JVM per set-up, so ROUNDS rounds are ROUNDS launches of each set-up, in
# alternating order; summary.md gives each set-up's median and spread over the launches and each
# set-up's ratio to off launched in the same round.
# Set-up thresholds (not in the default list): quota's set-up with three thresholds (absolute amounts crossed
#   within a run) and a webhook to a port nobody listens on (deliveries retried off the request path);
#   compare it with quota: benchmarks/load/run.sh quota thresholds
#
# Settings come from the environment (defaults in brackets):
#   DURATION [15] seconds per measured round; ROUNDS [6] (launches per set-up)
#   WARMUP [5] seconds per warm-up slice: the app is driven in slices until its JIT compiler threads used at most
#     JIT_QUIET [2] % of its CPU in the last slice, at least MIN_WARMUP [20] and at most MAX_WARMUP [120] seconds.
#     A fixed short warm-up measured the JIT instead of the app: a fresh JVM still spent 5-10x its steady CPU per
#     request after 20 s at load 20, and set-ups compared at different points of their warm-up.
#   CONNECTIONS [32] THREADS [2] of wrk; PORT [18181] PORT2 [18182]
#   PG_HOST [127.0.0.1] PG_PORT [5432] PG_USER [postgres]: a fresh database is created per run and dropped after
#   TENANT_HEADER [X-Tenant-Id]: the header the app reads the tenant from
#   APP_PROPS: more --name=value arguments for every app start (e.g. what a tenant-forgery guard needs)
#   JAVA_OPTS [-Xms1g -Xmx1g -XX:+AlwaysPreTouch]: a fixed, pre-touched heap, so no launch grows or first
#     touches its heap during the measured window; JAR [sample-app/target/sample-app-0.1.0-SNAPSHOT.jar]
#   BUCKET4J_JAR [benchmarks/load/bucket4j-app/target/bucket4j-app-0.1.0-SNAPSHOT.jar]
#   TWO_LIMIT [2000] the hard daily limit (raise it on a fast machine so it is reached mid-run) of the two-instance set-up; TWO_DURATION [10] its seconds
#   BASE_JAR [unset]: a second app jar (e.g. the code before a change); a set-up named <set-up>-base (off-base,
#     on-base, quota-base, ...) runs <set-up> on it, so before and after alternate in one run
#   OUT [benchmarks/load/target/run-<time>]: logs, JFR recordings and results.md
#   Kafka set-ups: KAFKA_PORT [19092] KAFKA_CONTROLLER_PORT [19093]; BROKER_JAR [benchmarks/target/benchmarks.jar]
#     (built by the same 'mvn -q package -DskipTests'); BROKER_OPTS [-Xms512m -Xmx512m]; KAFKA_DRAIN [120] seconds
#     at most to wait for lag 0
#   PROFILE [unset]: 1 to record with the JDK's 'profile' settings (execution and allocation samples, deeper
#     stacks; more overhead, so not for the figures) and write <set-up>-r<round>.breakdown.txt (jfr_breakdown.py)
# Every request loop is bounded by wrk's duration; only 127.0.0.1 is ever addressed.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=benchmarks/load

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
JIT_QUIET=${JIT_QUIET:-2}
MIN_WARMUP=${MIN_WARMUP:-20}
MAX_WARMUP=${MAX_WARMUP:-120}
ROUNDS=${ROUNDS:-6}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18181}
PORT2=${PORT2:-18182}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
TENANT_HEADER=${TENANT_HEADER:-X-Tenant-Id}
APP_PROPS=${APP_PROPS:-}
JAVA_OPTS=${JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch}
JAR=${JAR:-sample-app/target/sample-app-0.1.0-SNAPSHOT.jar}
BUCKET4J_JAR=${BUCKET4J_JAR:-$HERE/bucket4j-app/target/bucket4j-app-0.1.0-SNAPSHOT.jar}
TWO_LIMIT=${TWO_LIMIT:-2000}
TWO_DURATION=${TWO_DURATION:-10}
OUT=${OUT:-$HERE/target/run-$(date -u +%Y%m%d-%H%M%S)}
SETUPS=(${*:-off on discard quota tenants1000 tenants100k newtenant bucket4j twoinstances})
KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
BROKER_JAR=${BROKER_JAR:-benchmarks/target/benchmarks.jar}
BROKER_OPTS=${BROKER_OPTS:--Xms512m -Xmx512m}
KAFKA_DRAIN=${KAFKA_DRAIN:-120}
WITH_KAFKA=
for setup in "${SETUPS[@]}"; do [[ ${setup%-base} == kafka ]] && WITH_KAFKA=1; done

# Three thresholds of the bench quota, crossed by acme's traffic within a run, and a webhook nobody answers.
THRESHOLDS=(--metering.plans.bench.quotas[0].thresholds=10000,100000,1000000
	--metering.webhooks.endpoints[0].url=http://127.0.0.1:9/metering-hooks
	--metering.webhooks.endpoints[0].secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw)

# A hard monthly quota nobody reaches: the check runs on every request, it never denies.
BENCH_PLAN=(--metering.plans.bench.quotas[0].meter=http.requests --metering.plans.bench.quotas[0].limit=1000000000000
	--metering.plans.bench.quotas[0].window=month --metering.plans.bench.quotas[0].enforcement=hard)

if [[ ! -f $JAR ]]; then
	echo "No $JAR: build it first with 'mvn -q package -DskipTests'" >&2
	exit 1
fi
if [[ " ${SETUPS[*]} " == *" bucket4j "* && ! -f $BUCKET4J_JAR ]]; then
	echo "No $BUCKET4J_JAR: build it first with 'mvn -q -f benchmarks/load/bucket4j-app/pom.xml package'" >&2
	exit 1
fi
if [[ -n $WITH_KAFKA && ! -f $BROKER_JAR ]]; then
	echo "No $BROKER_JAR (the kafka set-up's broker runs from it): build it first with 'mvn -q package -DskipTests'" >&2
	exit 1
fi
if ! command -v wrk > /dev/null; then
	apt-get update -qq && apt-get install -y -qq wrk > /dev/null
fi
PSQL=(psql -X -q -t -A -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER")
JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
TICK_US=$((1000000 / $(getconf CLK_TCK)))
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd) # absolute: jcmd resolves paths in the app's directory
DB=metering_load_$(date -u +%H%M%S)_$$
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
APPS=()
BROKER=
cleanup() {
	for pid in "${APPS[@]}"; do kill "$pid" 2> /dev/null || true; done
	for pid in "${APPS[@]}"; do wait "$pid" 2> /dev/null || true; done
	if [[ -n $BROKER ]]; then kill "$BROKER" 2> /dev/null || true; wait "$BROKER" 2> /dev/null || true; fi
	[[ -n ${KEEP_DB:-} ]] || "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" || true
}
trap cleanup EXIT
# The JFR settings: the JDK's default (or profile) ones with monitor waits recorded from 10 ms.
if [[ -n ${PROFILE:-} ]]; then
	JAVA_OPTS="$JAVA_OPTS -XX:FlightRecorderOptions:stackdepth=256"
	JFC=profile.jfc
else
	JFC=default.jfc
fi
sed '/name="jdk.JavaMonitorEnter"/,/<\/event>/ s/>20 ms</>10 ms</' "$JAVA_HOME/lib/jfr/$JFC" > "$OUT/monitor.jfc"

start_app() { # name port prefix props...
	local name=$1 port=$2 prefix=$3
	shift 3
	# Another process on the port would answer the readiness probe below in this app's place.
	if (: < "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
		echo "port $port is taken by another process: set PORT / PORT2" >&2
		exit 1
	fi
	# shellcheck disable=SC2086
	java $JAVA_OPTS -jar "${APP_JAR:-$JAR}" --server.port="$port" --spring.profiles.active=postgres \
		--spring.datasource.url="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB" --spring.datasource.username="$PG_USER" \
		--metering.jdbc.table-prefix="$prefix" $APP_PROPS "$@" > "$OUT/$name.log" 2>&1 &
	APPS+=($!)
	STARTED=$!
	for _ in $(seq 1 180); do
		if [[ $(curl -s -o /dev/null -w '%{http_code}' -H "$TENANT_HEADER: probe" "http://127.0.0.1:$port/api/ping") == 200 ]]; then
			return 0
		fi
		kill -0 "$STARTED" 2> /dev/null || { echo "$name did not start: see $OUT/$name.log" >&2; exit 1; }
		sleep 0.5
	done
	echo "$name did not answer in 90 s: see $OUT/$name.log" >&2
	exit 1
}

stop_app() { # pid: graceful, so the writer drains its buffer into the ledger
	kill -TERM "$1"
	wait "$1" || true
	local remaining=()
	for pid in "${APPS[@]}"; do [[ $pid == "$1" ]] || remaining+=("$pid"); done
	APPS=("${remaining[@]}")
}

start_broker() { # a single-node KRaft broker on 127.0.0.1 from the Kafka jars inside BROKER_JAR; data under OUT/kafka
	local dir=$OUT/kafka id
	if (: < "/dev/tcp/127.0.0.1/$KAFKA_PORT") 2> /dev/null; then
		echo "port $KAFKA_PORT is taken by another process: set KAFKA_PORT" >&2
		exit 1
	fi
	mkdir -p "$dir"
	printf '%s\n' process.roles=broker,controller node.id=1 "controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT" \
		"listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT" \
		"advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT" controller.listener.names=CONTROLLER \
		listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT inter.broker.listener.name=PLAINTEXT \
		"log.dirs=$dir/data" offsets.topic.replication.factor=1 offsets.topic.num.partitions=3 \
		transaction.state.log.replication.factor=1 transaction.state.log.min.isr=1 group.initial.rebalance.delay.ms=0 \
		auto.create.topics.enable=false > "$dir/server.properties"
	printf '%s\n' '<configuration>' '  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">' \
		'    <encoder><pattern>%d %-5level %logger{30} - %msg%n</pattern></encoder>' '  </appender>' \
		'  <root level="WARN"><appender-ref ref="out"/></root>' '</configuration>' > "$dir/logback.xml"
	# Kafka's cluster id: 16 random bytes in URL-safe base64, never starting with '-' (the storage tool would take it for an option).
	id=$(python3 -c 'import base64, uuid
while True:
	i = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
	if not i.startswith("-"):
		print(i)
		break')
	# Boot's PropertiesLauncher runs loader.main with the fat jar's libraries (BOOT-INF/lib) on the class path.
	java -Dlogback.configurationFile="$dir/logback.xml" -cp "$BROKER_JAR" -Dloader.main=kafka.tools.StorageTool \
		org.springframework.boot.loader.launch.PropertiesLauncher format -t "$id" -c "$dir/server.properties" > "$dir/storage.log" 2>&1
	# shellcheck disable=SC2086
	java $BROKER_OPTS -Dlogback.configurationFile="$dir/logback.xml" -cp "$BROKER_JAR" -Dloader.main=kafka.Kafka \
		org.springframework.boot.loader.launch.PropertiesLauncher "$dir/server.properties" > "$dir/broker.log" 2>&1 &
	BROKER=$!
	for _ in $(seq 1 180); do
		if (: < "/dev/tcp/127.0.0.1/$KAFKA_PORT") 2> /dev/null && kill -0 "$BROKER" 2> /dev/null; then
			return 0
		fi
		kill -0 "$BROKER" 2> /dev/null || { echo "the Kafka broker did not start: see $dir/broker.log" >&2; exit 1; }
		sleep 0.5
	done
	echo "the Kafka broker did not listen in 90 s: see $dir/broker.log" >&2
	exit 1
}

kafka_drained() { # port: waits until the writer's buffer is empty and the consumer's lag is 0; prints the seconds waited
	# Twice in a row, half a second apart: a batch the writer has just taken from its buffer is in
	# neither count until it is produced.
	local started=$SECONDS quiet=0 state="? ?"
	while ((SECONDS - started < KAFKA_DRAIN)); do
		state=$(curl -s "http://127.0.0.1:$1/actuator/health" | python3 -c 'import json, sys
def find(node, key):
	if isinstance(node, dict):
		if key in node:
			return node[key]
		for value in node.values():
			found = find(value, key)
			if found is not None:
				return found
	return None
try:
	health = json.load(sys.stdin)
	print(find(health, "writerBacklog"), find(health, "lag"))
except Exception:
	print("? ?")')
		if [[ $state == "0 0" ]]; then
			quiet=$((quiet + 1))
			if ((quiet >= 2)); then
				echo "lag 0 after $((SECONDS - started)) s"
				return 0
			fi
		else
			quiet=0
		fi
		sleep 0.5
	done
	echo "NOT drained in ${KAFKA_DRAIN} s (writer backlog, lag: $state)"
}

ticks() { # pid...: utime + stime of processes (an empty pid counts nothing)
	local total=0 pid
	for pid in "$@"; do
		[[ -n $pid ]] && total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{ n = $12 + $13 } END { print n + 0 }')))
	done
	echo "$total"
}

thread_ticks() { # pid: "group ticks" per thread group of a JVM
	for stat in /proc/"$1"/task/*/stat; do cat "$stat" 2> /dev/null || true; done | awk '{
		name = substr($0, index($0, "(") + 1); name = substr(name, 1, match(name, /\) [A-Z] /) - 1)
		rest = substr($0, match($0, /\) [A-Z] /) + 2); split(rest, f, " ")
		group = "other"
		if (name ~ /^http-nio/) group = "request"
		else if (name ~ /^metering-ledger/) group = "writer"
		else if (name ~ /^metering-/) group = "kit-other"
		else if (name ~ /^kafka-/) group = "kafka-client"
		else if (name ~ /^(GC Thread|G1 |VM Thread|VM Periodic)/) group = "gc-vm"
		else if (name ~ /^C[12] Compiler/) group = "jit"
		else if (name ~ /^(JFR|Attach)/) group = "jfr"
		sum[group] += f[12] + f[13]
	} END { for (g in sum) print g, sum[g] }'
}

jfr_warm() { # pid: a recording with the round's settings through the warm-up, discarded after the round
	# Starting JFR instruments JDK classes (socket and file events), which throws away their compiled
	# code: started only for the measured window, it sent a warm app back to interpreted code
	# (20,100 -> 188 req/s). Started before the warm-up, that happens while warming; the round's
	# own recording then changes nothing.
	jcmd "$1" JFR.start name=warm settings="$OUT/monitor.jfc" disk=false > /dev/null
}

jit_ticks() { # pid...: CPU ticks of the JIT compiler threads of JVMs (an empty pid counts nothing)
	local total=0 pid
	for pid in "$@"; do
		[[ -n $pid ]] && total=$((total + $(thread_ticks "$pid" | awk '$1 == "jit" { n = $2 } END { print n + 0 }')))
	done
	echo "$total"
}

pg_ticks() { # CPU of the PostgreSQL backends connected to this run's database
	local total=0 pid
	for pid in $(pgrep -x postgres || true); do
		# Backends of other databases come and go meanwhile: a vanished one is skipped.
		if { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2> /dev/null | grep -q " $DB "; then
			total=$((total + $(ticks "$pid" 2> /dev/null || echo 0)))
		fi
	done
	echo "$total"
}

pg_all_ticks() { # CPU of every PostgreSQL process: backends of any database, WAL writer, checkpointer, autovacuum
	local total=0 pid
	for pid in $(pgrep -x postgres || true); do
		total=$((total + $(ticks "$pid" 2> /dev/null || echo 0)))
	done
	echo "$total"
}

machine_ticks() { # "busy idle steal" ticks of the whole machine (all cores) from /proc/stat
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6, $9 }' /proc/stat
}

machine_us() { # before after pg-other-ticks app-ticks pg-ticks requests [broker-ticks]: where the machine's time went
	# Busy is every core's non-idle time; what is neither the app, PostgreSQL nor the Kafka broker is
	# wrk, the kernel's work for the sockets and whatever else ran. Idle and steal (the hypervisor's) in %.
	local b0 i0 s0 b1 i1 s1
	read -r b0 i0 s0 <<< "$1"
	read -r b1 i1 s1 <<< "$2"
	awk -v b="$((b1 - b0))" -v i="$((i1 - i0))" -v s="$((s1 - s0))" -v pgo="$3" -v app="$4" -v pg="$5" -v n="$6" -v br="${7:-0}" -v t="$TICK_US" \
		'BEGIN { printf "%.1f (PostgreSQL other %.1f, rest %.1f); idle %.0f %%, steal %.0f %%", b * t / n, pgo * t / n,
			(b - app - pg - pgo - br) * t / n, 100 * i / (b + i + s), 100 * s / (b + i + s) }'
}

group_us() { # before-file after-file requests: "group=µs/request ..." of the thread groups
	awk -v requests="$3" -v tick="$TICK_US" 'NR == FNR { before[$1] = $2; next }
		{ d = $2 - before[$1]; if (d > 0) printf "%s=%.1f ", $1, d * tick / requests }' "$1" "$2"
}

monitor_waits() { # recording: "waits ≥10 ms (total s) / with a kit class in the stack (total s)"
	jfr print --events jdk.JavaMonitorEnter "$1" | awk '
		function seconds(v, u) { return u == "s" ? v : u == "ms" ? v / 1e3 : u == "us" ? v / 1e6 : u == "ns" ? v / 1e9 : v * 60 }
		/^jdk.JavaMonitorEnter/ { inside = 1; kit = 0; d = 0 }
		inside && $1 == "duration" { d = seconds($3, $4) }
		inside && /dev\.metering\./ { kit = 1 }
		inside && /^}/ { inside = 0; if (d >= 0.010) { all++; allt += d; if (kit) { k++; kt += d } } }
		END { printf "%d (%.1f s) / kit %d (%.1f s)", all, allt, k, kt }'
}

wrk_field() { # wrk-output field
	case $2 in
		rps) awk '/^Requests\/sec/ { print $2 }' "$1" ;;
		p99) awk '$1 == "99%" { print $2 }' "$1" ;;
		requests) awk '/requests in/ { n += $1 } END { print n + 0 }' "$1" ;; # summed over warm-up slices
		non2xx) awk '/Non-2xx/ { print $NF }' "$1" | grep . || echo 0 ;;
	esac
}

writer_dropped() { # port log: the events the app's writer dropped because its buffer was full
	# The actuator's "metering" endpoint counts them; without quotas it is not there, and the writer's
	# log tells instead: the first drop is always logged, with the count since start.
	curl -s "http://127.0.0.1:$1/actuator/metering" | python3 -c 'import json, re, sys
try:
	print(json.load(sys.stdin)["writer"]["dropped"])
except Exception:
	counts = re.findall(r"dropped events, (\d+) in all since start", open(sys.argv[1], errors="replace").read())
	print(("≥ " + counts[-1]) if counts else "0 (log)")' "$2"
}

ledger_rows() { # prefix [condition]
	"${PSQL[@]}" -d "$DB" -c "SELECT COUNT(*) FROM ${1}usage_event WHERE tenant_id <> 'probe' ${2:-}" 2> /dev/null || echo "-"
}

RESULTS=$OUT/results.md
{
	echo "Load run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS, ${DURATION} s measured after warm-up slices of ${WARMUP} s until the JIT threads took ≤ ${JIT_QUIET} % of the app CPU (${MIN_WARMUP}–${MAX_WARMUP} s), database $DB"
	echo
	echo "| set-up | round | req/s | p99 | app CPU µs/req | PostgreSQL CPU µs/req | Kafka broker CPU µs/req | app CPU by thread group (µs/req) | machine CPU µs/req | ledger rows / responses | dropped | non-2xx | JFR monitor waits ≥ 10 ms | warm-up s | load avg |"
	echo "|---|---|---:|---:|---:|---:|---:|---|---|---|---:|---:|---|---:|---|"
} > "$RESULTS"

run_single() { # setup round
	local setup=$1 round=$2 prefix="${1//-/_}_r${2}_" script=() header=(-H "$TENANT_HEADER: acme") props=()
	APP_JAR=$JAR
	if [[ $setup == *-base ]]; then
		APP_JAR=${BASE_JAR:?"set-up $setup needs BASE_JAR"}
	fi
	case ${setup%-base} in
		off) props=(--metering.enabled=false) ;;
		on) props=(--metering.quota.enabled=false) ;;
		kafka) props=(--metering.quota.enabled=false --spring.profiles.active=postgres,kafka
			--spring.kafka.bootstrap-servers="127.0.0.1:$KAFKA_PORT" --metering.kafka.topic="load-${prefix}events"
			--metering.ledger.consumer.group="load-${prefix}ledger") ;;
		discard) props=(--metering.quota.enabled=false --spring.profiles.active=postgres,discard) ;;
		bucket4j) APP_JAR=$BUCKET4J_JAR ;;
		quota) props=("${BENCH_PLAN[@]}" --metering.tenants.acme.plan=bench) ;;
		thresholds) props=("${BENCH_PLAN[@]}" --metering.tenants.acme.plan=bench "${THRESHOLDS[@]}") ;;
		tenants1000) props=("${BENCH_PLAN[@]}" --metering.default-plan=bench)
			script=(-s "$HERE/tenants.lua") header=() ;;
		newtenant) props=("${BENCH_PLAN[@]}" --metering.default-plan=bench)
			script=(-s "$HERE/new-tenant.lua") header=() ;;
		tenants100k) props=("${BENCH_PLAN[@]}" --metering.default-plan=bench)
			script=(-s "$HERE/zipf.lua") header=() ;;
		*) echo "unknown set-up $setup" >&2; exit 1 ;;
	esac
	local args=()
	case ${setup%-base} in
		tenants1000) args=(-- 1000 "$TENANT_HEADER") ;;
		tenants100k) args=(-- 100000 1.1 "$TENANT_HEADER") ;;
		newtenant) args=(-- "$TENANT_HEADER" "r$round") ;;
	esac
	local name="$setup-r$round"
	start_app "$name" "$PORT" "$prefix" "${props[@]}"
	local pid=$STARTED broker=
	[[ ${setup%-base} == kafka ]] && broker=$BROKER
	local warm_args=("${args[@]}") slice=0 warmed=0 jit0 jit1 all0 all1
	: > "$OUT/$name.warmup.txt"
	jfr_warm "$pid"
	while :; do # warm-up slices until the JIT compiler threads go quiet (see WARMUP in the header)
		slice=$((slice + 1))
		[[ ${setup%-base} == newtenant ]] && warm_args=(-- "$TENANT_HEADER" "w${round}s$slice")
		jit0=$(jit_ticks "$pid" "$broker"); all0=$(ticks "$pid" "$broker")
		wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${header[@]}" "${script[@]}" "http://127.0.0.1:$PORT/api/ping" "${warm_args[@]}" >> "$OUT/$name.warmup.txt"
		jit1=$(jit_ticks "$pid" "$broker"); all1=$(ticks "$pid" "$broker")
		warmed=$((warmed + WARMUP))
		echo "warm-up slice $slice: jit $((jit1 - jit0)) of $((all1 - all0)) ticks" >> "$OUT/$name.warmup.txt"
		if ((warmed >= MIN_WARMUP && (jit1 - jit0) * 100 <= JIT_QUIET * (all1 - all0))) || ((warmed >= MAX_WARMUP)); then
			break
		fi
	done
	jcmd "$pid" JFR.start name=round settings="$OUT/monitor.jfc" > /dev/null
	local app0 pg0 pga0 m0 br0=0 load
	thread_ticks "$pid" > "$OUT/$name.threads0"
	app0=$(ticks "$pid"); pg0=$(pg_ticks); pga0=$(pg_all_ticks); m0=$(machine_ticks)
	[[ -n $broker ]] && br0=$(ticks "$broker")
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${header[@]}" "${script[@]}" "http://127.0.0.1:$PORT/api/ping" "${args[@]}" > "$OUT/$name.wrk.txt"
	local app1 pg1 pga1 m1 br1=0
	m1=$(machine_ticks); app1=$(ticks "$pid"); pg1=$(pg_ticks); pga1=$(pg_all_ticks)
	[[ -n $broker ]] && br1=$(ticks "$broker")
	thread_ticks "$pid" > "$OUT/$name.threads1"
	load=$(cut -d' ' -f1 /proc/loadavg)
	jcmd "$pid" JFR.stop name=round filename="$OUT/$name.jfr" > /dev/null
	jcmd "$pid" JFR.stop name=warm > /dev/null
	local dropped
	jcmd "$pid" Compiler.codecache > "$OUT/$name.codecache.txt" 2>&1 || true
	dropped=$([[ ${setup%-base} == off || $setup == bucket4j ]] && echo "-" || writer_dropped "$PORT" "$OUT/$name.log")
	local drained= rows_running=
	if [[ -n $broker ]]; then # the ledger counted once the consumer has caught up, with the app still running
		drained=$(kafka_drained "$PORT")
		rows_running=$(ledger_rows "$prefix")
	fi
	stop_app "$pid"
	local requests rps p99 non2xx warm rows
	requests=$(wrk_field "$OUT/$name.wrk.txt" requests)
	warm=$(wrk_field "$OUT/$name.warmup.txt" requests)
	rps=$(wrk_field "$OUT/$name.wrk.txt" rps)
	p99=$(wrk_field "$OUT/$name.wrk.txt" p99)
	non2xx=$(wrk_field "$OUT/$name.wrk.txt" non2xx)
	rows=$([[ ${setup%-base} == off || $setup == bucket4j ]] && echo "-" || ledger_rows "$prefix")
	local responses=$((warm + requests)) broker_us="-"
	if [[ -n $broker ]]; then
		# The count at lag 0 is the check; after the stop the ledger must hold the same rows.
		rows="$rows_running / $responses ($drained; $rows after the stop)"
		broker_us=$(printf '%.1f' "$(echo "($br1 - $br0) * $TICK_US / $requests" | bc -l)")
	else
		rows="$rows / $responses"
	fi
	printf '| %s | %s | %s | %s | %.1f | %.1f | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$setup" "$round" "$rps" "$p99" \
		"$(echo "($app1 - $app0) * $TICK_US / $requests" | bc -l)" "$(echo "($pg1 - $pg0) * $TICK_US / $requests" | bc -l)" \
		"$broker_us" "$(group_us "$OUT/$name.threads0" "$OUT/$name.threads1" "$requests")" \
		"$(machine_us "$m0" "$m1" "$(((pga1 - pga0) - (pg1 - pg0)))" "$((app1 - app0))" "$((pg1 - pg0))" "$requests" "$((br1 - br0))")" \
		"$rows" "$dropped" "$non2xx" \
		"$(monitor_waits "$OUT/$name.jfr")" "$warmed" "$load" | tee -a "$RESULTS"
	if [[ -n ${PROFILE:-} ]]; then
		python3 "$HERE/jfr_breakdown.py" "$OUT/$name.jfr" "$requests" > "$OUT/$name.breakdown.txt"
	fi
}

run_two() { # round: two instances, one database, one tenant, a hard daily limit reached mid-run
	local round=$1 prefix="two_r${1}_"
	local props=(--metering.plans.two.quotas[0].meter=http.requests --metering.plans.two.quotas[0].limit="$TWO_LIMIT"
		--metering.plans.two.quotas[0].window=day --metering.plans.two.quotas[0].enforcement=hard
		--metering.tenants.shared.plan=two)
	start_app "two-a-r$round" "$PORT" "$prefix" "${props[@]}"
	local a=$STARTED
	start_app "two-b-r$round" "$PORT2" "$prefix" "${props[@]}"
	local b=$STARTED
	local half=$((CONNECTIONS / 2))
	jfr_warm "$a"
	jfr_warm "$b"
	wrk -t1 -c"$half" -d"${WARMUP}s" -H "$TENANT_HEADER: warm" "http://127.0.0.1:$PORT/api/ping" > "$OUT/two-a-r$round.warmup.txt" &
	local warm_a=$!
	wrk -t1 -c"$half" -d"${WARMUP}s" -H "$TENANT_HEADER: warm" "http://127.0.0.1:$PORT2/api/ping" > "$OUT/two-b-r$round.warmup.txt"
	wait "$warm_a"
	jcmd "$a" JFR.start name=round settings="$OUT/monitor.jfc" > /dev/null
	jcmd "$b" JFR.start name=round settings="$OUT/monitor.jfc" > /dev/null
	local app0 pg0
	app0=$(($(ticks "$a") + $(ticks "$b"))); pg0=$(pg_ticks)
	wrk -t1 -c"$half" -d"${TWO_DURATION}s" --latency -H "$TENANT_HEADER: shared" -s "$HERE/count-status.lua" "http://127.0.0.1:$PORT/api/ping" > "$OUT/two-a-r$round.wrk.txt" &
	local wrk_a=$!
	wrk -t1 -c"$half" -d"${TWO_DURATION}s" --latency -H "$TENANT_HEADER: shared" -s "$HERE/count-status.lua" "http://127.0.0.1:$PORT2/api/ping" > "$OUT/two-b-r$round.wrk.txt"
	wait "$wrk_a"
	local app1 pg1 load
	app1=$(($(ticks "$a") + $(ticks "$b"))); pg1=$(pg_ticks)
	load=$(cut -d' ' -f1 /proc/loadavg)
	jcmd "$a" JFR.stop name=round filename="$OUT/two-a-r$round.jfr" > /dev/null
	jcmd "$b" JFR.stop name=round filename="$OUT/two-b-r$round.jfr" > /dev/null
	jcmd "$a" JFR.stop name=warm > /dev/null
	jcmd "$b" JFR.stop name=warm > /dev/null
	stop_app "$a"
	stop_app "$b"
	local ok=0 denied=0 requests=0 rps=0 f
	for f in "$OUT/two-a-r$round.wrk.txt" "$OUT/two-b-r$round.wrk.txt"; do
		ok=$((ok + $(awk '$1 == "status" && $2 == 200 { n = $3 } END { print n + 0 }' "$f")))
		denied=$((denied + $(awk '$1 == "status" && $2 == 429 { n = $3 } END { print n + 0 }' "$f")))
		requests=$((requests + $(wrk_field "$f" requests)))
		rps=$(echo "$rps + $(wrk_field "$f" rps)" | bc -l)
	done
	local rows
	rows=$(ledger_rows "$prefix" "AND tenant_id = 'shared' AND meter = 'http.requests'")
	printf '| two instances, limit %s | %s | %.0f (sum) | %s / %s | %.1f | %.1f | – | allowed (200) %s, denied (429) %s, of %s | – | ledger rows of the tenant %s | – | %s | a: %s; b: %s | %s | %s |\n' \
		"$TWO_LIMIT" "$round" "$rps" "$(wrk_field "$OUT/two-a-r$round.wrk.txt" p99)" "$(wrk_field "$OUT/two-b-r$round.wrk.txt" p99)" \
		"$(echo "($app1 - $app0) * $TICK_US / $requests" | bc -l)" "$(echo "($pg1 - $pg0) * $TICK_US / $requests" | bc -l)" \
		"$ok" "$denied" "$requests" "$rows" "$((requests - ok - denied))" \
		"$(monitor_waits "$OUT/two-a-r$round.jfr")" "$(monitor_waits "$OUT/two-b-r$round.jfr")" "$WARMUP" "$load" | tee -a "$RESULTS"
}

[[ -n $WITH_KAFKA ]] && start_broker
for round in $(seq 1 "$ROUNDS"); do
	order=("${SETUPS[@]}")
	if ((round % 2 == 0)); then # alternate: every other round runs the set-ups in reverse order
		order=()
		for ((i = ${#SETUPS[@]} - 1; i >= 0; i--)); do order+=("${SETUPS[i]}"); done
	fi
	for setup in "${order[@]}"; do
		if [[ $setup == twoinstances ]]; then run_two "$round"; else run_single "$setup" "$round"; fi
	done
done
python3 "$HERE/summarize.py" "$RESULTS" > "$OUT/summary.md"
echo
cat "$OUT/summary.md"
echo
echo "Results: $RESULTS and $OUT/summary.md (logs, JFR recordings and code-cache reports beside them)"
