/**
 * Readers of a Redis Cluster's description of itself, as a client library hands the replies over:
 * `CLUSTER SLOTS`, `CLUSTER SHARDS` (Redis 7+) and `CLUSTER NODES`. Each node comes back with its canonical
 * key, through the caller's keyer, so that a client stores and looks up its connections under one spelling,
 * and with its node id, so that a client can `link()` the spellings of one node.
 *
 * Shapes accepted, as Redis documents the commands (https://redis.io/docs/latest/commands/cluster-slots/,
 * https://redis.io/docs/latest/commands/cluster-shards/, https://redis.io/docs/latest/commands/cluster-nodes/):
 * - a RESP2 map is a flat `[key, value, key, value, …]` array (ioredis, and node-redis under RESP2);
 * - a RESP3 map is a plain object (node-redis's default type mapping, ioredis 6's `replyMapping: 'resp3'`,
 *   `redis-cli --json`) or a `Map` (node-redis with `{ [RESP_TYPES.MAP]: Map }`);
 * - strings may come as strings, as `Buffer`s (ioredis 6 decodes every RESP3 string to a Buffer before its
 *   per-command encoding) or as `String` objects (node-redis's `VerbatimString` for `CLUSTER NODES`);
 * - integers as numbers or decimal strings (`stringNumbers`).
 */
import {
  type AddressKeyer,
  canonicalNodeKey,
  DEFAULT_HOST_POLICY,
  endpointOf,
  flag,
  hostOrFailure,
  isCanonicalIp,
  isFailure,
  isNodeKeyError,
  type NodeEndpoint,
  type NodeKey,
  preview,
  readOptions,
  rule,
} from '../key/internal.js'
import { InvalidTopologyError } from './errors.js'

/**
 * Options of {@link readClusterSlots}, {@link readClusterShards} and {@link readClusterNodes}.
 * @category Topology
 */
export interface ReadTopologyOptions {
  /**
   * The keyer every node's address goes through; use the one your node cache uses.
   * @defaultValue {@link canonicalNodeKey}
   */
  keyer?: AddressKeyer | undefined
  /**
   * The host the reply came from (`'127.0.0.1'`, `'::1'`, `'[::1]'`, `'redis-1.example'`). Redis writes an
   * empty host (and, under `cluster-preferred-endpoint-type unknown-endpoint`, a null one in `CLUSTER SLOTS`)
   * for "the node you are talking to"; such a node takes this host and its own port. Without it, such a node
   * is reported in {@link ClusterTopology.unkeyed}.
   */
  origin?: string | undefined
  /**
   * `CLUSTER SHARDS` only: take a node's `tls-port` rather than its `port` when it has both (a client that
   * dials the cluster over TLS). `CLUSTER SLOTS` already gives the port that suits the connection it was asked on.
   * @defaultValue `false`
   */
  tls?: boolean | undefined
}

/**
 * A node's role in the topology.
 *
 * @category Topology
 */
export type ClusterNodeRole = 'master' | 'replica'

/**
 * One node of a topology, keyed.
 * @category Topology
 */
export interface TopologyNode {
  /** The node id (40 hex characters in Redis), as written. */
  readonly id: string
  /** The canonical key of the node's preferred endpoint, through the keyer. */
  readonly key: NodeKey
  /** The host to dial: the key's host (after the keyer's resolver: NAT, loopback, DNS), IPv6 bare. */
  readonly host: string
  /** The port to dial: the key's port. */
  readonly port: number
  /**
   * The DNS name the preferred endpoint was given as, for TLS SNI and certificate checks: lowercase,
   * punycode, without a trailing dot. Absent when the endpoint is an IP address.
   */
  readonly servername?: string
  /** The preferred endpoint's host as the reply wrote it (`''` when it was the origin's). */
  readonly announced: string
  /** The hostname the node announces (`cluster-announce-hostname`), as written, when the reply gives one. */
  readonly hostname?: string
  /** The IP address the node announces, as written, when the reply gives one. */
  readonly ip?: string
  /** `'master'`, or `'replica'` (Redis's `slave` flag in `CLUSTER NODES`). */
  readonly role: ClusterNodeRole
}

