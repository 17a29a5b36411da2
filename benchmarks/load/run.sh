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
#   newtenant-shares  newtenant with cold shares on (metering.quota.lease.cold-shares.enabled=true; not in the
#             default list): compare run.sh quota newtenant newtenant-shares
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
# Interleaved mode, INTERLEAVE=1 (e.g. INTERLEAVE=1 benchmarks/load/run.sh off on discard bucket4j): launches
#   measured one after the other see different machines (the host's speed drifts over minutes, neighbouring
#   launches move together, a process outside the run takes CPU now and then), so a launch pair's ratio moved
#   by ±24 % while the medians looked steady. Instead, per round every set-up's app is started at once (ports
#   PORT, PORT+1, ... in the order given), each is warmed alone in turn as above while the others idle (the idle
#   apps' CPU is shown apart in the machine column: small, and alike for every set-up), each gets a REWARM-second slice, and then the measurement rotates: SLICES
#   slices of SLICE seconds per set-up, A B C D A B C D ..., the rotation starting one set-up later every
#   round. Per set-up the harness sums over its slices the requests, its app's CPU, the CPU of the PostgreSQL
#   backends of that app's connections (told apart by the connections' application name), every PostgreSQL
#   process's and the idle apps' CPU, and the machine's busy/idle/stolen time; so the drift hits every
#   set-up of a round alike and each round is a launch pair with off. p99 is the worst and the median
#   slice's; the other columns as above. summary.md adds every round's ratio to off (req/s, app CPU added),
#   whether every round reaches the set-up's aim (AIM_ON [0.85], AIM_DISCARD [0.97], AIM_<SET-UP> for any
#   other) and the kit's added app CPU as a share of bucket4j's per round. Not for twoinstances. A round
#   takes about n × (warm-up + REWARM + SLICES × SLICE + 2) seconds plus the apps' start for n set-ups
#   (off on discard bucket4j with MAX_WARMUP=35 and the defaults: 4.6 minutes on the 2-core machine).
# Set-up thresholds (not in the default list): quota's set-up with three thresholds (absolute amounts) and a
#   webhook to a port nobody listens on (connection refused: deliveries retried off the request path). Its
#   warm-up drives the tenant acme-warm (same plan), so acme starts the measured window at zero and crosses
#   all three thresholds in it (500, 2,000 and 10,000 requests: the first second or two).
# Set-up hanging (not in the default list): thresholds, but the webhook is a local receiver (python3, on a free
#   port of 127.0.0.1, started here and stopped at the end) that accepts every connection and never answers,
#   holding it HANG [75] seconds (the app's read-timeout is raised above it, so each attempt hangs the whole
#   time, then fails and is retried). The issue's
#   acceptance "no request waits for a webhook": its p99 is quota's. Compare: run.sh quota thresholds hanging
# For thresholds and hanging, outbox.md (appended to results.md and summary.md) gives per launch the outbox's
#   notification rows (all, and acme's emitted in the measured window), delivery rows, their attempts and
#   states, the receiver's connections, and outbox rows per 1 M requests (the issue's "= number of crossings").
# Set-up grants (not in the default list): thresholds' set-up with the request meter grant-backed (hard) on the
#   bench plan, acme and acme-warm each holding one grant nobody spends (created through the admin API before their
#   first request):
#   every check also takes from the grants' leased balance. Compare: benchmarks/load/run.sh quota grants
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
#   INTERLEAVE [unset] 1 for the interleaved mode; SLICES [6] slices of SLICE [4] seconds per set-up and round,
#     after a re-warm slice of REWARM [3] seconds; DURATION is not used then
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
INTERLEAVE=${INTERLEAVE:-}
SLICES=${SLICES:-6}
SLICE=${SLICE:-4}
REWARM=${REWARM:-3}
OUT=${OUT:-$HERE/target/run-$(date -u +%Y%m%d-%H%M%S)}
SETUPS=(${*:-off on discard quota tenants1000 tenants100k newtenant bucket4j twoinstances})
KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
BROKER_JAR=${BROKER_JAR:-benchmarks/target/benchmarks.jar}
BROKER_OPTS=${BROKER_OPTS:--Xms512m -Xmx512m}
KAFKA_DRAIN=${KAFKA_DRAIN:-120}
WITH_KAFKA=
for setup in "${SETUPS[@]}"; do [[ ${setup%-base} == kafka ]] && WITH_KAFKA=1; done

