/**
 * The CLI's side of topology input: `redis-cli` output of one or several nodes (concatenated), split into
 * replies, each read by the public readers of `canonical-node-key/topology` (`readClusterNodes`, one line at a
 * time, `readClusterSlots`, `readClusterShards`),
 * then flattened into (node id, address spelling) pairs with the line each came from, so the CLI can show
 * which node is reachable under several spellings and which address several node ids claim. Errors are
 * collected with their lines rather than thrown, so one bad reply does not hide the others.
 *
 * Formats: `redis-cli cluster nodes` (text), `redis-cli --json cluster slots` and `redis-cli --json cluster
 * shards` (RESP3 maps as JSON objects; with `-2`, RESP2 maps as flat [key, value, …] arrays).
 */
import {
  type ClusterTopology,
  InvalidTopologyError,
  type ReadTopologyOptions,
  readClusterNodes,
  readClusterShards,
  readClusterSlots,
} from '../topology/index.js'

/**
 * One address under which the cluster names one node.
 *
 * @example
 * ```ts
 * const entry: TopologyEntry = { id: '8bb6…95', address: '::1:7002', line: 3, source: 'address' }
 * canonicalNodeKey(entry.address) // '[::1]:7002'
 * ```
 */
export interface TopologyEntry {
  /** The node id (40 hex characters in Redis; kept as written). */
  readonly id: string
  /** The address as the cluster spells it: `host:port`, IPv6 bare as Redis writes it (`::1:7002`). */
  readonly address: string
  /** The 1-based line of the input it was read from. */
  readonly line: number
  /** Where the spelling came from: the node's preferred endpoint, its announced hostname, or its announced IP. */
  readonly source: 'address' | 'hostname' | 'ip'
}

/**
 * Something in the input that could not be read, or a node the cluster gives no address for.
 *
 * @example
 * ```ts
 * parseClusterNodes('8bb6…95 :0@0 handshake - 0 0 0 connected').skipped
 * // [ { line: 1, message: 'node 8bb6…95 has no address yet (":0")' } ]
 * ```
 */
export interface TopologyNote {
  /** The 1-based line of the input. */
  readonly line: number
  /** What is wrong, or why a node was left out. */
  readonly message: string
}

/**
 * What {@link parseClusterNodes}, {@link parseClusterSlots} and {@link parseClusterShards} read.
 *
 * @example
 * ```ts
 * const { entries, errors, skipped } = parseClusterSlots(text)
 * if (errors.length > 0) process.exitCode = 1
 * ```
 */
export interface Topology {
  /** Every (node id, address spelling) pair, each once, in the order first met. */
  readonly entries: TopologyEntry[]
  /** Input that is not the format asked for: the caller reports these as errors. */
  readonly errors: TopologyNote[]
  /** Nodes without an address (handshake, `noaddr`, `?` endpoints, an empty host without an origin): reported, but not errors. */
  readonly skipped: TopologyNote[]
}

/**
 * The most characters of topology read; longer input is refused with an error, not parsed: a cluster of a
 * thousand nodes describes itself in well under a megabyte.
 *
 * @example
 * ```ts
 * parseClusterNodes('x'.repeat(MAX_TOPOLOGY_LENGTH + 1)).errors.length // 1
 * ```
 */
export const MAX_TOPOLOGY_LENGTH = 16 * 1024 * 1024

const tooLong = (length: number): Topology => ({
  entries: [],
  errors: [
    {
      line: 1,
      message: `Expected at most ${MAX_TOPOLOGY_LENGTH} characters of topology, got ${length}.`,
    },
  ],
  skipped: [],
})

class Collector {
  readonly entries: TopologyEntry[] = []
  readonly errors: TopologyNote[] = []
  readonly skipped: TopologyNote[] = []
  readonly #seen = new Set<string>()

