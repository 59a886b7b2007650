/**
 * A consistent-hash ring over canonical node keys. Every server goes through one keyer, and the string the
 * continuum hashes for a server is its canonical key, so `localhost:11211` in one process and
 * `127.0.0.1:11211` in another are one server at one set of points: the same key goes to the same server
 * in every process of a fleet, whichever spelling each was configured with.
 */
import {
  type AddressInput,
  type AddressKeyer,
  callback,
  canonicalNodeKey,
  isNodeKey,
  type NodeKey,
  preview,
  readOptions,
} from '../key/internal.js'
import {
  buildContinuum,
  type Continuum,
  MAX_SERVERS,
  type Member,
  ownerIndex,
  POINTS_PER_DIGEST,
} from './continuum.js'
import { NodeRingError } from './errors.js'
import { md5Point } from './md5.js'

/**
 * A server for {@link createNodeRing}: an address in any spelling (weight 1), or an `[address, weight]`
 * pair, so a `Map` of addresses to weights, or `Object.entries` of `hashring`'s `{ server: weight }`
 * objects, can be passed as it is.
 *
 * @example
 * ```ts
 * const servers: RingServerInput[] = ['localhost:11211', ['10.0.0.2:11211', 2], { host: '::1', port: 11211 }]
 * ```
 * @category Ring
 */
export type RingServerInput = AddressInput | readonly [address: AddressInput, weight: number]

/**
 * One server of a ring, as {@link NodeRing.servers} lists it.
 *
 * @example
 * ```ts
 * createNodeRing([['localhost:11211', 2], '10.0.0.2:11211']).servers()
 * // [{ key: '10.0.0.2:11211', weight: 1, points: 104 }, { key: '127.0.0.1:11211', weight: 2, points: 212 }]
 * ```
 * @category Ring
 */
export interface RingServer {
  /** The server's canonical key: what the ring hashes, and what `get` answers. */
  readonly key: NodeKey
  /** Its weight. */
  readonly weight: number
  /**
   * Its points on the ring: 4 for each of `floor(weight / total × 40 × n)` digests (160 for a server of
   * average weight, a little less when double-precision rounding gives 39.999… digests). May be 0 for a
   * server whose share is under 1/40 of the average.
   */
  readonly points: number
}

/**
 * Options of {@link createNodeRing}.
 *
 * @example
 * ```ts
 * const options: NodeRingOptions = { keyer: createNodeKeyer({ defaultPort: 11211 }) }
 * createNodeRing(['localhost', 'cache-b'], options).servers().map((s) => s.key)
 * // ['127.0.0.1:11211', 'cache-b:11211']
 * ```
 * @category Ring
 */
export interface NodeRingOptions {
  /**
   * The keyer every server address goes through, called with one address (a string or `{ host, port }`).
   * Use the keyer the rest of the program keys nodes with, so the ring's answers are that program's keys.
   * @defaultValue `canonicalNodeKey`
   */
  keyer?: AddressKeyer | undefined
}

/**
 * A consistent-hash ring over canonical node keys, made by {@link createNodeRing}.
 *
 * @example
 * ```ts
 * const ring: NodeRing = createNodeRing(['localhost:11211', '10.0.0.2:11211', '10.0.0.3:11211'])
 * ring.get('user:42')          // '10.0.0.3:11211' (the same in every process, however it spells its servers)
 * ring.add('10.0.0.4:11211')   // about a quarter of the keys move to it; no key moves between the others
 * ```
 * @category Ring
 */
