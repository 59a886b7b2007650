/**
 * What `NodeMap.sync` takes and gives: the shapes of its input, the reading of that input into node ids and
 * keyed addresses (all of it checked before the map changes), the table of node ids the map keeps from one
 * sync to the next, and the report of what changed.
 */
import { type AddressInput, flag, type NodeKey, preview } from '../key/internal.js'
import { NodeMapSyncError } from './errors.js'
import type { Spelling } from './spellings.js'

/**
 * One node as {@link NodeMap.sync} takes it: what the topology readers return (`TopologyNode`: `{ id, key,
 * … }`), or any object with an address under `key` and, best, the node's id.
 *
 * @example
 * ```ts
 * const node: NodeMapSyncNode = { id: '07c37dfe…', key: '127.0.0.1:7000', addresses: ['[::1]:7000'] }
 * ```
 * @category NodeMap
 */
export interface NodeMapSyncNode {
  /**
   * The node id (Redis's 40 hex characters). Without it, the node is known by its address alone: it keeps
   * whatever entry its address finds, and can neither replace nor be linked.
   */
  readonly id?: string | undefined
  /** The node's address: a topology reader's `NodeKey`, or any address. */
  readonly key: AddressInput
  /** Other addresses of the same node, linked to its entry (at most 15). */
  readonly addresses?: Iterable<AddressInput> | undefined
}

/**
 * A whole topology as {@link NodeMap.sync} takes it: what `readClusterSlots`, `readClusterShards` and
 * `readClusterNodes` return. The ids of `unkeyed` nodes (in the cluster, with no usable address in this
 * reply) are members still: an entry synced under one of them stays.
 *
 * @example
 * ```ts
 * nodes.sync(readClusterSlots(reply, { keyer, origin: '127.0.0.1' })) // a ClusterTopology is one
 * ```
 * @category NodeMap
 */
export interface NodeMapTopology {
  /** The keyed nodes. */
  readonly nodes: Iterable<NodeMapSyncNode>
  /** Nodes the reply names without a usable address; only their ids are read. */
  readonly unkeyed?:
    | Iterable<{
        /** The node id. */
        readonly id: string
      }>
    | undefined
}

/**
 * What {@link NodeMap.sync} takes: a topology (`{ nodes, unkeyed? }`), or an iterable of nodes
 * (`{ id?, key, addresses? }`) and plain addresses (nodes without an id).
 *
 * @example
 * ```ts
 * nodes.sync(readClusterShards(reply))                     // a topology
 * nodes.sync([{ id: 'a1…', key: '127.0.0.1:7000' }])       // nodes
 * nodes.sync(['127.0.0.1:7000', { host: '::1', port: 7001 }]) // addresses alone
 * ```
 * @category NodeMap
 */
export type NodeMapSyncInput = NodeMapTopology | Iterable<NodeMapSyncNode | AddressInput>

/**
 * Options of {@link NodeMap.sync}.
 * @category NodeMap
 */
export interface NodeMapSyncOptions {
  /**
   * Accept a topology with no node that has an address, and so let every entry go. Without it such a
   * topology is refused: an empty or failed read would otherwise close every connection at once.
   * @defaultValue `false`
   */
  allowEmpty?: boolean | undefined
}

/**
 * What one {@link NodeMap.sync} changed, for a client to log. Each list is in the order the changes were made.
 *
 * @example
 * ```ts
 * const { added, departed, replaced, linked } = nodes.sync(topology)
 * for (const { key, id } of departed) console.log(`node ${id ?? '?'} at ${key} left; its connection closed`)
 * ```
 * @category NodeMap
 */