  add(id: string, address: string, line: number, source: TopologyEntry['source']): void {
    const seen = `${id} ${address}`
    if (this.#seen.has(seen)) return
    this.#seen.add(seen)
    this.entries.push({ id, address, line, source })
  }

  /**
   * The spellings of a reply's nodes: the preferred endpoint (the origin's host for an empty one), the
   * announced hostname and the announced IP. A node whose address the keyer refused is kept, so the CLI
   * reports the key error; a node without an address is a note, its other spellings still kept.
   */
  take(topology: ClusterTopology, lineOf: (id: string) => number, origin: string | undefined): void {
    const spell = (host: string, port: number): string => `${host}:${port}`
    for (const node of topology.nodes) {
      const line = lineOf(node.id)
      this.add(
        node.id,
        spell(node.announced === '' ? (origin ?? '') : node.announced, node.port),
        line,
        'address',
      )
      if (node.hostname !== undefined) this.add(node.id, spell(node.hostname, node.port), line, 'hostname')
      if (node.ip !== undefined) this.add(node.id, spell(node.ip, node.port), line, 'ip')
    }
    for (const node of topology.unkeyed) {
      const line = lineOf(node.id)
      if (node.reason === 'invalid-address') {
        const host = node.announced === '' || node.announced === null ? (origin ?? '') : node.announced
        this.add(node.id, spell(host, node.port), line, 'address')
      } else {
        this.skipped.push({ line, message: node.message })
        if (node.reason === 'no-address') continue
      }
      if (node.hostname !== undefined) this.add(node.id, spell(node.hostname, node.port), line, 'hostname')
      if (node.ip !== undefined) this.add(node.id, spell(node.ip, node.port), line, 'ip')
    }
  }

  /** Read one reply that starts at `line`; a refusal is an error of that line, the others still read. */
  read(line: number, reply: () => ClusterTopology, origin: string | undefined): void {
    let topology: ClusterTopology
    try {
      topology = reply()
    } catch (error) {
      this.errors.push({ line, message: reportOf(error) })
      return
    }
    this.take(topology, () => line, origin)
  }

  /** The notes in line order (JSON syntax errors are found before the documents are read). */
  result(): Topology {
    const byLine = (a: TopologyNote, b: TopologyNote) => a.line - b.line
    return { entries: this.entries, errors: this.errors.sort(byLine), skipped: this.skipped.sort(byLine) }
  }
}

/**
 * Options of the topology parsers: the library's reader options (the keyer, and the origin for empty hosts).
 */
export type ParseTopologyOptions = Pick<ReadTopologyOptions, 'keyer' | 'origin'>

/**
 * Read the output of `redis-cli cluster nodes`, one line at a time (several nodes' outputs may follow one
 * another, which is how one node id comes to appear under two spellings). Blank lines and `#` comments are
 * skipped.
 *
 * @example
 * ```ts
 * parseClusterNodes('8bb6…95 127.0.0.1:7000@17000,node-1.example myself,master - 0 0 1 connected 0-5460')
 * // { entries: [ { id: '8bb6…95', address: '127.0.0.1:7000', line: 1, source: 'address' },
 * //              { id: '8bb6…95', address: 'node-1.example:7000', line: 1, source: 'hostname' } ],
 * //   errors: [], skipped: [] }
 * ```
 */
export const parseClusterNodes = (text: string, options: ParseTopologyOptions = {}): Topology => {
  if (text.length > MAX_TOPOLOGY_LENGTH) return tooLong(text.length)
  const found = new Collector()
  // One line at a time: a bad line is reported and the others still read, and a node id in the outputs of
  // several nodes is read under each spelling they give it.
  for (const [index, raw] of text.split('\n').entries()) {
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    found.read(index + 1, () => readClusterNodes(trimmed, options), options.origin)
  }
  return found.result()
}

/** What a reader's refusal says, for a report that gives its own line: the reply's line number left out. */
const reportOf = (error: unknown): string => {
  if (!(error instanceof InvalidTopologyError)) throw error
  return error.line === undefined ? error.message : error.message.replace(`, line ${error.line}:`, ':')
}

/**
 * Split text into consecutive JSON values (several nodes' replies one after another, compact or
 * pretty-printed) by tracking bracket depth outside strings, then parse each.
 */
const jsonDocuments = (
  text: string,
  found: Collector,
  command: string,
): Array<{ value: unknown; line: number }> => {
  const documents: Array<{ value: unknown; line: number }> = []
  let line = 1
  let depth = 0
  let start = -1
  let startLine = 1
  let inString = false
  const take = (end: number): void => {
    try {
      documents.push({ value: JSON.parse(text.slice(start, end)), line: startLine })
    } catch (error) {
      found.errors.push({
        line: startLine,
        message: `Expected the JSON of ${command} (redis-cli --json ${command.toLowerCase()}): ${(error as Error).message}`,
      })
    }
    start = -1
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x0a) line++
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue
    if (start === -1) {
      // Between documents: a # comment runs to the end of its line.
      if (c === 0x23) {
        const newline = text.indexOf('\n', i)
        i = newline === -1 ? text.length : newline - 1
        continue
      }
      start = i
      startLine = line
      if (c !== 0x5b && c !== 0x7b) {
        // Not an array or object: not a reply. Its line goes to the parser for the message.
        const newline = text.indexOf('\n', i)
        i = (newline === -1 ? text.length : newline) - 1
        take(i + 1)
        continue
      }
    }
    if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) depth++
    else if ((c === 0x5d || c === 0x7d) && --depth === 0) take(i + 1)
  }
  if (start !== -1) take(text.length)
  return documents
}