export interface NodeRing {
  /**
   * The canonical key of the server that owns `key`: the first point at or after the first word of the
   * MD5 of `key` (its UTF-8 bytes for a string; the bytes as they are for a `Uint8Array`), wrapping
   * around. Allocates nothing; one MD5 and a binary search over the points.
   *
   * @throws NodeRingError (`empty-ring`) when the ring has no server; (`invalid-ring-key`) when `key` is
   * neither a string nor a `Uint8Array`.
   */
  get(key: string | Uint8Array): NodeKey
  /**
   * Put a server on the ring, with `weight` (default 1); returns its key. Keys move only to the new server
   * (and, when weights differ, between servers whose share of the total changed). The continuum is rebuilt,
   * its digests computed once per server and kept.
   *
   * @throws the keyer's `InvalidHostError` or `InvalidPortError` for an address that is none;
   * NodeRingError (`duplicate-server`) when the server is on the ring already, in any spelling (use
   * {@link NodeRing.setWeight} to change its weight); (`invalid-weight`) for a weight that is not a
   * positive finite number.
   */
  add(server: AddressInput, weight?: number): NodeKey
  /**
   * Take a server off the ring; `false` when it was not on it. Only its keys move.
   *
   * @throws the keyer's error for an address that is none.
   */
  remove(server: AddressInput): boolean
  /**
   * Set a server's weight, putting it on the ring when it is not on it yet; returns its key. The server
   * keeps its points (they depend on its key alone); how many of them are used follows the new share.
   *
   * @throws the keyer's error for an address that is none; NodeRingError (`invalid-weight`) for a weight
   * that is not a positive finite number.
   */
  setWeight(server: AddressInput, weight: number): NodeKey
  /** Whether a server, in any spelling, is on the ring. Throws the keyer's error for an address that is none. */
  has(server: AddressInput): boolean
  /** A server's weight, `undefined` when it is not on the ring. */
  weightOf(server: AddressInput): number | undefined
  /** The servers, in the order of their keys. */
  servers(): RingServer[]
  /** How many servers are on the ring. */
  readonly size: number
  /** How many points the continuum holds (160 for each server of average weight). */
  readonly points: number
}

/** The rules of {@link NodeRingOptions}. */
const RING_OPTION_RULES = {
  keyer: /* @__PURE__ */ callback<AddressKeyer, AddressKeyer>(
    'a keyer function (createNodeKeyer())',
    canonicalNodeKey,
  ),
}

const EMPTY: Continuum = { points: new Uint32Array(0), owners: new Uint32Array(0), digests: [] }

/** A server on the ring: the continuum's member, and the spelling it was first given as (for messages). */
interface Server extends Member {
  readonly key: NodeKey
  readonly given: unknown
}

const checkWeight = (weight: unknown, server: unknown): number => {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
    throw new NodeRingError(
      'invalid-weight',
      `Expected the weight of ${preview(server)} to be a positive finite number, got ${preview(weight)}.`,
      weight,
    )
  }
  return weight
}

const tooMany = (server: unknown): NodeRingError =>
  new NodeRingError(
    'too-many-servers',
    `Expected at most ${MAX_SERVERS} servers on a ring; ${preview(server)} would be one more.`,
    server,
  )

class Ring implements NodeRing {
  readonly #keyer: AddressKeyer
  /** The servers by key, and in key order (their rank in the continuum). */
  readonly #byKey = new Map<NodeKey, Server>()
  #members: Server[] = []
  #continuum: Continuum = EMPTY
  /** The key of each member, by rank: what `get` returns. */
  #keys: NodeKey[] = []

  constructor(servers: Iterable<RingServerInput>, keyer: AddressKeyer) {
    this.#keyer = keyer
    if (
      typeof servers !== 'object' ||
      servers === null ||
      typeof (servers as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function'
    ) {
      throw new NodeRingError(
        'invalid-servers',
        `Expected the servers of createNodeRing to be an array or another iterable of addresses and [address, weight] pairs, got ${preview(servers)}.`,
        servers,
      )
    }
    for (const entry of servers) {
      if (Array.isArray(entry)) {
        if (entry.length !== 2) {
          throw new NodeRingError(
            'invalid-servers',
            `Expected a server of createNodeRing given as an array to be an [address, weight] pair, got an array of ${entry.length}.`,
            entry,
          )
        }
        this.#put(entry[0] as AddressInput, checkWeight(entry[1], entry[0]))
      } else {
        this.#put(entry as AddressInput, 1)
      }
    }
    this.#rebuild()
  }

  get size(): number {
    return this.#members.length
  }

  get points(): number {
    return this.#continuum.points.length
  }

  get(key: string | Uint8Array): NodeKey {
    const { points, owners } = this.#continuum
    if (points.length === 0) {
      throw new NodeRingError(
        'empty-ring',
        'The ring has no server to place a key on.',
        key,
        'Add one first.',
      )
    }
    if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
      throw new NodeRingError(
        'invalid-ring-key',
        `Expected the key to place to be a string or a Uint8Array, got ${preview(key)}.`,
        key,
      )
    }
    return this.#keys[owners[ownerIndex(points, md5Point(key))]!]!
  }

  add(server: AddressInput, weight: number = 1): NodeKey {
    const key = this.#put(server, checkWeight(weight, server))
    try {
      this.#rebuild()
    } catch (error) {
      this.#byKey.delete(key)
      throw error
    }
    return key
  }

