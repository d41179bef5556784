#!/usr/bin/env bash
# Times an earlier build of the KTO topology against this checkout's in paired runs of KtoThroughputBenchmark:
# the earlier commit is exported (git archive, no worktree) and built with `package` into a folder of its own, so
# neither build's jars replace the other's in the local Maven repository; then the two builds run one after the
# other with the same arguments, alternating (earlier first), PAIRS times. Each run prints its own rounds of KTO
# over the minimal join and the stream threads' CPU per feedback event; the summary at the end lists them by build.
#
#   bench/scripts/kto-paired.sh BASE_REF PAIRS [KtoThroughputBenchmark arguments...]
#   bench/scripts/kto-paired.sh main 2 events=100000 warmup=20000 rounds=3 store=IN_MEMORY floors=true \
#       eosPassthrough=false rates=10000 seconds=10
#
# KTO_PAIRED_DIR (default /tmp/kto-paired) holds the earlier build and each run's output; a build already there
# for the same commit is reused. Run it from the repository root on an otherwise idle machine.
set -euo pipefail
if (( $# < 2 )); then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
base_ref=$1; pairs=$2; shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
dir=${KTO_PAIRED_DIR:-/tmp/kto-paired}
commit=$(git rev-parse "$base_ref^{commit}")
base="$dir/base-${commit:0:12}"
if [[ ! -f "$base/bench/target/classpath.txt" ]]; then
  rm -rf "$base"; mkdir -p "$base"
  git archive "$commit" | tar -x -C "$base"
  echo "Building $base_ref (${commit:0:12}) in $base..." >&2
  (cd "$base" && ./mvnw -B -q -o package -DskipTests -Dspotless.check.skip=true -pl bench -am >&2)
fi
if [[ ! -f bench/target/classpath.txt || -n "$(find . -path ./.git -prune -o \( -name '*.java' -o -name '*.avsc' -o -name pom.xml \) -newer bench/target/classpath.txt -print -quit)" ]]; then
  echo "Building this checkout..." >&2
  ./mvnw -B -q -o install -DskipTests -pl bench -am >&2
fi
base_cp="$base/bench/target/classes:$(cat "$base/bench/target/classpath.txt")"
this_cp="bench/target/classes:$(cat bench/target/classpath.txt)"
run() { # build-name classpath output
  { echo "# $1 build, $(date -u +%FT%TZ), $(uptime)"; echo "# arguments: ${args[*]}"; } > "$3"
  java ${BENCH_JAVA_OPTS:-} -Dai.djl.offline=true -Dlogback.configurationFile=logback-bench.xml -cp "$2" \
    io.streamrlhf.bench.streams.KtoThroughputBenchmark "${args[@]}" >> "$3" 2>&1
  echo "# end $(date -u +%FT%TZ), $(uptime)" >> "$3"
}
args=("$@")
stamp=$(date -u +%Y%m%dT%H%M%S)
for p in $(seq 1 "$pairs"); do
  run "earlier ($base_ref)" "$base_cp" "$dir/$stamp-earlier-$p.txt"
  run "this" "$this_cp" "$dir/$stamp-this-$p.txt"
done
for build in earlier this; do
  echo "== $build build"
  for p in $(seq 1 "$pairs"); do
    f="$dir/$stamp-$build-$p.txt"
    echo "-- run $p ($f): $(head -1 "$f" | sed 's/.*load average/load average/')"
    grep -E "over the (minimal join|rule floor) of the same round|stream threads' CPU per feedback event, (kto|floor join|floor rules) [A-Z_]+:" "$f" || true
  done
done
