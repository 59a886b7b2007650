// Prints the key (or the error) of every vector under the runtime running it, one JSON line per vector, so
// that scripts/test-runtimes.sh can compare the output of Node, Bun and Deno byte for byte: a key must not
// depend on the runtime (its IDNA tables, its URL parser), or two processes of one fleet would key one node
// differently. Plain JavaScript on the build (dist/), so every runtime runs it as it is, without a compiler.
//
// The vectors:
// - every host and address in test/fixtures/conformance, under the default keyer and under one with every
//   option turned the other way (a line holds both outcomes, an error as its code and reason);
// - every case of vectors/keys.json when that file exists, under the options the case names; each outcome
//   is also checked against the case's `key` or `error` (a reason), and any difference fails the run.
//
// Every vector is keyed through the ESM build (import) and the CommonJS build (require); the two must agree.
// On stderr: the runtime, the number of lines and their SHA-256. Exit status 1 on any failed check.
//
// Usage: node scripts/print-keys.mjs > keys.txt   (bun scripts/print-keys.mjs, deno run -A scripts/print-keys.mjs)
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const conformance = join(root, 'test', 'fixtures', 'conformance')
const shipped = join(root, 'vectors', 'keys.json')

const runtime =
  typeof globalThis.Deno === 'object'
    ? `deno ${globalThis.Deno.version.deno}`
    : process.versions.bun !== undefined
      ? `bun ${process.versions.bun}`
      : `node ${process.versions.node}`

const problems = []
const problem = (text) => {
  if (problems.length < 50) problems.push(text)
  else if (problems.length === 50) problems.push('(more problems left out)')
}

const esm = await import(new URL('../dist/esm/index.js', import.meta.url).href)
const cjs = createRequire(import.meta.url)('../dist/commonjs/index.js')

/** The outcome of one call: the key, or the error's code and reason; anything but a NodeKeyError throws. */
const outcome = (lib, call) => {
  try {
    return call()
  } catch (error) {
    if (!lib.isNodeKeyError(error)) throw error
    return `${error.code} ${error.reason}`
  }
}

/** Lines of [source, index, ...outcomes] for one build of the library. */
const linesOf = (lib, build) => {
  const lines = []
  // The default keyer, and one with every option turned the other way; no memo, so every call does the work.
  const keyers = [
    lib.createNodeKeyer({ cacheSize: 0 }),
    lib.createNodeKeyer({ cacheSize: 0, resolver: null, trailingDot: 'strip', mappedIPv4: 'keep' }),
  ]
  const files = readdirSync(conformance)
    .filter((name) => name.endsWith('.json'))
    .sort()
  for (const file of files) {
    const entries = JSON.parse(readFileSync(join(conformance, file), 'utf8'))
    for (const [index, entry] of entries.entries()) {
      let call
      if (entry.op === 'join') {
        // Go's JoinHostPort vectors: a host and a port given apart.
        call = (keyer) => keyer(String(entry.host), String(entry.port))
      } else if (entry.op === 'split') {
        // Go's SplitHostPort vectors: whole addresses.
        call = (keyer) => keyer(String(entry.input))
      } else {
        // Every other file's inputs are hosts: keyed with a port.
        call = (keyer) => keyer(String(entry.input), 6379)
      }
      lines.push(JSON.stringify([file, index, ...keyers.map((keyer) => outcome(lib, () => call(keyer)))]))
    }
  }
  if (existsSync(shipped)) lines.push(...shippedLines(lib, build))
  return lines
}

const OPTIONS = new Set(['defaultPort', 'trailingDot', 'mappedIPv4', 'resolver'])

/** A keyer for a case's options (absent resolver: the default loopback one; "none": no resolver). */
const keyerFor = (lib, keyers, options = {}) => {
  const id = JSON.stringify(options)
  let keyer = keyers.get(id)
  if (keyer === undefined) {
    const unknown = Object.keys(options).filter((name) => !OPTIONS.has(name))
    if (unknown.length > 0) throw new Error(`vectors/keys.json: unknown options ${unknown.join(', ')}`)
    if (options.resolver !== undefined && options.resolver !== 'none') {
      throw new Error(
        `vectors/keys.json: resolver must be "none" or absent, got ${JSON.stringify(options.resolver)}`,
      )
    }
    const { resolver, ...rest } = options
    keyer = lib.createNodeKeyer({ cacheSize: 0, ...rest, ...(resolver === 'none' ? { resolver: null } : {}) })
    keyers.set(id, keyer)
  }
  return keyer
}

/** Lines for the shipped vectors, each outcome checked against the case's expected key or error reason. */
const shippedLines = (lib, build) => {
  const vectors = JSON.parse(readFileSync(shipped, 'utf8'))
  if (!Array.isArray(vectors?.cases) || vectors.cases.length === 0) {
    throw new Error('vectors/keys.json: expected an object with a non-empty "cases" array')
  }
  const keyers = new Map()
  return vectors.cases.map((entry, index) => {
    const keyer = keyerFor(lib, keyers, entry.options)
    let call
    if (typeof entry.input === 'string') call = () => keyer(entry.input)
    else if (typeof entry.input === 'object' && entry.input !== null)
      call = () => keyer({ host: entry.input.host, port: entry.input.port })
    else if (typeof entry.host === 'string') call = () => keyer(entry.host, entry.port)
    else throw new Error(`vectors/keys.json case ${index}: expected "input" or "host"`)
    if ('key' in entry === 'error' in entry) {
      throw new Error(`vectors/keys.json case ${index}: expected exactly one of "key" and "error"`)
    }
    const got = outcome(lib, call)
    const expected = 'key' in entry ? entry.key : entry.error
    // An error outcome is "code reason"; the file gives the reason alone.
    const actual = 'key' in entry ? got : got.startsWith('ERR_NODE_KEY_') ? got.split(' ')[1] : `key ${got}`
    if (actual !== expected) {
      problem(
        `${build}: vectors/keys.json case ${index} (${entry.rule}): expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`,
      )
    }
    return JSON.stringify(['vectors/keys.json', index, got])
  })
}

const lines = linesOf(esm, 'import')
const required = linesOf(cjs, 'require')
for (const [index, line] of lines.entries()) {
  if (required[index] !== line) problem(`the CommonJS build differs: ${line} / ${required[index]}`)
}
if (required.length !== lines.length)
  problem(`the CommonJS build gave ${required.length} lines, ESM ${lines.length}`)

// The corpus must be whole and exercise the runtime-sensitive paths: IDNA (punycode keys), IPv6 and errors.
const conformanceLines = lines.filter((line) => !line.startsWith('["vectors/'))
if (conformanceLines.length < 3000)
  problem(`expected every conformance vector, got ${conformanceLines.length}`)
if (lines.filter((line) => line.includes('xn--')).length < 1000)
  problem('expected IDNA vectors keyed to punycode')
if (!lines.some((line) => line.includes('"['))) problem('expected IPv6 keys')
if (!lines.some((line) => line.includes('ERR_NODE_KEY_INVALID_HOST'))) problem('expected refused hosts')

const text = `${lines.join('\n')}\n`
process.stdout.write(text)
const vectorCount = lines.length - conformanceLines.length
process.stderr.write(
  `${runtime}: ${conformanceLines.length} conformance lines, ${vectorCount} shipped vectors${existsSync(shipped) ? '' : ' (no vectors/keys.json)'}, sha256 ${createHash('sha256').update(text).digest('hex')}\n`,
)
if (problems.length > 0) {
  process.stderr.write(`${runtime}: FAILED\n${problems.map((text) => `  ${text}`).join('\n')}\n`)
  process.exitCode = 1
}