  remove(server: AddressInput): boolean {
    const key = this.#keyOf(server)
    if (!this.#byKey.delete(key)) return false
    this.#rebuild()
    return true
  }

  setWeight(server: AddressInput, weight: number): NodeKey {
    checkWeight(weight, server)
    const key = this.#keyOf(server)
    const old = this.#byKey.get(key)
    if (old?.weight === weight) return key
    if (old === undefined && this.#byKey.size >= MAX_SERVERS) throw tooMany(server)
    // The digests depend on the key alone: a new weight keeps the points made so far.
    const points = old?.points ?? new Uint32Array(0)
    this.#byKey.set(key, { key, weight, given: old?.given ?? server, points })
    try {
      this.#rebuild()
    } catch (error) {
      if (old === undefined) this.#byKey.delete(key)
      else this.#byKey.set(key, old)
      throw error
    }
    return key
  }

  has(server: AddressInput): boolean {
    return this.#byKey.has(this.#keyOf(server))
  }

  weightOf(server: AddressInput): number | undefined {
    return this.#byKey.get(this.#keyOf(server))?.weight
  }

  servers(): RingServer[] {
    const { digests } = this.#continuum
    return this.#members.map((member, rank) => ({
      key: member.key,
      weight: member.weight,
      points: digests[rank]! * POINTS_PER_DIGEST,
    }))
  }

  /** The key of a server address through the ring's keyer, checked to be a node key. */
  #keyOf(server: AddressInput): NodeKey {
    const key = this.#keyer(server)
    if (!isNodeKey(key)) {
      throw new TypeError(
        `Expected the keyer of createNodeRing to return node keys ("host:port", "[v6]:port"), got ${preview(key)}.`,
      )
    }
    return key
  }

  /** Record a server (without rebuilding the continuum); returns its key. */
  #put(server: AddressInput, weight: number): NodeKey {
    const key = this.#keyOf(server)
    const there = this.#byKey.get(key)
    if (there !== undefined) {
      throw new NodeRingError(
        'duplicate-server',
        `${preview(server)} is ${key}, which is on the ring already as ${preview(there.given)}.`,
        server,
        'A server is on a ring once, however it is spelled; use setWeight to change its weight.',
      )
    }
    if (this.#byKey.size >= MAX_SERVERS) throw tooMany(server)
    this.#byKey.set(key, { key, weight, given: server, points: new Uint32Array(0) })
    return key
  }

  /** Sort the members by key and build the continuum anew. */
  #rebuild(): void {
    const members = [...this.#byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    let total = 0
    for (const member of members) total += member.weight
    if (!Number.isFinite(total)) {
      throw new NodeRingError(
        'invalid-weight',
        `Expected the weights of a ring to add up to a finite number, got ${total}.`,
        total,
      )
    }
    this.#members = members
    this.#keys = members.map((member) => member.key)
    this.#continuum = members.length === 0 ? EMPTY : buildContinuum(members)
  }
}

/**
 * A consistent-hash ring over canonical node keys, ketama-compatible: it places every key where the
 * `hashring` package (3.x, default options) places it for the same server strings and weights, the server
 * strings being the canonical keys. Each server goes through the keyer, so any spelling of one node is one
 * server (and two spellings of one node in the list are refused, `duplicate-server`).
 *
 * @param servers Addresses in any spelling (weight 1) or `[address, weight]` pairs; weights are positive
 * finite numbers.
 * @throws the keyer's `InvalidHostError` or `InvalidPortError` for an address that is none; NodeRingError
 * for a bad list, weight or duplicate; a TypeError for a bad option.
 *
 * @example
 * ```ts
 * import { createNodeRing } from 'canonical-node-key/ring'
 *
 * const a = createNodeRing(['localhost:11211', '10.0.0.2:11211'])
 * const b = createNodeRing(['10.0.0.2:11211', '127.0.0.1:11211'])
 * a.get('user:42') === b.get('user:42') // true, for every key
 * a.get('user:42')                     // '127.0.0.1:11211' or '10.0.0.2:11211', a canonical key
 * ```
 * @category Ring
 */
export const createNodeRing = (servers: Iterable<RingServerInput>, options?: NodeRingOptions): NodeRing => {
  const { keyer } = readOptions(options, 'createNodeRing', RING_OPTION_RULES)
  return new Ring(servers, keyer)
}
