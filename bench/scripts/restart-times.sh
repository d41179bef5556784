#!/usr/bin/env bash
# Restart times of `streamrlhf demo` on the embedded stack, per Streams rebalance protocol and per way of stopping.
#
# usage: bench/scripts/restart-times.sh [-r ROUNDS] [-p "classic streams streams-dynamic"] [-s "TERM KILL"] JAR SCRATCH_DIR
#   JAR          the launcher's jar (app/target/streamrlhf-app.jar, after `./mvnw -pl app -am install`); it and its
#                lib/ folder are copied into SCRATCH_DIR first, so rebuilding the checkout while this runs does not
#                change what is measured
#   SCRATCH_DIR  emptied, then holds one demo data folder per protocol and every run's log
#
# Each round visits every protocol and every signal in turn (alternating, so that the shared machine's load falls
# on all cases alike). One case: start the demo (streams.group.protocol=P) on that protocol's data folder and wait
# until it publishes a policy version; send SIGTERM (what Ctrl-C sends: a clean close that leaves the groups) or
# SIGKILL (a crash: nothing closes, the broker's own recovery runs on the next start) to the JVM; start it again at
# t0 and wait for its first published version. It prints, relative to t0, when the embedded broker was ready, when
# Kafka Streams reached RUNNING and when the next policy version was published; then it stops that demo with SIGTERM.
# At the end, min / median / max of each column per protocol and signal. A case that does not publish within
# 120 s is printed as "-" (its log tells why).
set -u
rounds=3
protocols="classic streams"
signals="TERM KILL"
while getopts "r:p:s:" opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    p) protocols=$OPTARG ;;
    s) signals=$OPTARG ;;
    *) sed -n '2,8p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [[ $# -ne 2 ]]; then sed -n '2,8p' "$0"; exit 2; fi
jar_src=$1
scratch=$2
rm -rf "$scratch"
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
cp "$jar_src" "$scratch/streamrlhf-app.jar"
cp -r "$(dirname "$jar_src")/lib" "$scratch/lib"   # the jar's Class-Path names lib/*.jar beside it
results="$scratch/results.tsv"

# Starts the demo for protocol $1 in the background, logging to $2. "classic" and "streams" keep the demo's static
# membership (streams.instance.id=local); "streams-dynamic" is the streams protocol without it.
start_demo() {
  local dir="$scratch/$1" protocol=${1%-dynamic} membership=()
  [[ $1 == *-dynamic ]] && membership=(--set streams.instance.id=)
  mkdir -p "$dir"
  : > "$2"
  (cd "$dir" && setsid java ${STREAMRLHF_LAUNCHER_JAVA_OPTS:-} -Dai.djl.offline=true -jar "$scratch/streamrlhf-app.jar" \
    demo --set "data.dir=$dir/data" --set streams.group.protocol="$protocol" "${membership[@]}" \
    --set monitor.http.port=0 --set gateway.port=0 --set dashboard.port=0 > "$2" 2>&1 &)
}

# The pid of the demo JVM of protocol $1 (only the java process whose command line names that data folder).
demo_pid() {
  local p
  for p in $(pgrep -f "data.dir=$scratch/$1/data"); do
    if grep -q java "/proc/$p/cmdline" 2>/dev/null; then echo "$p"; fi
  done | tail -1
}

# Waits up to $3 seconds until log $2 of the demo of protocol $1 shows a published policy version; fails
# otherwise, also as soon as that demo has exited.
await_published() {
  local started=$SECONDS deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    grep -q "Published policy version" "$2" && return 0
    if ((SECONDS - started > 5)) && [[ -z $(demo_pid "$1") ]]; then return 1; fi
    sleep 0.2
  done
  return 1
}

# Sends signal $2 to the demo of protocol $1 and waits (up to 60 s) until that JVM has exited.
stop_demo() {
  local pid
  pid=$(demo_pid "$1")
  [[ -z $pid ]] && return 0
  kill "-$2" "$pid" 2>/dev/null
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  echo "demo $1 (pid $pid) still alive 60 s after SIG$2; killing it" >&2
  kill -KILL "$pid"
}

# Prints "broker running published" seconds after t0 ($1, epoch seconds) from log $2 ("-" when missing).
milestones() {
  python3 - "$1" "$2" <<'PY'
import datetime, re, sys
t0 = float(sys.argv[1])
day = datetime.datetime.fromtimestamp(t0, datetime.timezone.utc)
found = {}
patterns = {
    "broker": r"Embedded Kafka broker ready",
    "running": r"Streams application \S+: \S+ -> RUNNING",
    "published": r"Published policy version",
}
for line in open(sys.argv[2], errors="replace"):
    m = re.match(r"(\d\d):(\d\d):(\d\d(?:\.\d+)?)", line)
    if not m:
        continue
    for name, pattern in patterns.items():
        if name not in found and re.search(pattern, line):
            t = day.replace(hour=int(m[1]), minute=int(m[2]), second=0, microsecond=0).timestamp() + float(m[3])
            found[name] = f"{t - t0:.1f}"
print(" ".join(found.get(k, "-") for k in patterns))
PY
}

printf "round\tprotocol\tsignal\tbroker_ready_s\tstreams_running_s\tpublished_s\n" | tee "$results"
for round in $(seq 1 "$rounds"); do
  for protocol in $protocols; do
    for signal in $signals; do
      tag="$round-$protocol-$signal"
      start_demo "$protocol" "$scratch/$tag-before.log"
      if ! await_published "$protocol" "$scratch/$tag-before.log" 600; then
        echo "demo $protocol did not publish within 600 s of its start; see $scratch/$tag-before.log" >&2
        stop_demo "$protocol" KILL
        continue
      fi
      stop_demo "$protocol" "$signal"
      t0=$(date +%s.%N)
      start_demo "$protocol" "$scratch/$tag-after.log"
      await_published "$protocol" "$scratch/$tag-after.log" 120
      sleep 1
      read -r broker running published < <(milestones "$t0" "$scratch/$tag-after.log")
      printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$round" "$protocol" "$signal" "$broker" "$running" "$published" \
        | tee -a "$results"
      stop_demo "$protocol" TERM
    done
  done
done

echo
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
cols = ["broker_ready_s", "streams_running_s", "published_s"]
print(f"{'protocol':9} {'signal':6} {'n':>2}  " + "  ".join(f"{c + ' min/median/max':>33}" for c in cols))
for key in dict.fromkeys((r[1], r[2]) for r in rows):
    group = [r for r in rows if (r[1], r[2]) == key]
    cells = []
    for i in range(3, 6):
        values = [float(r[i]) for r in group if r[i] != "-"]
        missing = len(group) - len(values)
        text = (f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}" if values else "-")
        cells.append(f"{text + (f' ({missing} missing)' if missing else ''):>33}")
    print(f"{key[0]:9} {key[1]:6} {len(group):>2}  " + "  ".join(cells))
PY