export interface NodeMapSyncResult {
  /**
   * Node ids the map did not know from its previous sync (all of them on the first), each with its first
   * address. Nothing is created for them: an entry comes with the first `getOrCreate`.
   */
  readonly added: readonly {
    /** The node id. */
    readonly id: string
    /** The first address it was listed under. */
    readonly key: NodeKey
  }[]
  /**
   * Entries whose node is no longer in the topology, disposed with reason `'departed'`, and creations in
   * flight for such nodes, cancelled (their values are disposed with reason `'stale'` when they arrive);
   * `id` is the id the entry was synced under, if any.
   */
  readonly departed: readonly {
    /** The key the entry or creation was filed under. */
    readonly key: NodeKey
    /** The node id it was synced under; `undefined` if none. */
    readonly id: string | undefined
  }[]
  /**
   * Entries (or creations in flight) at an address where another node id now answers: disposed with reason
   * `'replaced'` (a creation's value with `'stale'`). `id` is the id they were synced under, `by` the id
   * listed now.
   */
  readonly replaced: readonly {
    /** The address, as the key the value was filed under. */
    readonly key: NodeKey
    /** The node id the value was synced under. */
    readonly id: string
    /** The node id listed at the address now (the first, if several are). */
    readonly by: string
  }[]
  /**
   * Addresses linked to the entry of their node (`key`), as `link(address, key)` does; a value filed under
   * such an address itself is disposed with reason `'link'`.
   */
  readonly linked: readonly {
    /** The address linked, as its own key. */
    readonly address: NodeKey
    /** The key of the node's entry it finds now. */
    readonly key: NodeKey
    /** The node id. */
    readonly id: string
  }[]
}

/** The rules of {@link NodeMapSyncOptions}. */
export const SYNC_OPTION_RULES = {
  allowEmpty: /* @__PURE__ */ flag(false),
}

/** The most nodes one sync reads: as many as a topology reader returns at most. */
export const MAX_SYNC_NODES = 100_000
/**
 * The most addresses one node may list besides its key: with its key, 16, as many as a key keeps links, so
 * a node whose entry is filed elsewhere (it moved) still finds it at every address listed.
 */
export const MAX_SYNC_ADDRESSES = 15

/** An address of the input, keyed: its own key (no link followed) and how it was spelled. */
export interface SyncAddress {
  readonly key: NodeKey
  readonly spelling: Spelling
}

/** A node id of the input with its addresses, each key once, in the order listed. */
export interface SyncGroup {
  readonly id: string
  readonly addresses: SyncAddress[]
}

/** The input, read and keyed. */
export interface SyncListing {
  /** Each node id with its addresses, in the order first listed. */
  readonly groups: Map<string, SyncGroup>
  /** Addresses listed without an id. */
  readonly anonymous: SyncAddress[]
  /** Each address listed with an id, to the first id listed there. */
  readonly claims: Map<NodeKey, string>
  /**
   * The addresses listed under more than one id, to all of them: the map cannot tell which node answers
   * there. Kept apart so that the common case, one id an address, builds no set.
   */
  readonly shared: Map<NodeKey, Set<string>>
  /** The ids of nodes listed without a usable address. */
  readonly unkeyed: Set<string>
  /** How many addresses were listed, with an id or without. */
  addressCount: number
}

/** Whether an id is among those listed at an address. */
export const listedAt = (listing: SyncListing, key: NodeKey, id: string): boolean => {
  const ids = listing.shared.get(key)
  return ids === undefined ? listing.claims.get(key) === id : ids.has(id)
}

/** Keys an address for sync: its own key and spelling; throws the keyer's error for one that is not. */
export type SyncKeying = (address: unknown) => SyncAddress

/** Whether a value can be iterated, read without letting a throwing getter escape. */
const iterableOf = (value: unknown): Iterable<unknown> | undefined => {
  if (typeof value !== 'object' || value === null) return undefined
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
    ? (value as Iterable<unknown>)
    : undefined
}

/** Run `read`, turning anything it throws that is not already a refusal into an `unreadable` one. */
const readingOf = <T>(read: () => T, what: string, input: unknown, index?: number): T => {
  try {
    return read()
  } catch (error) {
    if (error instanceof NodeMapSyncError) throw error
    throw new NodeMapSyncError('unreadable', `Expected ${what} to be readable: reading it threw.`, input, {
      cause: error,
      index,
    })
  }
}

/** A node's place and id, for messages. */
const nodeName = (index: number, id: string | undefined): string =>
  id === undefined ? `node ${index}` : `node ${index} (id ${preview(id)})`