/**
 * Why a node of a reply has no key: `unknown-endpoint` (Redis's `?`: the preferred endpoint is a hostname
 * the node does not have), `no-address` (a node in handshake, flagged `noaddr`, or an empty host with no
 * `origin` given), or `invalid-address` (the keyer refused the address; `error` says why).
 *
 * @category Topology
 */
export type UnkeyedReason = 'unknown-endpoint' | 'no-address' | 'invalid-address'

/**
 * A node the reply names but gives no usable address for: reported, not keyed.
 * @category Topology
 */
export interface UnkeyedNode {
  /** The node id, as written. */
  readonly id: string
  /** `'master'` or `'replica'`. */
  readonly role: ClusterNodeRole
  /** The preferred endpoint's host as written (`'?'`, `''`), or `null` when the reply gave null. */
  readonly announced: string | null
  /** The port the reply gives (`0` for a node without an address). */
  readonly port: number
  /** The hostname the node announces, when the reply gives one. */
  readonly hostname?: string
  /** The IP address the node announces, when the reply gives one (a `?` node may still be reached there). */
  readonly ip?: string
  /** Why the node has no key. */
  readonly reason: UnkeyedReason
  /** What is missing or wrong, naming the node id. */
  readonly message: string
  /** The keyer's error, for `invalid-address`. */
  readonly error?: Error
}

/**
 * A range of hash slots, its master's node id and its replicas' ids (which {@link ClusterTopology.nodes} or
 * {@link ClusterTopology.unkeyed} describe).
 * @category Topology
 */
export interface SlotRange {
  /** The first slot of the range, 0 to 16383. */
  readonly start: number
  /** The last slot of the range, inclusive. */
  readonly end: number
  /** The master's id; absent only for a `CLUSTER SHARDS` shard that has no node in the master role. */
  readonly master?: string
  /** The replicas' ids, in the order of the reply. */
  readonly replicas: readonly string[]
}

/**
 * What a reader returns.
 * @category Topology
 */
export interface ClusterTopology {
  /** Slot ranges in the order of the reply. */
  readonly slots: readonly SlotRange[]
  /** Every keyed node, once per node id, in the order first met. */
  readonly nodes: readonly TopologyNode[]
  /** Nodes without a usable address, once per node id. */
  readonly unkeyed: readonly UnkeyedNode[]
}

// ---------------------------------------------------------------------------------------------------------
// The one place that turns (keyer, host, port) into what a client dials.

/**
 * The key of `host:port` through the keyer and the endpoint it stands for, in one trip (the core's
 * `endpointOf`); `{ error }` when the keyer refuses the address.
 */
const endpointFor = (keyer: AddressKeyer, host: string, port: number): NodeEndpoint | { error: Error } => {
  try {
    return endpointOf(keyer as Parameters<typeof endpointOf>[0], { host, port }, undefined, false)
  } catch (error) {
    if (isNodeKeyError(error)) return { error }
    throw error
  }
}

/** A canonical host that is an IP address: IPv6 (has a colon) or dotted-decimal IPv4. */

// ---------------------------------------------------------------------------------------------------------
// Reading RESP values as client libraries deliver them. A bad value throws Bad inside this module; the
// public readers turn it into an InvalidTopologyError.

class Bad extends Error {
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message)
  }
}

const describe = (value: unknown): string => {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return `a Buffer ${preview(textOf(value) ?? '')}`
  if (value instanceof Map) return 'a Map'
  try {
    const json = JSON.stringify(value)
    if (json !== undefined) return json.length > 80 ? `${json.slice(0, 80)}…` : json
  } catch {
    // A cycle or a bigint: fall back to a preview.
  }
  return preview(value)
}

// Made on first use: constructing a TextDecoder at import would cost every importer.
let decoder: { decode(input: Uint8Array): string } | undefined

