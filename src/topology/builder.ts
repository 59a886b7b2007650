/**
 * Building a reader's result: each node once per node id, keyed through the caller's keyer in one trip
 * (the core's `endpointOf`), or reported unkeyed with the reason.
 */
import {
  type AddressKeyer,
  callback,
  canonicalNodeKey,
  DEFAULT_HOST_POLICY,
  endpointOf,
  flag,
  hostOrFailure,
  isFailure,
  isNodeKeyError,
  type NodeEndpoint,
  readOptions,
  rule,
} from '../key/internal.js'
import { Bad, describe } from './resp.js'
import type {
  ClusterNodeRole,
  ClusterTopology,
  ReadTopologyOptions,
  SlotRange,
  TopologyNode,
  UnkeyedNode,
  UnkeyedReason,
} from './types.js'

/**
 * The key of `host:port` through the keyer and the endpoint it stands for, in one trip (the core's
 * `endpointOf`); `{ error }` when the keyer refuses the address.
 */
const endpointFor = (keyer: AddressKeyer, host: string, port: number): NodeEndpoint | { error: Error } => {
  try {
    return endpointOf(keyer, { host, port }, undefined, false)
  } catch (error) {
    if (isNodeKeyError(error)) return { error }
    throw error
  }
}

export interface NodeFacts {
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

/**
 * The most a reply may describe: 100,000 nodes (far past any cluster: Redis advises at most 1,000), and
 * 16,384 slot ranges (one a slot). Past them a reply is refused, before it costs more.
 */
export const MAX_TOPOLOGY_NODES = 100_000
export const MAX_SLOT_RANGES = 16_384
/** The longest `CLUSTER NODES` text read: 16 MiB, some 80 times a reply of 1,000 nodes. */
export const MAX_NODES_TEXT = 16 * 1024 * 1024

export class Builder {
  readonly slots: SlotRange[] = []
  readonly nodes: TopologyNode[] = []
  readonly unkeyed: UnkeyedNode[] = []
  readonly #seen = new Map<string, string>()
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
    const address = `${facts.announced ?? ''}:${facts.port}`
    const seen = this.#seen.get(facts.id)
    if (seen !== undefined) {
      // One node serves several ranges, each listing it: the same node, at the same address.
      if (seen === address) return
      throw new Bad(
        `Expected node ${describe(facts.id)} at one address in one reply, got it at ${describe(seen)} and at ${describe(address)}.`,
        facts.id,
      )
    }
    if (this.#seen.size >= MAX_TOPOLOGY_NODES) {
      throw new Bad(`Expected at most ${MAX_TOPOLOGY_NODES} nodes in one reply, got more.`, facts.id)
    }
    this.#seen.set(facts.id, address)
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

  /**
   * A slot range, checked: its start at most its end. Ranges that overlap are found by {@link Builder.result}.
   */
  range(start: number, end: number, what: string): void {
    if (this.slots.length >= MAX_SLOT_RANGES) {
      throw new Bad(`Expected at most ${MAX_SLOT_RANGES} slot ranges in one reply, got more.`, [start, end])
    }
    if (start > end) {
      throw new Bad(`Expected ${what} to start at or before its end, got ${start}-${end}.`, [start, end])
    }
  }

  /** The result, its ranges in slot order; a slot in two ranges throws. */
  result(): ClusterTopology {
    const slots = [...this.slots].sort((a, b) => a.start - b.start)
    for (let i = 1; i < slots.length; i++) {
      const [before, after] = [slots[i - 1]!, slots[i]!]
      if (after.start <= before.end) {
        throw new Bad(
          `Expected each slot in one range, got slots ${before.start}-${before.end} and ${after.start}-${after.end}.`,
          [before, after],
        )
      }
    }
    return { slots: this.slots, nodes: this.nodes, unkeyed: this.unkeyed }
  }
}

const nonEmpty = (value: string | undefined): value is string =>
  value !== undefined && value !== '' && value !== '?'

/** The rules of {@link ReadTopologyOptions}. */
const READ_TOPOLOGY_OPTION_RULES = {
  keyer: /* @__PURE__ */ callback<AddressKeyer, AddressKeyer>(
    'a keyer function (createNodeKeyer())',
    canonicalNodeKey,
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