/**
 * Read sync's input into node ids and keyed addresses. Everything is checked here, before the map changes:
 * a bad item throws a {@link NodeMapSyncError}.
 */
export const readSyncInput = (input: unknown, keyOf: SyncKeying): SyncListing => {
  const listing: SyncListing = {
    groups: new Map(),
    anonymous: [],
    claims: new Map(),
    shared: new Map(),
    unkeyed: new Set(),
    addressCount: 0,
  }
  if (typeof input === 'string') {
    throw new NodeMapSyncError(
      'not-a-topology',
      `Expected a topology or an iterable of nodes, got a string (${preview(input)}); wrap one address in an array.`,
      input,
    )
  }
  const list = readingOf(() => iterableOf(input), 'the topology', input)
  let nodes: Iterable<unknown>
  let unkeyed: Iterable<unknown> | undefined
  if (list !== undefined) {
    nodes = list
  } else {
    const parts = readingOf(
      () => {
        if (typeof input !== 'object' || input === null || !('nodes' in input)) return undefined
        const { nodes: keyed, unkeyed: rest } = input as { nodes?: unknown; unkeyed?: unknown }
        return { keyed, rest }
      },
      'the topology',
      input,
    )
    const keyed = parts === undefined ? undefined : readingOf(() => iterableOf(parts.keyed), 'nodes', input)
    if (parts === undefined || keyed === undefined) {
      throw new NodeMapSyncError(
        'not-a-topology',
        `Expected a topology ({ nodes, unkeyed? }) or an iterable of nodes, got ${preview(input)}.`,
        input,
      )
    }
    nodes = keyed
    if (parts.rest !== undefined) {
      unkeyed = readingOf(() => iterableOf(parts.rest), 'unkeyed', input)
      if (unkeyed === undefined) {
        throw new NodeMapSyncError(
          'not-a-topology',
          `Expected \`unkeyed\` of the topology to be an iterable of nodes, got ${preview(parts.rest)}.`,
          parts.rest,
        )
      }
    }
  }
  let index = 0
  readingOf(
    () => {
      for (const item of nodes) {
        if (index >= MAX_SYNC_NODES) {
          throw new NodeMapSyncError(
            'too-many-nodes',
            `Expected at most ${MAX_SYNC_NODES} nodes, got more.`,
            undefined,
          )
        }
        readNode(listing, item, index++, keyOf)
      }
    },
    'the nodes',
    input,
  )
  if (unkeyed !== undefined) {
    let at = 0
    readingOf(
      () => {
        for (const item of unkeyed) {
          if (at++ >= MAX_SYNC_NODES) {
            throw new NodeMapSyncError(
              'too-many-nodes',
              `Expected at most ${MAX_SYNC_NODES} unkeyed nodes, got more.`,
              undefined,
            )
          }
          const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined
          if (typeof id !== 'string' || id === '') {
            throw new NodeMapSyncError(
              'invalid-id',
              `Expected each unkeyed node to have an id (a non-empty string), got ${preview(id)}.`,
              item,
            )
          }
          listing.unkeyed.add(id)
        }
      },
      'the unkeyed nodes',
      input,
    )
  }
  return listing
}