/** A RESP string as a JS string: a string, a Buffer/Uint8Array (UTF-8) or a String object; else undefined. */
const textOf = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value
  if (value instanceof String) return value.valueOf()
  if (value instanceof Uint8Array) {
    try {
      decoder ??= new TextDecoder('utf-8', { fatal: true })
      return decoder.decode(value)
    } catch {
      return undefined
    }
  }
  return undefined
}

const text = (value: unknown, what: string): string => {
  const result = textOf(value)
  if (result === undefined) throw new Bad(`Expected ${what} to be a string, got ${describe(value)}.`, value)
  return result
}

/** A RESP integer: a number, or a decimal string (`stringNumbers`). */
const integer = (value: unknown, what: string, min: number, max: number): number => {
  const asText = textOf(value)
  const number =
    typeof value === 'number'
      ? value
      : asText !== undefined && /^[0-9]{1,6}$/.test(asText)
        ? Number(asText)
        : Number.NaN
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Bad(`Expected ${what} to be an integer from ${min} to ${max}, got ${describe(value)}.`, value)
  }
  return number
}

const slot = (value: unknown, what: string): number => integer(value, what, 0, 16383)
const port = (value: unknown, what: string): number => integer(value, what, 0, 65535)

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** A RESP map in any of its delivered shapes: a flat key/value array, a plain object or a Map. */
const fields = (value: unknown, what: string): Map<string, unknown> => {
  const map = new Map<string, unknown>()
  if (Array.isArray(value)) {
    if (value.length % 2 !== 0) {
      throw new Bad(
        `Expected ${what} to be a map: a flat [key, value, …] array of even length, got ${value.length} elements.`,
        value,
      )
    }
    for (let i = 0; i < value.length; i += 2) map.set(text(value[i], `a key of ${what}`), value[i + 1])
  } else if (value instanceof Map) {
    for (const [name, item] of value) map.set(text(name, `a key of ${what}`), item)
  } else if (isPlainObject(value)) {
    for (const [name, item] of Object.entries(value)) map.set(name, item)
  } else {
    throw new Bad(
      `Expected ${what} to be a map (a flat [key, value, …] array, an object or a Map), got ${describe(value)}.`,
      value,
    )
  }
  return map
}

const array = (value: unknown, what: string): unknown[] => {
  if (!Array.isArray(value)) throw new Bad(`Expected ${what} to be an array, got ${describe(value)}.`, value)
  return value
}

const optionalText = (value: unknown, what: string): string | undefined =>
  value === undefined || value === null ? undefined : text(value, what)

/** A node id: a non-empty string without whitespace. */
const nodeId = (value: unknown, what: string): string => {
  const id = text(value, what)
  if (id === '' || /\s/.test(id)) {
    throw new Bad(`Expected ${what} to be a node id (40 hex characters), got ${describe(value)}.`, value)
  }
  return id
}

// ---------------------------------------------------------------------------------------------------------
// Building the result.

interface NodeFacts {
  id: string
  role: ClusterNodeRole
  /** The preferred endpoint's host; null when the reply gave null. */
  announced: string | null
  port: number
  hostname?: string | undefined
  ip?: string | undefined
  /** `noaddr` or handshake: the node has no address at all. */
  noAddress?: boolean
}

class Builder {
  readonly slots: SlotRange[] = []
  readonly nodes: TopologyNode[] = []
  readonly unkeyed: UnkeyedNode[] = []
  readonly #seen = new Set<string>()
  readonly #keyer: AddressKeyer
  readonly #origin: string | undefined
  /** `CLUSTER SHARDS`: take a node's `tls-port` when it has one. */
  readonly tls: boolean

  constructor(options: ReadTopologyOptions | undefined, where: string) {
    const checked = readTopologyOptions(options, where)
    this.#keyer = checked.keyer
    this.#origin = checked.origin
    this.tls = checked.tls
  }