# Three thresholds of the bench quota, crossed by acme's traffic early in the measured window (its warm-up
# drives acme-warm), and a webhook: nobody listens on port 9 (thresholds) or the hanging receiver (hanging).
HANG=${HANG:-75}
THRESHOLD_PLAN=(--metering.plans.bench.quotas[0].thresholds=500,2000,10000 --metering.tenants.acme.plan=bench
	--metering.tenants.acme-warm.plan=bench)
HOOK_SECRET=--metering.webhooks.endpoints[0].secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
THRESHOLDS=("${THRESHOLD_PLAN[@]}" --metering.webhooks.endpoints[0].url=http://127.0.0.1:9/metering-hooks "$HOOK_SECRET")

# The request meter grant-backed on the bench plan, and the admin API to create acme's grant (key for this run only).
ADMIN_KEY=load-run-admin-key-$$-$RANDOM
GRANT_BACKED=(--metering.plans.bench.grant-backed[http.requests]=hard
	--metering.admin.web.enabled=true --metering.admin.web.api-key="$ADMIN_KEY")

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
if [[ -n $INTERLEAVE && " ${SETUPS[*]} " == *" twoinstances "* ]]; then
	echo "twoinstances drives two apps at once itself: run it without INTERLEAVE" >&2
	exit 1
fi
if [[ -n $INTERLEAVE && -n $WITH_KAFKA ]]; then
	echo "kafka counts its broker's CPU per launch: run it without INTERLEAVE" >&2
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
RECEIVER=
BROKER=
cleanup() {
	for pid in "${APPS[@]}"; do kill "$pid" 2> /dev/null || true; done
	for pid in "${APPS[@]}"; do wait "$pid" 2> /dev/null || true; done
	if [[ -n $RECEIVER ]]; then kill "$RECEIVER" 2> /dev/null || true; wait "$RECEIVER" 2> /dev/null || true; fi
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

start_app() { # name port prefix props...: the app started and answering (its pid in STARTED)
	launch_app "$@"
	await_app "$1" "$2" "$STARTED"
}

launch_app() { # name port prefix props...: the app's JVM started in the background (its pid in STARTED)
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
}

await_app() { # name port pid: until the app answers
	local name=$1 port=$2 pid=$3
	for _ in $(seq 1 180); do
		if [[ $(curl -s -o /dev/null -w '%{http_code}' -H "$TENANT_HEADER: probe" "http://127.0.0.1:$port/api/ping") == 200 ]]; then
			return 0
		fi
		kill -0 "$pid" 2> /dev/null || { echo "$name did not start: see $OUT/$name.log" >&2; exit 1; }
		sleep 0.5
	done
	echo "$name did not answer in 90 s: see $OUT/$name.log" >&2
	exit 1
}

create_grant() { # port tenant: a grant of the request meter nobody spends, before the tenant's first request
	local status
	status=$(curl -s -o "$OUT/grant-$2.json" -w '%{http_code}' -X POST -H "X-Metering-Admin-Key: $ADMIN_KEY" \
		-H 'Content-Type: application/json' -d '{"meter":"http.requests","amount":1000000000000,"description":"load run"}' \
		"http://127.0.0.1:$1/metering/admin/tenants/$2/grants")
	[[ $status == 201 ]] || { echo "creating $2's grant answered $status: see $OUT/grant-$2.json" >&2; exit 1; }
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

start_receiver() { # the hanging webhook receiver on a free port of 127.0.0.1; sets RECEIVER_PORT
	# Accepts every connection, reads what comes and never answers; closes it after HANG seconds (or
	# when the client does). Logs one line per connection to receiver.log.
	rm -f "$OUT/receiver.port"
	python3 -u -c 'import socket, sys, threading, time
hang, port_file = float(sys.argv[1]), sys.argv[2]
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(128)
open(port_file + ".tmp", "w").write(str(server.getsockname()[1]))
__import__("os").rename(port_file + ".tmp", port_file)
def hold(conn, n):
	start = time.time()
	conn.settimeout(1)
	received = 0
	while time.time() - start < hang:
		try:
			data = conn.recv(65536)
		except socket.timeout:
			continue
		except OSError:
			break
		if not data:
			break
		received += len(data)
	conn.close()
	print("connection %d closed after %.1f s, %d bytes received, never answered" % (n, time.time() - start, received))
n = 0
while True:
	conn, _ = server.accept()
	n += 1
	print("connection %d accepted at %.3f" % (n, time.time()))
	threading.Thread(target=hold, args=(conn, n), daemon=True).start()' "$HANG" "$OUT/receiver.port" > "$OUT/receiver.log" 2>&1 &
	RECEIVER=$!
	for _ in $(seq 1 50); do
		[[ -f $OUT/receiver.port ]] && break
		sleep 0.1
	done
	RECEIVER_PORT=$(cat "$OUT/receiver.port")
}

receiver_connections() { # the connections the hanging receiver accepted so far
	[[ -f $OUT/receiver.log ]] && awk '/accepted/ { n++ } END { print n + 0 }' "$OUT/receiver.log" || echo 0
}

outbox_row() { # setup round prefix requests window-start-ms window-end-ms: a row of outbox.md
	local counts
	# Notification rows have endpoint_id '-'; a crossing is emitted within threshold-check-interval
	# (1 s) of the request, so acme's count in the window allows 3 s after its end.
	counts=$("${PSQL[@]}" -F ' ' -d "$DB" -c "SELECT
		COUNT(*) FILTER (WHERE endpoint_id = '-'),
		COUNT(*) FILTER (WHERE endpoint_id = '-' AND body LIKE '%\"subject\":\"acme\"%' AND created_at BETWEEN $5 AND $6 + 3000),
		COUNT(*) FILTER (WHERE endpoint_id <> '-'),
		COALESCE(SUM(attempts) FILTER (WHERE endpoint_id <> '-'), 0),
		COUNT(*) FILTER (WHERE endpoint_id <> '-' AND state = 'delivered'),
		COALESCE(MAX(last_error) FILTER (WHERE endpoint_id <> '-'), '-')
		FROM ${3}webhook_outbox" 2> /dev/null || echo "- - - - - -")
	local events acme deliveries attempts delivered error connections
	read -r events acme deliveries attempts delivered error <<< "$counts"
	connections=-
	[[ ${1%-base} == hanging ]] && connections=$(($(receiver_connections) - RECEIVER_BEFORE))
	local per_million=-
	[[ $events =~ ^[0-9]+$ && $deliveries =~ ^[0-9]+$ ]] && per_million=$(printf '%.1f' "$(echo "($events + $deliveries) * 1000000 / $4" | bc -l)")
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$events" "$acme" "$deliveries" "$attempts" \
		"$delivered" "$connections" "$error" "$per_million" >> "$OUT/outbox.md"
}

RESULTS=$OUT/results.md
{
	if [[ -n $INTERLEAVE ]]; then
		echo "Interleaved load run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS; per round every set-up's app at once, each warmed in turn in slices of ${WARMUP} s until the JIT threads took ≤ ${JIT_QUIET} % of the app CPU (${MIN_WARMUP}–${MAX_WARMUP} s), re-warmed ${REWARM} s, then measured in ${SLICES} rotating slices of ${SLICE} s; p99 the worst and the median slice's; database $DB"
	else
	echo "Load run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS, ${DURATION} s measured after warm-up slices of ${WARMUP} s until the JIT threads took ≤ ${JIT_QUIET} % of the app CPU (${MIN_WARMUP}–${MAX_WARMUP} s), database $DB"
	fi
	echo
	echo "| set-up | round | req/s | p99 | app CPU µs/req | PostgreSQL CPU µs/req | Kafka broker CPU µs/req | app CPU by thread group (µs/req) | machine CPU µs/req | ledger rows / responses | dropped | non-2xx | JFR monitor waits ≥ 10 ms | warm-up s | load avg |"
	echo "|---|---|---:|---:|---:|---:|---:|---|---|---|---:|---:|---|---:|---|"
} > "$RESULTS"

setup_config() { # setup round: the set-up's app into APP_JAR and SETUP_PREFIX, SETUP_PROPS, SETUP_SCRIPT, SETUP_HEADER, SETUP_ARGS (wrk)
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
		thresholds) props=("${BENCH_PLAN[@]}" "${THRESHOLDS[@]}") ;;
		hanging) [[ -n $RECEIVER ]] || start_receiver
			props=("${BENCH_PLAN[@]}" "${THRESHOLD_PLAN[@]}" "$HOOK_SECRET"
				--metering.webhooks.endpoints[0].url="http://127.0.0.1:$RECEIVER_PORT/metering-hooks"
				--metering.webhooks.read-timeout=$((HANG + 15))s --metering.webhooks.claim-timeout=$((HANG + 60))s) ;;
		grants) props=("${BENCH_PLAN[@]}" "${THRESHOLDS[@]}" "${GRANT_BACKED[@]}") ;;
		tenants1000) props=("${BENCH_PLAN[@]}" --metering.default-plan=bench)
			script=(-s "$HERE/tenants.lua") header=() ;;
		newtenant) props=("${BENCH_PLAN[@]}" --metering.default-plan=bench)
			script=(-s "$HERE/new-tenant.lua") header=() ;;
		newtenant-shares) props=("${BENCH_PLAN[@]}" --metering.default-plan=bench
			--metering.quota.lease.cold-shares.enabled=true)
			script=(-s "$HERE/new-tenant.lua") header=() ;;
		tenants100k) props=("${BENCH_PLAN[@]}" --metering.default-plan=bench)
			script=(-s "$HERE/zipf.lua") header=() ;;
		*) echo "unknown set-up $setup" >&2; exit 1 ;;
	esac
	local args=()
	case ${setup%-base} in
		tenants1000) args=(-- 1000 "$TENANT_HEADER") ;;
		tenants100k) args=(-- 100000 1.1 "$TENANT_HEADER") ;;
		newtenant | newtenant-shares) args=(-- "$TENANT_HEADER" "r$round") ;;
	esac
	SETUP_PREFIX=$prefix SETUP_PROPS=("${props[@]}") SETUP_SCRIPT=("${script[@]}") SETUP_HEADER=("${header[@]}") SETUP_ARGS=("${args[@]}")
	# thresholds, hanging and grants warm up on acme-warm (same plan), so acme starts the measured window at zero
	SETUP_WARM_HEADER=("${header[@]}")
	case ${setup%-base} in
		thresholds | hanging | grants) SETUP_WARM_HEADER=(-H "$TENANT_HEADER: acme-warm") ;;
	esac
}

