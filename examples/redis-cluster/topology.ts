/**
 * Reading a cluster's topology from `CLUSTER SLOTS` and its redirections from `MOVED` and `ASK` errors, as the
 * Redis Cluster specification and the command's reference describe them
 * (https://redis.io/docs/latest/commands/cluster-slots/). Addresses are returned as the server spelled them,
 * unkeyed: identity is the node cache's business here, so the naive client can show what goes wrong without
 * it. (The library's `readClusterSlots` reads the same reply and keys every node; its `parseClusterSlots`
 * reads `redis-cli --json` text.)
 */
import { type Endpoint, parseAddress } from 'canonical-node-key'
import type { RedisReplyError, Reply } from './resp.ts'

/** A master as one `CLUSTER SLOTS` range reports it. */
export interface AnnouncedMaster {
  /** The node id (40 hex characters). */
  id: string
  /**
   * The host as reported (an IP, a hostname, a bare IPv6 address); when the server gave none (an empty
   * string, or null for `unknown-endpoint`), the host of the node that was asked, canonicalized.
   */
  host: string
  port: number
}

/** A range of hash slots and the master serving it. */
export interface AnnouncedSlotRange {
  start: number
  end: number
  master: AnnouncedMaster
}

/**
 * A reply that does not have the shape `CLUSTER SLOTS` documents.
 *
 * @example
 * ```ts
 * readAnnouncedSlotRanges('OK', '127.0.0.1') // throws TopologyError
 * ```
 */
export class TopologyError extends Error {
  override name = 'TopologyError'
}

const isSlot = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 16384

// The metadata map of Redis 7 (`["ip", "127.0.0.1", "hostname", "…"]` in RESP2), read for its `ip` field.
const metadataIp = (entry: Reply[]): string | undefined => {
  const metadata = entry[3]
  if (!Array.isArray(metadata)) return undefined
  for (let i = 0; i + 1 < metadata.length; i += 2) {
    if (metadata[i] === 'ip' && typeof metadata[i + 1] === 'string' && metadata[i + 1] !== '') {
      return metadata[i + 1] as string
    }
  }
  return undefined
}

const readNode = (entry: Reply, originHost: string): AnnouncedMaster => {
  if (!Array.isArray(entry) || entry.length < 3) {
    throw new TopologyError('Expected a CLUSTER SLOTS node entry: [host, port, id, …].')
  }
  const [host, port, id] = entry
  if (typeof port !== 'number' || typeof id !== 'string' || (host !== null && typeof host !== 'string')) {
    throw new TopologyError(
      'Expected a CLUSTER SLOTS node entry with a host string, a port number and an id.',
    )
  }
  // An empty host means "the node you asked" (the reply's own endpoint, when the node does not know its
  // address); null is `cluster-preferred-endpoint-type unknown-endpoint`, which means the same.
  if (host === '' || host === null) return { id, ...parseAddress({ host: '', port }, { originHost }) }
  // "?" is a preferred hostname the node does not have; its IP, in the metadata, still reaches it.
  if (host === '?') {
    const ip = metadataIp(entry)
    if (ip === undefined) throw new TopologyError(`Expected node ${id} to have a hostname or an IP address.`)
    return { id, host: ip, port }
  }
  return { id, host, port }
}

/**
 * The slot ranges of a RESP2 `CLUSTER SLOTS` reply as `resp.ts` decodes it, each with its master as
 * announced (replicas are not used by this client). `originHost` is the host the reply came from, for the
 * empty-host endpoint.
 *
 * @throws {@link TopologyError} for a reply of another shape.
 * @example
 * ```ts
 * readAnnouncedSlotRanges([[0, 16383, ['', 7000, 'e7d1…']]], '127.0.0.1')
 * // [{ start: 0, end: 16383, master: { id: 'e7d1…', host: '127.0.0.1', port: 7000 } }]
 * ```
 */
export const readAnnouncedSlotRanges = (reply: Reply, originHost: string): AnnouncedSlotRange[] => {
  if (!Array.isArray(reply)) throw new TopologyError('Expected CLUSTER SLOTS to reply with an array.')
  return reply.map((range) => {
    if (!Array.isArray(range) || range.length < 3) {
      throw new TopologyError('Expected each CLUSTER SLOTS range to be [start, end, master, …replicas].')
    }
    const [start, end, master] = range
    if (!isSlot(start) || !isSlot(end) || start > end) {
      throw new TopologyError('Expected a CLUSTER SLOTS range with slots from 0 to 16383, start before end.')
    }
    return { start, end, master: readNode(master as Reply, originHost) }
  })
}

/** A `MOVED` or `ASK` redirection. */
export interface Redirect {
  kind: 'MOVED' | 'ASK'
  slot: number
  /** Where to go; `undefined` when the server does not know the endpoint (`?`), so only a refresh helps. */
  endpoint: Endpoint | undefined
}

/**
 * The redirection an error reply carries (`MOVED 3999 127.0.0.1:7001`, `ASK 3999 :7001`), or `undefined` for
 * any other error. `originHost` is the host of the node that sent it, for the empty-host endpoint.
 *
 * @example
 * ```ts
 * parseRedirect(new RedisReplyError('ASK 3999 ::1:7001'), '::1')
 * // { kind: 'ASK', slot: 3999, endpoint: { host: '::1', port: 7001 } }
 * ```
 */
export const parseRedirect = (error: RedisReplyError, originHost: string): Redirect | undefined => {
  if (error.code !== 'MOVED' && error.code !== 'ASK') return undefined
  const [, slotText, address] = error.message.split(' ')
  const slot = Number(slotText)
  if (!isSlot(slot) || address === undefined) return undefined
  let endpoint: Endpoint | undefined
  try {
    endpoint = parseAddress(address, { originHost })
  } catch {
    endpoint = undefined
  }
  return { kind: error.code, slot, endpoint }
}