  add(facts: NodeFacts): void {
    if (this.#seen.has(facts.id)) return
    this.#seen.add(facts.id)
    const { id, role, announced, port } = facts
    const extra = {
      ...(nonEmpty(facts.hostname) ? { hostname: facts.hostname } : {}),
      ...(nonEmpty(facts.ip) ? { ip: facts.ip } : {}),
    }
    const unkeyed = (reason: UnkeyedReason, message: string, error?: Error): void => {
      this.unkeyed.push({
        id,
        role,
        announced,
        port,
        ...extra,
        reason,
        message,
        ...(error === undefined ? {} : { error }),
      })
    }
    if (facts.noAddress === true || port === 0) {
      unkeyed('no-address', `node ${id} has no address yet (${JSON.stringify(`${announced ?? ''}:${port}`)})`)
      return
    }
    if (announced === '?') {
      unkeyed(
        'unknown-endpoint',
        `node ${id} has an unknown endpoint ("?": its preferred endpoint is a hostname it does not have)`,
      )
      return
    }
    let host = announced ?? ''
    if (host === '') {
      if (this.#origin === undefined) {
        unkeyed(
          'no-address',
          `node ${id} is given as "the node you asked" (${announced === null ? 'a null' : 'an empty'} host); pass \`origin\`, the host the reply came from`,
        )
        return
      }
      host = this.#origin
    }
    const endpoint = endpointFor(this.#keyer, host, port)
    if ('error' in endpoint) {
      unkeyed('invalid-address', `node ${id}: ${endpoint.error.message}`, endpoint.error)
      return
    }
    const { key, host: dialHost, port: dialPort, servername } = endpoint
    this.nodes.push({
      id,
      key,
      host: dialHost,
      port: dialPort,
      ...(servername === undefined ? {} : { servername }),
      announced: announced ?? '',
      ...extra,
      role,
    })
  }

  result(): ClusterTopology {
    return { slots: this.slots, nodes: this.nodes, unkeyed: this.unkeyed }
  }
}

const nonEmpty = (value: string | undefined): value is string =>
  value !== undefined && value !== '' && value !== '?'

/** The rules of {@link ReadTopologyOptions}. */
const READ_TOPOLOGY_OPTION_RULES = {
  keyer: /* @__PURE__ */ rule<AddressKeyer>('a keyer function (createNodeKeyer())', (value) =>
    value === undefined
      ? { value: canonicalNodeKey }
      : typeof value === 'function'
        ? { value: value as AddressKeyer }
        : undefined,
  ),
  origin: /* @__PURE__ */ rule<string | undefined>(
    "the host the reply came from ('127.0.0.1', '::1', 'redis-1.example')",
    (value) =>
      value === undefined || !isFailure(hostOrFailure(value, DEFAULT_HOST_POLICY))
        ? { value: value as string | undefined }
        : undefined,
  ),
  tls: /* @__PURE__ */ flag(false),
}

const readTopologyOptions = (options: unknown, where: string) =>
  readOptions(options, where, READ_TOPOLOGY_OPTION_RULES)

/** Run a reader, turning a Bad value into the public error. */
const edge = <T>(command: string, read: () => T): T => {
  try {
    return read()
  } catch (error) {
    if (error instanceof Bad) {
      throw new InvalidTopologyError(`Invalid ${command} reply: ${error.message}`, error.value)
    }
    throw error
  }
}

// ---------------------------------------------------------------------------------------------------------
// CLUSTER SLOTS

/** The body of {@link readClusterSlots}; throws Bad. */
const readSlots = (reply: unknown, builder: Builder): ClusterTopology => {
  for (const [index, value] of array(reply, 'the reply').entries()) {
    const range = array(value, `slot range ${index}`)
    if (range.length < 3) {
      throw new Bad(
        `Expected slot range ${index} to be [start, end, master, replica…], got ${range.length} element(s).`,
        value,
      )
    }
    const start = slot(range[0], `the start of slot range ${index}`)
    const end = slot(range[1], `the end of slot range ${index}`)
    const ids: string[] = []
    for (const [position, item] of range.slice(2).entries()) {
      const what = `node ${position} of slot range ${start}-${end}`
      const node = array(item, what)
      if (node.length < 3) {
        throw new Bad(
          `Expected ${what} to be [host, port, id, metadata?], got ${node.length} element(s).`,
          item,
        )
      }
      const announced = node[0] === null ? null : text(node[0], `the host of ${what}`)
      const nodePort = port(node[1], `the port of ${what}`)
      const id = nodeId(node[2], `the id of ${what}`)
      const metadata =
        node[3] === undefined ? new Map<string, unknown>() : fields(node[3], `the metadata of ${what}`)
      ids.push(id)
      builder.add({
        id,
        role: position === 0 ? 'master' : 'replica',
        announced,
        port: nodePort,
        // The preferred endpoint is the IP or the hostname; the metadata names the other.
        hostname:
          optionalText(metadata.get('hostname'), `the hostname of ${what}`) ??
          (isAName(announced) ? announced : undefined),
        ip:
          optionalText(metadata.get('ip'), `the ip of ${what}`) ??
          (isAnIp(announced) ? announced : undefined),
      })
    }
    const [master, ...replicas] = ids as [string, ...string[]]
    builder.slots.push({ start, end, master, replicas })
  }
  return builder.result()
}

/** Whether a host as written is an IP address. */
const isAnIp = (host: string | null): host is string => {
  if (host === null || host === '' || host === '?') return false
  const canonical = hostOrFailure(host, DEFAULT_HOST_POLICY)
  return !isFailure(canonical) && isCanonicalIp(canonical)
}

/** Whether a host as written is a name (not an IP address, not empty, not `?`). */
const isAName = (host: string | null): host is string =>
  host !== null && host !== '' && host !== '?' && !isAnIp(host)

/**
 * Read a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, metadata?], …replicas], …]`, where metadata
 * (Redis 7) is a map that may give the node's `ip` and `hostname`, as a flat array under RESP2 or an object
 * or `Map` under RESP3. A node that serves several ranges is listed once.
 *
 * @throws {@link InvalidTopologyError} when the reply does not have that shape; `TypeError` for bad options.
 * @example
 * ```ts
 * const reply = [[0, 16383, ['127.0.0.1', 7000, '8bb6…95', ['hostname', 'redis-1']]]] // ioredis, RESP2
 * readClusterSlots(reply).nodes[0]
 * // { id: '8bb6…95', key: '127.0.0.1:7000', host: '127.0.0.1', port: 7000, announced: '127.0.0.1',
 * //   hostname: 'redis-1', ip: '127.0.0.1', role: 'master' }
 * ```
 * @category Topology
 */
export const readClusterSlots = (reply: unknown, options?: ReadTopologyOptions): ClusterTopology => {
  const builder = new Builder(options, 'readClusterSlots')
  return edge('CLUSTER SLOTS', () => readSlots(reply, builder))
}

// ---------------------------------------------------------------------------------------------------------
// CLUSTER SHARDS

const ROLES: Readonly<Record<string, ClusterNodeRole>> = { master: 'master', replica: 'replica' }

/** The body of {@link readClusterShards}; throws Bad. */
const readShards = (reply: unknown, builder: Builder): ClusterTopology => {
  const { tls } = builder
  for (const [index, value] of array(reply, 'the reply').entries()) {
    const shard = fields(value, `shard ${index}`)
    const slotList = array(shard.get('slots'), `the slots of shard ${index}`)
    if (slotList.length % 2 !== 0) {
      throw new Bad(
        `Expected the slots of shard ${index} to be [start, end, …] pairs, got ${slotList.length} element(s).`,
        slotList,
      )
    }
    const ids: { id: string; role: ClusterNodeRole }[] = []
    for (const [position, item] of array(shard.get('nodes'), `the nodes of shard ${index}`).entries()) {
      const what = `node ${position} of shard ${index}`
      const node = fields(item, what)
      const id = nodeId(node.get('id'), `the id of ${what}`)
      const roleText = text(node.get('role'), `the role of ${what}`)
      const role = ROLES[roleText]
      if (role === undefined) {
        throw new Bad(
          `Expected the role of ${what} to be "master" or "replica", got ${describe(roleText)}.`,
          roleText,
        )
      }
      const plain = node.get('port')
      const secure = node.get('tls-port')
      const chosen = (tls && secure !== undefined) || plain === undefined ? secure : plain
      if (chosen === undefined) throw new Bad(`Expected ${what} to have a port or a tls-port.`, item)
      const nodePort = port(chosen, `the ${chosen === secure ? 'tls-port' : 'port'} of ${what}`)
      const endpoint = node.get('endpoint')
      ids.push({ id, role })
      builder.add({
        id,
        role,
        announced: endpoint === null ? null : text(endpoint, `the endpoint of ${what}`),
        port: nodePort,
        hostname: optionalText(node.get('hostname'), `the hostname of ${what}`),
        ip: optionalText(node.get('ip'), `the ip of ${what}`),
      })
    }
    const master = ids.find((node) => node.role === 'master')?.id
    const replicas = ids.filter((node) => node.role === 'replica').map((node) => node.id)
    for (let i = 0; i < slotList.length; i += 2) {
      const start = slot(slotList[i], `a slot of shard ${index}`)
      const end = slot(slotList[i + 1], `a slot of shard ${index}`)
      builder.slots.push(master === undefined ? { start, end, replicas } : { start, end, master, replicas })
    }
  }
  return builder.result()
}

/**
 * Read a `CLUSTER SHARDS` reply (Redis 7+): a list of shards, each a map of `slots` (`[start, end, …]`) and
 * `nodes` (maps of `id`, `port`, `tls-port`, `ip`, `endpoint`, `hostname`, `role`, `health`, …), as a
 * flat array under RESP2 or objects or `Map`s under RESP3. A node's key is its `endpoint` (the preferred
 * endpoint) with its `port` (or its `tls-port`, with `tls: true` or when it has no `port`).
 *
 * @throws {@link InvalidTopologyError} when the reply does not have that shape; `TypeError` for bad options.
 * @example
 * ```ts
 * const reply = [{ slots: [0, 16383], nodes: [
 *   { id: '8bb6…95', port: 7000, ip: '::1', endpoint: '::1', role: 'master', health: 'online' },
 * ] }] // node-redis, RESP3
 * readClusterShards(reply).nodes[0].key // '[::1]:7000'
 * ```
 * @category Topology
 */
export const readClusterShards = (reply: unknown, options?: ReadTopologyOptions): ClusterTopology => {
  const builder = new Builder(options, 'readClusterShards')
  return edge('CLUSTER SHARDS', () => readShards(reply, builder))
}

// ---------------------------------------------------------------------------------------------------------
// CLUSTER NODES

/** A line of `CLUSTER NODES` that could not be read, with its 1-based line number. */
interface NodesLineError {
  readonly line: number
  readonly message: string
}

/**
 * The body of {@link readClusterNodes}: every line is read; bad lines are returned, not thrown. `lineOf`
 * gives the line each node id was read from.
 */
const readNodes = (
  text: string,
  builder: Builder,
  firstLine = 1,
): { topology: ClusterTopology; errors: NodesLineError[]; lineOf: Map<string, number> } => {
  const errors: NodesLineError[] = []
  const lineOf = new Map<string, number>()
  const seen = new Set<string>()
  const replicasOf = new Map<string, string[]>()
  const ranges: { start: number; end: number; master: string }[] = []
  for (const [index, raw] of text.split('\n').entries()) {
    const line = firstLine + index
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
    lineOf.set(id, line)
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
    if (role === 'replica' && master !== '-') replicasOf.set(master, [...(replicasOf.get(master) ?? []), id])
    for (const range of slots) ranges.push({ ...range, master: id })
  }
  for (const range of ranges) builder.slots.push({ ...range, replicas: replicasOf.get(range.master) ?? [] })
  builder.slots.sort((a, b) => a.start - b.start)
  return { topology: builder.result(), errors, lineOf }
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
  const { topology, errors } = readNodes(body, builder)
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
