#!/usr/bin/env bash
# Prints the path of the MKL dispatch shim (trainer/src/main/native/mkl_intel_dispatch.c), building it with the C
# compiler on first use, when it helps: on an AMD CPU with `cc` installed. Prints nothing otherwise, or when
# STREAMRLHF_LAUNCHER_MKL_SHIM=0. Use:  LD_PRELOAD="$(trainer/bench/mkl-shim.sh)" java ...
set -euo pipefail
[[ "${STREAMRLHF_LAUNCHER_MKL_SHIM:-1}" == 0 ]] && exit 0
grep -q -m1 AuthenticAMD /proc/cpuinfo 2>/dev/null || exit 0
command -v cc >/dev/null 2>&1 || { echo "mkl-shim: no C compiler (cc); MKL keeps its slower AMD code paths" >&2; exit 0; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/../src/main/native/mkl_intel_dispatch.c"
out="${XDG_CACHE_HOME:-$HOME/.cache}/streamrlhf/libmkl_intel_dispatch.so"
if [[ ! -f "$out" || "$src" -nt "$out" ]]; then
  mkdir -p "$(dirname "$out")"
  cc -shared -fPIC -O2 -o "$out.tmp.$$" "$src"
  mv -f "$out.tmp.$$" "$out"
fi
echo "$out"