warm_up() { # setup round name pid port: warm-up slices until the JIT compiler threads go quiet (see WARMUP in the header)
	local setup=$1 round=$2 name=$3 pid=$4 port=$5
	local warm_args=("${SETUP_ARGS[@]}") slice=0 warmed=0 jit0 jit1 all0 all1 broker=
	[[ ${setup%-base} == kafka ]] && broker=$BROKER # the broker's JIT warms up too
	while :; do
		slice=$((slice + 1))
		[[ ${setup%-base} == newtenant* ]] && warm_args=(-- "$TENANT_HEADER" "w${round}s$slice")
		jit0=$(jit_ticks "$pid" "$broker"); all0=$(ticks "$pid" "$broker")
		wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${SETUP_WARM_HEADER[@]}" "${SETUP_SCRIPT[@]}" "http://127.0.0.1:$port/api/ping" "${warm_args[@]}" >> "$OUT/$name.warmup.txt"
		jit1=$(jit_ticks "$pid" "$broker"); all1=$(ticks "$pid" "$broker")
		warmed=$((warmed + WARMUP))
		echo "warm-up slice $slice: jit $((jit1 - jit0)) of $((all1 - all0)) ticks" >> "$OUT/$name.warmup.txt"
		if ((warmed >= MIN_WARMUP && (jit1 - jit0) * 100 <= JIT_QUIET * (all1 - all0))) || ((warmed >= MAX_WARMUP)); then
			break
		fi
	done
	WARMED=$warmed
}

