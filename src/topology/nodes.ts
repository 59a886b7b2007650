/** `CLUSTER NODES`. */
import { Builder, MAX_NODES_TEXT } from './builder.js'
import { InvalidTopologyError } from './errors.js'
import { describe, edge, isNodeId, NODE_ID_RULE, textOf } from './resp.js'
import type { ClusterNodeRole, ClusterTopology, ReadTopologyOptions } from './types.js'

/** A line of `CLUSTER NODES` that could not be read, with its 1-based line number. */
interface NodesLineError {
  readonly line: number
  readonly message: string
}

/** The body of {@link readClusterNodes}: every line is read; bad lines are returned, not thrown. */
const readNodes = (
  text: string,
  builder: Builder,
): { topology: ClusterTopology; errors: NodesLineError[] } => {
  const errors: NodesLineError[] = []
  const seen = new Set<string>()
  const replicasOf = new Map<string, string[]>()
  const ranges: { start: number; end: number; master: string; line: number }[] = []
  for (const [index, raw] of text.split('\n').entries()) {
    const line = index + 1
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const parts = trimmed.split(/\s+/)
    const [id, address, flags, master] = parts
    // <id> <ip:port@cport[,hostname[,aux=value…]]> <flags> <master> <ping-sent> <pong-recv> <config-epoch>
    // <link-state> [slot…]
    if (
      id === undefined ||
      address === undefined ||
      flags === undefined ||
      master === undefined ||
      parts.length < 8
    ) {
      errors.push({
        line,
        message: `Expected a CLUSTER NODES line "<id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> [slots]", got ${parts.length} field(s).`,
      })
      continue
    }
    if (!isNodeId(id)) {
      errors.push({ line, message: `Expected a node id (${NODE_ID_RULE}), got ${describe(id)}.` })
      continue
    }
    if (seen.has(id)) {
      errors.push({
        line,
        message: `Expected each node id once in one CLUSTER NODES reply; ${id} is repeated.`,
      })
      continue
    }
    const at = address.indexOf('@')
    const colon = address.lastIndexOf(':', at === -1 ? undefined : at)
    const portText = address.slice(colon + 1, at)
    if (at === -1 || colon === -1 || !/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) {
      errors.push({
        line,
        message: `Expected the address field to be "ip:port@cport[,hostname]", got ${JSON.stringify(address.slice(0, 80))}.`,
      })
      continue
    }
    const slots: { start: number; end: number }[] = []
    let badSlot: string | undefined
    for (const item of parts.slice(8)) {
      // "[slot->-id]" and "[slot-<-id]" are slots being migrated or imported: the owner is still the one
      // that serves the slot's other half, so they are not ranges of this node.
      if (item.startsWith('[')) continue
      const match = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(item)
      const start = Number(match?.[1])
      const end = match?.[2] === undefined ? start : Number(match[2])
      if (match === null || start > 16383 || end > 16383 || end < start) {
        badSlot = item
        break
      }
      slots.push({ start, end })
    }
    if (badSlot !== undefined) {
      errors.push({
        line,
        message: `Expected a slot or a slot range ("0-5460"), got ${JSON.stringify(badSlot.slice(0, 40))}.`,
      })
      continue
    }
    seen.add(id)
    const flagList = flags.split(',')
    const role: ClusterNodeRole = flagList.includes('slave') ? 'replica' : 'master'
    // After "@cport": the hostname (Redis 7.0+, empty when none is announced), then aux fields (7.2+).
    const [, named] = address.slice(at + 1).split(',')
    const hostname = named === undefined || named.includes('=') ? undefined : named
    const host = address.slice(0, colon)
    builder.add({
      id,
      role,
      announced: host,
      port: Number(portText),
      hostname,
      ip: host,
      noAddress: flagList.includes('noaddr') || flagList.includes('handshake'),
    })
    if (role === 'replica' && master !== '-') {
      // Pushed, not copied: a master with n replicas costs n steps, not n² (a reply of 80,000 lines).
      const replicas = replicasOf.get(master)
      if (replicas === undefined) replicasOf.set(master, [id])
      else replicas.push(id)
    }
    for (const range of slots) ranges.push({ ...range, master: id, line })
  }
  // Each slot in one range: a range that overlaps one before it is an error of its line.
  ranges.sort((a, b) => a.start - b.start || a.line - b.line)
  let end = -1
  for (const { start, end: last, master, line } of ranges) {
    if (start <= end) {
      errors.push({
        line,
        message: `Expected each slot in one range, got slot ${start} again (in ${start}-${last}).`,
      })
      continue
    }
    end = last
    builder.slots.push({ start, end: last, master, replicas: replicasOf.get(master) ?? [] })
  }
  errors.sort((a, b) => a.line - b.line)
  return { topology: builder.result(), errors }
}

/**
 * Read a `CLUSTER NODES` reply: one node a line, `<id> <ip:port@cport[,hostname]> <flags> <master> …
 * [slots]`. A string, a `Buffer`, or a `String` object (node-redis's RESP3 verbatim string). The address
 * field's IP is the node's preferred endpoint; `:port` with an empty IP (a node that has never met a peer) is
 * the origin's; `:0`, `noaddr` and `handshake` nodes have no address. Slot ranges are in slot order.
 *
 * @throws {@link InvalidTopologyError} at the first line that is not `CLUSTER NODES`; `TypeError` for bad
 * options.
 * @example
 * ```ts
 * const text = '8bb6…95 127.0.0.1:7000@17000,redis-1 myself,master - 0 0 1 connected 0-16383\n'
 * readClusterNodes(text).nodes[0]
 * // { id: '8bb6…95', key: '127.0.0.1:7000', host: '127.0.0.1', port: 7000, announced: '127.0.0.1',
 * //   hostname: 'redis-1', ip: '127.0.0.1', role: 'master' }
 * ```
 * @category Topology
 */
export const readClusterNodes = (text: unknown, options?: ReadTopologyOptions): ClusterTopology => {
  const builder = new Builder(options, 'readClusterNodes')
  const body = textOf(text)
  if (body === undefined) {
    throw new InvalidTopologyError(
      `Invalid CLUSTER NODES reply: expected a string (or a Buffer), got ${describe(text)}.`,
      text,
    )
  }
  if (body.length > MAX_NODES_TEXT) {
    throw new InvalidTopologyError(
      `Invalid CLUSTER NODES reply: expected at most ${MAX_NODES_TEXT} characters, got ${body.length}.`,
      body.slice(0, 64),
    )
  }
  // A bound of the whole reply (its node count) is no line's error: it throws from the builder.
  const { topology, errors } = edge('CLUSTER NODES', () => readNodes(body, builder))
  const [first] = errors
  if (first !== undefined) {
    throw new InvalidTopologyError(
      `Invalid CLUSTER NODES reply, line ${first.line}: ${first.message}`,
      body,
      {
        line: first.line,
      },
    )
  }
  return topology
}
