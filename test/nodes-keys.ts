/**
 * Prints, one JSON line each, the key of every host and address in test/fixtures/conformance under the Node
 * running it (an error prints as its code and reason); on stderr, the SHA-256 of those lines, their count and
 * the Node version.
 * Run under several Node versions by test/nodes-identical.ts: a key must not depend on the runtime (its
 * IDNA tables, its URL parser), or two processes of one fleet would key one node differently.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createNodeKeyer, isNodeKeyError, type NodeKeyer } from '../src/index.ts'

const conformance = fileURLToPath(new URL('./fixtures/conformance/', import.meta.url))

/** The default keyer, and one with every option turned the other way (no resolver). */
const keyers: NodeKeyer[] = [
  createNodeKeyer({ cacheSize: 0 }),
  createNodeKeyer({ cacheSize: 0, resolver: null, trailingDot: 'strip', mappedIPv4: 'keep' }),
]

const outcome = (keyer: NodeKeyer, compute: (keyer: NodeKeyer) => string): string => {
  try {
    return compute(keyer)
  } catch (error) {
    if (!isNodeKeyError(error)) throw error
    return `${error.code} ${error.reason}`
  }
}

type Entry = { input?: unknown; op?: unknown; host?: unknown; port?: unknown }

const lines: string[] = []
const files = readdirSync(conformance)
  .filter((name) => name.endsWith('.json'))
  .sort()
for (const file of files) {
  const entries = JSON.parse(readFileSync(join(conformance, file), 'utf8')) as Entry[]
  for (const [index, entry] of entries.entries()) {
    let compute: (keyer: NodeKeyer) => string
    if (entry.op === 'join') {
      // Go's JoinHostPort vectors: a host and a port given apart.
      compute = (keyer) => keyer(String(entry.host), String(entry.port))
    } else if (entry.op === 'split') {
      // Go's SplitHostPort vectors: whole addresses.
      compute = (keyer) => keyer(String(entry.input))
    } else {
      // Every other file's inputs are hosts: keyed with a port.
      compute = (keyer) => keyer(String(entry.input), 6379)
    }
    lines.push(JSON.stringify([file, index, ...keyers.map((keyer) => outcome(keyer, compute))]))
  }
}
const text = `${lines.join('\n')}\n`
process.stdout.write(text)
process.stderr.write(
  `${createHash('sha256').update(text).digest('hex')} ${lines.length} ${process.version}\n`,
)
