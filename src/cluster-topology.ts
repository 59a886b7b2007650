/**
 * Reading a Redis Cluster's own description of itself, as `redis-cli` prints it, into a flat list of
 * (node id, address spelling) pairs, so the CLI can show which node is reachable under several spellings and
 * which address several node ids claim. Parsing only: no key is computed here.
 *
 * Formats, as Redis documents them (https://redis.io/docs/latest/commands/cluster-nodes/ and
 * https://redis.io/docs/latest/commands/cluster-slots/):
 * - `CLUSTER NODES`: one node a line, `<id> <ip:port@cport[,hostname[,aux=value…]]> <flags> <master> …`;
 * - `CLUSTER SLOTS` (as `redis-cli --json` prints it): `[[start, end, [host, port, id, metadata], …], …]`,
 *   where `metadata` is a map (RESP3) or a flat array of pairs (RESP2) that may name the other of `ip` and
 *   `hostname` (Redis 7 `cluster-preferred-endpoint-type`).
 */

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
  /** Where the spelling came from: the node's address, its announced hostname, or the metadata's `ip`. */
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
 * What {@link parseClusterNodes} and {@link parseClusterSlots} read.
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
  /** Nodes without an address (handshake, `noaddr`, `?` endpoints): reported, but not errors. */
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

  /** The notes in line order (JSON syntax errors are found before the documents are read). */
  result(): Topology {
    const byLine = (a: TopologyNote, b: TopologyNote) => a.line - b.line
    return { entries: this.entries, errors: this.errors.sort(byLine), skipped: this.skipped.sort(byLine) }
  }
}

/**
 * Read the output of `redis-cli cluster nodes` (several nodes' outputs may follow one another, which is how
 * one node id comes to appear under two spellings). Blank lines and `#` comments are skipped.
 *
 * @example
 * ```ts
 * parseClusterNodes('8bb6…95 127.0.0.1:7000@17000,node-1.example myself,master - 0 0 1 connected 0-5460')
 * // { entries: [ { id: '8bb6…95', address: '127.0.0.1:7000', line: 1, source: 'address' },
 * //              { id: '8bb6…95', address: 'node-1.example:7000', line: 1, source: 'hostname' } ],
 * //   errors: [], skipped: [] }
 * ```
 */
export const parseClusterNodes = (text: string): Topology => {
  if (text.length > MAX_TOPOLOGY_LENGTH) return tooLong(text.length)
  const found = new Collector()
  const lines = text.split('\n')
  for (const [index, raw] of lines.entries()) {
    const line = index + 1
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const fields = trimmed.split(/\s+/)
    const [id, endpoint, flags] = fields
    // <id> <ip:port@cport…> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> [slots…]
    if (id === undefined || endpoint === undefined || flags === undefined || fields.length < 8) {
      found.errors.push({
        line,
        message: `Expected a CLUSTER NODES line "<id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> [slots]", got ${fields.length} field(s).`,
      })
      continue
    }
    const at = endpoint.indexOf('@')
    if (at === -1) {
      found.errors.push({
        line,
        message: `Expected the address field to be "ip:port@cport[,hostname]", got ${JSON.stringify(endpoint.slice(0, 80))}.`,
      })
      continue
    }
    const address = endpoint.slice(0, at)
    // After "@cport": the hostname (Redis 7.0+, empty when none is announced), then aux fields (7.2+).
    const [, named] = endpoint.slice(at + 1).split(',')
    const hostname = named === undefined || named === '' || named.includes('=') ? undefined : named
    const colon = address.lastIndexOf(':')
    const host = address.slice(0, colon)
    const port = address.slice(colon + 1)
    if (colon === -1 || host === '' || port === '0' || flags.split(',').includes('noaddr')) {
      // A node in handshake or without an address is printed as ":0@0" (or flagged noaddr).
      found.skipped.push({ line, message: `node ${id} has no address yet (${JSON.stringify(address)})` })
      continue
    }
    found.add(id, address, line, 'address')
    if (hostname !== undefined) found.add(id, `${hostname}:${port}`, line, 'hostname')
  }
  return found.result()
}