const readJson = (
  text: string,
  options: ParseTopologyOptions,
  command: 'CLUSTER SLOTS' | 'CLUSTER SHARDS',
): Topology => {
  if (text.length > MAX_TOPOLOGY_LENGTH) return tooLong(text.length)
  const found = new Collector()
  const read = command === 'CLUSTER SLOTS' ? readClusterSlots : readClusterShards
  for (const { value, line } of jsonDocuments(text, found, command)) {
    found.read(line, () => read(value, options), options.origin)
  }
  return found.result()
}

/**
 * Read the output of `redis-cli --json cluster slots` (RESP3, redis-cli's default with `--json`, or RESP2
 * with `-2`; compact or pretty-printed; the replies of several nodes may follow one another). Each node is
 * taken under its preferred endpoint and under the other of `ip` and `hostname` its metadata names.
 *
 * @example
 * ```ts
 * parseClusterSlots('[[0,16383,["127.0.0.1",7000,"8bb6…95",{"hostname":"node-1.example"}]]]').entries
 * // [ { id: '8bb6…95', address: '127.0.0.1:7000', line: 1, source: 'address' },
 * //   { id: '8bb6…95', address: 'node-1.example:7000', line: 1, source: 'hostname' } ]
 * ```
 */
export const parseClusterSlots = (text: string, options: ParseTopologyOptions = {}): Topology =>
  readJson(text, options, 'CLUSTER SLOTS')

/**
 * Read the output of `redis-cli --json cluster shards` (Redis 7+; RESP3 objects, or RESP2 flat arrays with
 * `-2`; several nodes' replies may follow one another). Each node is taken under its `endpoint` and under
 * its `hostname` and `ip`.
 *
 * @example
 * ```ts
 * parseClusterShards('[{"slots":[0,16383],"nodes":[{"id":"8bb6…95","port":7000,"ip":"::1","endpoint":"::1","role":"master"}]}]').entries
 * // [ { id: '8bb6…95', address: '::1:7000', line: 1, source: 'address' } ]
 * ```
 */
export const parseClusterShards = (text: string, options: ParseTopologyOptions = {}): Topology =>
  readJson(text, options, 'CLUSTER SHARDS')