run_single() { # setup round
	local setup=$1 round=$2
	setup_config "$setup" "$round"
	local prefix=$SETUP_PREFIX props=("${SETUP_PROPS[@]}") script=("${SETUP_SCRIPT[@]}") header=("${SETUP_HEADER[@]}") args=("${SETUP_ARGS[@]}")
	local name="$setup-r$round"
	RECEIVER_BEFORE=$(receiver_connections)
	start_app "$name" "$PORT" "$prefix" "${props[@]}"
	local pid=$STARTED broker=
	[[ ${setup%-base} == kafka ]] && broker=$BROKER
	[[ ${setup%-base} == grants ]] && create_grant "$PORT" acme && create_grant "$PORT" acme-warm
	: > "$OUT/$name.warmup.txt"
	jfr_warm "$pid"
	warm_up "$setup" "$round" "$name" "$pid" "$PORT"
	local warmed=$WARMED
	jcmd "$pid" JFR.start name=round settings="$OUT/monitor.jfc" > /dev/null
	local app0 pg0 pga0 m0 br0=0 load
	thread_ticks "$pid" > "$OUT/$name.threads0"
	app0=$(ticks "$pid"); pg0=$(pg_ticks); pga0=$(pg_all_ticks); m0=$(machine_ticks)
	local window0 window1
	window0=$(date +%s%3N)
	[[ -n $broker ]] && br0=$(ticks "$broker")
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${header[@]}" "${script[@]}" "http://127.0.0.1:$PORT/api/ping" "${args[@]}" > "$OUT/$name.wrk.txt"
	window1=$(date +%s%3N)
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
	[[ ${setup%-base} =~ ^(thresholds|hanging|grants)$ ]] && sleep 3 # the last crossings' check
	local drained= rows_running=
	if [[ -n $broker ]]; then # the ledger counted once the consumer has caught up, with the app still running
		drained=$(kafka_drained "$PORT")
		rows_running=$(ledger_rows "$prefix")
	fi
	stop_app "$pid"
	local requests rps p99 non2xx warm rows
	requests=$(wrk_field "$OUT/$name.wrk.txt" requests)
	warm=$(wrk_field "$OUT/$name.warmup.txt" requests)
	if [[ ${setup%-base} =~ ^(thresholds|hanging|grants)$ ]]; then
		outbox_row "$setup" "$round" "$prefix" "$((warm + requests))" "$window0" "$window1"
	fi
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

# Interleaved mode (INTERLEAVE=1): per round every set-up's app runs at once, one port each, and the
# measurement rotates between them in short slices, so the host's drift hits every set-up of a round alike.

app_backends() { # application name: "pid ticks" of the PostgreSQL backends of that app's connections
	local pid
	for pid in $("${PSQL[@]}" -d "$DB" -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$1'"); do
		echo "$pid $(ticks "$pid" 2> /dev/null || echo 0)"
	done
}

ticks_between() { # before-file after-file: ticks used between the two "key ticks" lists, per key (a key new in after counts whole)
	awk 'FILENAME == ARGV[1] { before[$1] = $2; next } { print $1, $2 - before[$1] }' "$1" "$2"
}

to_ms() { # wrk latency (e.g. 812.00us, 6.45ms, 1.02s): milliseconds
	awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		printf "%.2f", u == "us" ? n / 1e3 : u == "s" ? n * 1e3 : u == "m" ? n * 6e4 : n }'
}

run_interleaved() { # round: start every set-up, warm each in turn, then measure them in rotating slices
	local round=$1 n=${#SETUPS[@]} i s setup
	local order=() # the rotation starts one set-up later every round
	for ((i = 0; i < n; i++)); do order+=("${SETUPS[(i + round - 1) % n]}"); done
	declare -A pid_of port_of
	for ((i = 0; i < n; i++)); do
		setup=${SETUPS[i]}
		setup_config "$setup" "$round"
		port_of[$setup]=$((PORT + i))
		# The application name tells this app's PostgreSQL backends apart from the other set-ups'.
		launch_app "$setup-r$round" "${port_of[$setup]}" "$SETUP_PREFIX" "${SETUP_PROPS[@]}" \
			--spring.datasource.hikari.data-source-properties.ApplicationName="$setup-r$round"
		pid_of[$setup]=$STARTED
		: > "$OUT/$setup-r$round.warmup.txt"
		: > "$OUT/$setup-r$round.groups"
	done
	for setup in "${SETUPS[@]}"; do # started together: a JVM's start-up leaves the second core idle much of the time
		await_app "$setup-r$round" "${port_of[$setup]}" "${pid_of[$setup]}"
		[[ ${setup%-base} == grants ]] && create_grant "${port_of[$setup]}" acme && create_grant "${port_of[$setup]}" acme-warm
		jfr_warm "${pid_of[$setup]}"
	done
	declare -A warmed_of
	for setup in "${order[@]}"; do # each warmed alone, as in the unpaired mode, while the others idle
		setup_config "$setup" "$round"
		warm_up "$setup" "$round" "$setup-r$round" "${pid_of[$setup]}" "${port_of[$setup]}"
		warmed_of[$setup]=$WARMED
	done
	for setup in "${order[@]}"; do # a short re-warm, since the first ones warmed have idled meanwhile
		setup_config "$setup" "$round"
		[[ ${setup%-base} == newtenant* ]] && SETUP_ARGS=(-- "$TENANT_HEADER" "w${round}rewarm")
		wrk -t"$THREADS" -c"$CONNECTIONS" -d"${REWARM}s" "${SETUP_HEADER[@]}" "${SETUP_SCRIPT[@]}" "http://127.0.0.1:${port_of[$setup]}/api/ping" "${SETUP_ARGS[@]}" >> "$OUT/$setup-r$round.warmup.txt"
		jcmd "${pid_of[$setup]}" JFR.start name=round settings="$OUT/monitor.jfc" > /dev/null
	done
	# Per set-up, summed over its slices: app ticks, its backends' ticks, every PostgreSQL process's
	# ticks, the other (idle) apps' ticks, and the machine's busy, idle and stolen ticks.
	declare -A app_t pg_t pga_t others_t busy_t idle_t steal_t
	for setup in "${SETUPS[@]}"; do app_t[$setup]=0 pg_t[$setup]=0 pga_t[$setup]=0 others_t[$setup]=0 busy_t[$setup]=0 idle_t[$setup]=0 steal_t[$setup]=0; done
	local name pid app0 app1 pga0 pga1 oth0 oth1 m0 m1 b0 i0 s0 b1 i1 s1 other
	for ((s = 1; s <= SLICES; s++)); do
		for setup in "${order[@]}"; do
			setup_config "$setup" "$round"
			[[ ${setup%-base} == newtenant* ]] && SETUP_ARGS=(-- "$TENANT_HEADER" "r${round}s$s")
			name=$setup-r$round pid=${pid_of[$setup]}
			# Read innermost the counters whose window must match the machine's most closely.
			thread_ticks "$pid" > "$OUT/$name.threads0"
			oth0=0
			for other in "${SETUPS[@]}"; do [[ $other == "$setup" ]] || oth0=$((oth0 + $(ticks "${pid_of[$other]}"))); done
			app_backends "$name" > "$OUT/$name.backends0"
			app0=$(ticks "$pid"); pga0=$(pg_all_ticks); m0=$(machine_ticks)
			wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SLICE}s" --latency "${SETUP_HEADER[@]}" "${SETUP_SCRIPT[@]}" "http://127.0.0.1:${port_of[$setup]}/api/ping" "${SETUP_ARGS[@]}" > "$OUT/$name.s$s.wrk.txt"
			m1=$(machine_ticks); pga1=$(pg_all_ticks); app1=$(ticks "$pid")
			app_backends "$name" > "$OUT/$name.backends1"
			oth1=0
			for other in "${SETUPS[@]}"; do [[ $other == "$setup" ]] || oth1=$((oth1 + $(ticks "${pid_of[$other]}"))); done
			thread_ticks "$pid" > "$OUT/$name.threads1"
			ticks_between "$OUT/$name.threads0" "$OUT/$name.threads1" >> "$OUT/$name.groups"
			read -r b0 i0 s0 <<< "$m0"
			read -r b1 i1 s1 <<< "$m1"
			app_t[$setup]=$((app_t[$setup] + app1 - app0))
			pg_t[$setup]=$((pg_t[$setup] + $(ticks_between "$OUT/$name.backends0" "$OUT/$name.backends1" | awk '{ n += $2 } END { print n + 0 }')))
			pga_t[$setup]=$((pga_t[$setup] + pga1 - pga0))
			others_t[$setup]=$((others_t[$setup] + oth1 - oth0))
			busy_t[$setup]=$((busy_t[$setup] + b1 - b0)) idle_t[$setup]=$((idle_t[$setup] + i1 - i0)) steal_t[$setup]=$((steal_t[$setup] + s1 - s0))
		done
	done
	local load
	load=$(cut -d' ' -f1 /proc/loadavg)
	local -A dropped_of
	for setup in "${SETUPS[@]}"; do
		name=$setup-r$round pid=${pid_of[$setup]}
		jcmd "$pid" JFR.stop name=round filename="$OUT/$name.jfr" > /dev/null
		jcmd "$pid" JFR.stop name=warm > /dev/null
		jcmd "$pid" Compiler.codecache > "$OUT/$name.codecache.txt" 2>&1 || true
		dropped_of[$setup]=$([[ ${setup%-base} == off || $setup == bucket4j ]] && echo "-" || writer_dropped "${port_of[$setup]}" "$OUT/$name.log")
	done
	for setup in "${SETUPS[@]}"; do stop_app "${pid_of[$setup]}"; done # graceful: the writers drain into the ledger
	local requests seconds non2xx warm rows p99s f pg_other rest
	for setup in "${SETUPS[@]}"; do
		setup_config "$setup" "$round"
		name=$setup-r$round requests=0 seconds=0 non2xx=0 p99s=()
		for ((s = 1; s <= SLICES; s++)); do
			f=$OUT/$name.s$s.wrk.txt
			requests=$((requests + $(wrk_field "$f" requests)))
			seconds=$(awk -v t="$seconds" '/requests in/ { d = $4; sub(/s,?$/, "", d); t += d } END { print t }' "$f")
			non2xx=$((non2xx + $(wrk_field "$f" non2xx)))
			p99s+=("$(to_ms "$(wrk_field "$f" p99)")")
		done
		warm=$(wrk_field "$OUT/$name.warmup.txt" requests)
		rows=$([[ ${setup%-base} == off || $setup == bucket4j ]] && echo "-" || ledger_rows "$SETUP_PREFIX")
		pg_other=$((pga_t[$setup] - pg_t[$setup]))
		rest=$((busy_t[$setup] - app_t[$setup] - pga_t[$setup] - others_t[$setup]))
		printf '| %s | %s | %.2f | worst %sms, median %sms | %.1f | %.1f | - | %s | %s | %s / %s | %s | %s | %s | %s + %s s re-warm, %s × %s s slices | %s |\n' \
			"$setup" "$round" "$(echo "$requests / $seconds" | bc -l)" \
			"$(printf '%s\n' "${p99s[@]}" | sort -g | tail -1)" "$(printf '%s\n' "${p99s[@]}" | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : sprintf("%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2) }')" \
			"$(echo "${app_t[$setup]} * $TICK_US / $requests" | bc -l)" "$(echo "${pg_t[$setup]} * $TICK_US / $requests" | bc -l)" \
			"$(awk -v requests="$requests" -v tick="$TICK_US" '{ sum[$1] += $2 } END { for (g in sum) if (sum[g] > 0) printf "%s=%.1f ", g, sum[g] * tick / requests }' "$OUT/$name.groups")" \
			"$(awk -v b="${busy_t[$setup]}" -v i="${idle_t[$setup]}" -v s="${steal_t[$setup]}" -v pgo="$pg_other" -v oth="${others_t[$setup]}" -v rest="$rest" -v n="$requests" -v t="$TICK_US" \
				'BEGIN { printf "%.1f (PostgreSQL other %.1f, idle apps %.1f, rest %.1f); idle %.0f %%, steal %.0f %%", b * t / n, pgo * t / n, oth * t / n, rest * t / n, 100 * i / (b + i + s), 100 * s / (b + i + s) }')" \
			"$rows" "$((warm + requests))" "${dropped_of[$setup]}" "$non2xx" \
			"$(monitor_waits "$OUT/$name.jfr")" "${warmed_of[$setup]}" "$REWARM" "$SLICES" "$SLICE" "$load" | tee -a "$RESULTS"
	done
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
if [[ -n $INTERLEAVE ]]; then
	for round in $(seq 1 "$ROUNDS"); do run_interleaved "$round"; done
fi
[[ -n $INTERLEAVE ]] || for round in $(seq 1 "$ROUNDS"); do # unpaired: set-up after set-up, a new JVM each
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
if [[ -f $OUT/outbox.md ]]; then # after summarize.py, which would read its rows as set-ups
	{
		echo
		echo "Webhook outbox per launch (notification rows: endpoint '-'; acme's in the measured window: the crossings there; rows per 1 M requests counts every outbox row against warm-up + measured requests)"
		echo
		echo "| set-up | round | notification rows | acme's in the window | delivery rows | attempts | delivered | receiver connections | last error | outbox rows per 1 M requests |"
		echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|"
		cat "$OUT/outbox.md"
	} | tee -a "$RESULTS" >> "$OUT/summary.md"
fi
echo
cat "$OUT/summary.md"
echo
echo "Results: $RESULTS and $OUT/summary.md (logs, JFR recordings and code-cache reports beside them)"