/** The metadata of a CLUSTER SLOTS node: a map (RESP3) or a flat array of pairs (RESP2). */
const metadataOf = (value: unknown): Map<string, unknown> => {
  const metadata = new Map<string, unknown>()
  if (Array.isArray(value)) {
    for (let i = 0; i + 1 < value.length; i += 2) metadata.set(String(value[i]), value[i + 1])
  } else if (typeof value === 'object' && value !== null) {
    for (const [name, item] of Object.entries(value)) metadata.set(name, item)
  }
  return metadata
}

/**
 * Split text into consecutive JSON values (several nodes' replies one after another, compact or
 * pretty-printed) by tracking bracket depth outside strings, then parse each.
 */
const jsonDocuments = (text: string, found: Collector): Array<{ value: unknown; line: number }> => {
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
        message: `Expected the JSON of CLUSTER SLOTS (redis-cli --json cluster slots): ${(error as Error).message}`,
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
        // Not an array or object: not CLUSTER SLOTS. Its line goes to the parser for the message.
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

/**
 * Read the output of `redis-cli --json cluster slots` (RESP2 or RESP3, compact or pretty-printed; the
 * replies of several nodes may follow one another). Each node is taken under its preferred endpoint and under the other of `ip` and
 * `hostname` its metadata names.
 *
 * @example
 * ```ts
 * parseClusterSlots('[[0,16383,["127.0.0.1",7000,"8bb6…95",{"hostname":"node-1.example"}]]]').entries
 * // [ { id: '8bb6…95', address: '127.0.0.1:7000', line: 1, source: 'address' },
 * //   { id: '8bb6…95', address: 'node-1.example:7000', line: 1, source: 'hostname' } ]
 * ```
 */
export const parseClusterSlots = (text: string): Topology => {
  if (text.length > MAX_TOPOLOGY_LENGTH) return tooLong(text.length)
  const found = new Collector()
  for (const { value, line } of jsonDocuments(text, found)) {
    if (!Array.isArray(value)) {
      found.errors.push({
        line,
        message: 'Expected CLUSTER SLOTS to be an array of [start, end, node, …] ranges.',
      })
      continue
    }
    for (const [rangeIndex, range] of value.entries()) {
      if (!Array.isArray(range) || range.length < 3) {
        found.errors.push({
          line,
          message: `Expected slot range ${rangeIndex} to be [start, end, node, …], got ${JSON.stringify(range)?.slice(0, 80)}.`,
        })
        continue
      }
      for (const [nodeIndex, node] of range.slice(2).entries()) {
        const where = `slot range ${range[0]}-${range[1]}, node ${nodeIndex}`
        if (!Array.isArray(node) || node.length < 3 || typeof node[2] !== 'string') {
          found.errors.push({
            line,
            message: `Expected ${where} to be [host, port, id, metadata?], got ${JSON.stringify(node)?.slice(0, 80)}.`,
          })
          continue
        }
        const [host, port, id] = node as [unknown, unknown, string]
        if (typeof host !== 'string' || (typeof port !== 'number' && typeof port !== 'string')) {
          found.errors.push({
            line,
            message: `Expected ${where} to start with a host string and a port, got ${JSON.stringify(node.slice(0, 2))}.`,
          })
          continue
        }
        // "?" is Redis's unknown endpoint; "" means "the node you asked", which this output cannot name.
        if (host === '' || host === '?') {
          found.skipped.push({
            line,
            message: `node ${id} (${where}) has no endpoint (${JSON.stringify(host)})`,
          })
        } else {
          found.add(id, `${host}:${port}`, line, 'address')
        }
        const metadata = metadataOf(node[3])
        for (const source of ['hostname', 'ip'] as const) {
          const other = metadata.get(source)
          if (typeof other === 'string' && other !== '' && other !== '?') {
            found.add(id, `${other}:${port}`, line, source)
          }
        }
      }
    }
  }
  return found.result()
}