/** Read one item of the nodes: a node (`{ id?, key, addresses? }`) or an address. */
const readNode = (listing: SyncListing, item: unknown, index: number, keyOf: SyncKeying): void => {
  const node =
    typeof item === 'object' && item !== null && 'key' in item
      ? (item as { id?: unknown; key?: unknown; addresses?: unknown })
      : undefined
  if (node === undefined) {
    if (typeof item !== 'string' && (typeof item !== 'object' || item === null)) {
      throw new NodeMapSyncError(
        'not-a-node',
        `Expected each node to be { id?, key, addresses? } or an address, got ${preview(item)}.`,
        item,
        { index },
      )
    }
    if (typeof item === 'object' && 'id' in item) {
      throw new NodeMapSyncError(
        'not-a-node',
        `Expected node ${index} to give its address as \`key\` beside its id, got ${preview(item)}.`,
        item,
        { index },
      )
    }
    listing.anonymous.push(keyed(keyOf, item, index, undefined))
    listing.addressCount++
    return
  }
  const { id, key, addresses } = node
  if (id !== undefined && (typeof id !== 'string' || id === '')) {
    throw new NodeMapSyncError(
      'invalid-id',
      `Expected the id of node ${index} to be a non-empty string, got ${preview(id)}.`,
      id,
      { index },
    )
  }
  const listed = [keyed(keyOf, key, index, id)]
  if (addresses !== undefined) {
    const more = iterableOf(addresses)
    if (more === undefined || typeof addresses === 'string') {
      throw new NodeMapSyncError(
        'not-a-node',
        `Expected \`addresses\` of ${nodeName(index, id)} to be an iterable of addresses, got ${preview(addresses)}.`,
        addresses,
        { index },
      )
    }
    for (const address of more) {
      if (listed.length > MAX_SYNC_ADDRESSES) {
        throw new NodeMapSyncError(
          'too-many-addresses',
          `Expected at most ${MAX_SYNC_ADDRESSES} addresses besides the key of ${nodeName(index, id)}, got more.`,
          addresses,
          { index },
        )
      }
      listed.push(keyed(keyOf, address, index, id))
    }
  }
  listing.addressCount += listed.length
  if (id === undefined) {
    listing.anonymous.push(...listed)
    return
  }
  let group = listing.groups.get(id)
  if (group === undefined) {
    group = { id, addresses: [] }
    listing.groups.set(id, group)
  }
  for (const address of listed) {
    if (group.addresses.some((known) => known.key === address.key)) continue
    group.addresses.push(address)
    const first = listing.claims.get(address.key)
    if (first === undefined) listing.claims.set(address.key, id)
    else if (first !== id) {
      const ids = listing.shared.get(address.key)
      if (ids === undefined) listing.shared.set(address.key, new Set([first, id]))
      else ids.add(id)
    }
  }
}

/** Key one address of a node, naming the node when the keyer refuses it. */
const keyed = (keyOf: SyncKeying, address: unknown, index: number, id: string | undefined): SyncAddress => {
  try {
    return keyOf(address)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new NodeMapSyncError(
      'invalid-address',
      `Expected ${nodeName(index, id)} to have an address (host:port), got ${preview(address)}: ${reason}`,
      address,
      { cause: error, index },
    )
  }
}

/**
 * The node ids the map learned from its last sync: each id's addresses, and each address listed under one id
 * alone to that id. A value filed later under such an address is taken to be that node's (it is replaced when
 * another id is listed there), and the id's other addresses are linked to it.
 */
export class SyncTable {
  /** Each address listed under exactly one id, to that id. */
  readonly #ids = new Map<NodeKey, string>()
  /** Each id to its addresses (those listed under it alone), in the order listed. */
  readonly #addresses = new Map<string, readonly SyncAddress[]>()

  /** How many ids the table holds. */
  get size(): number {
    return this.#addresses.size
  }

  /** The id listed at an address, if exactly one was. */
  idAt(key: NodeKey): string | undefined {
    return this.#ids.size === 0 ? undefined : this.#ids.get(key)
  }

  /** An id's addresses, in the order listed; empty for an id the table does not hold. */
  addressesOf(id: string): readonly SyncAddress[] {
    return this.#addresses.get(id) ?? []
  }

  /** Whether the table holds an id. */
  has(id: string): boolean {
    return this.#addresses.has(id)
  }

  /** Hold what a sync listed, in place of what the previous one did. */
  replace(listing: SyncListing): void {
    this.clear()
    for (const group of listing.groups.values()) {
      const own =
        listing.shared.size === 0
          ? group.addresses
          : group.addresses.filter((address) => !listing.shared.has(address.key))
      this.#addresses.set(group.id, own)
      for (const address of own) this.#ids.set(address.key, group.id)
    }
  }

  /** Forget every id. */
  clear(): void {
    this.#ids.clear()
    this.#addresses.clear()
  }
}
