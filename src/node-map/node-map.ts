/**
 * NodeMap: a cache of per-node values (clients, connections, pools) whose every method goes through one
 * keyer, so the path that stores a node and the path that looks it up cannot spell it differently. That drift
 * is the leak of redis/redis-py#3163: nodes stored under `127.0.0.1:port`, looked up under `localhost:port`,
 * a new connection per lookup and none ever closed.
 */
import {
  type AddressInput,
  callback,
  canonicalNodeKey,
  type DialTarget,
  endpointOf,
  integer,
  type KeyFunction,
  type NodeEndpoint,
  type NodeKey,
  parseNodeKey,
  preview,
  readOptions,
} from '../key/internal.js'
import { NodeMapSyncError, StaleCreationError } from './errors.js'
import { NodeLinks } from './node-links.js'
import { rekey } from './rekey.js'
import {
  addSpelling,
  hasSpelling,
  MAX_SPELLINGS,
  mergeSpellings,
  type Spelling,
  settledInput,
  spellingOf,
} from './spellings.js'
import {
  listedAt,
  type NodeMapSyncInput,
  type NodeMapSyncOptions,
  type NodeMapSyncResult,
  readSyncInput,
  SYNC_OPTION_RULES,
  type SyncGroup,
  SyncTable,
} from './sync.js'

/**
 * Why a value left a {@link NodeMap}; the third argument of its `dispose` hook.
 *
 * @example
 * ```ts
 * const nodes = new NodeMap<string>({ dispose: (value, key, reason) => console.log(value, key, reason) })
 * nodes.set('localhost', 7000, 'a')
 * nodes.set('127.0.0.1:7000', 'b') // logs: a 127.0.0.1:7000 set
 * nodes.delete('localhost:7000')   // logs: b 127.0.0.1:7000 delete
 * ```
 * @category NodeMap
 */
export type NodeMapDisposeReason =
  /** `delete()` removed it. */
  | 'delete'
  /** `set()` replaced it with another value. */
  | 'set'
  /** `clear()` removed it. */
  | 'clear'
  /** It was the least recently used entry when the map grew past `max`. */
  | 'evict'
  /**
   * It was created for a key that was deleted, cleared, replaced, linked or synced away while it was being
   * created.
   */
  | 'stale'
  /**
   * `link()` declared its address to be another entry's node, or `sync()` found it to be one (the same node
   * id), so the other entry's value stays.
   */
  | 'link'
  /**
   * The keyer's answers changed, and the value's spellings now key to a node another, older value holds
   * (the two entries became one node), or to no key at all.
   */
  | 'rekeyed'
  /** `isAlive` said the value is dead (a closed connection) when a lookup found it. */
  | 'dead'
  /** `sync()` found its node gone from the topology: no listed address finds it and its id is not listed. */
  | 'departed'
  /**
   * `sync()` found another node id at its address than the one it was synced under (a node restarted with a
   * new id): the value belonged to the node that was there before.
   */
  | 'replaced'

/**
 * The port half of a `(host, port)` pair; `undefined` means the keyer's default port.
 *
 * @example
 * ```ts
 * const nodes = new NodeMap<string>({ keyer: createNodeKeyer({ defaultPort: 6379 }) })
 * nodes.set('localhost', undefined, 'a') // port 6379, the keyer's default
 * nodes.get('127.0.0.1', '6379')         // 'a'
 * ```
 * @category NodeMap
 */
export type NodeMapPort = number | string | undefined

/**
 * The `create` callback of {@link NodeMap.getOrCreate}: gets the key and where to dial it.
 *
 * @example
 * ```ts
 * const create: NodeMapCreate<Socket> = (key, dial) =>
 *   tls.connect({ host: dial.host, port: dial.port, servername: dial.servername })
 * ```
 * @category NodeMap
 */
export type NodeMapCreate<V> = (key: NodeKey, dial: DialTarget) => V

/**
 * The `create` callback of {@link NodeMap.getOrCreateAsync}: gets the key, where to dial it, and a signal that
 * aborts when the creation is superseded.
 *
 * @example
 * ```ts
 * const create: NodeMapCreateAsync<Redis> = async (key, { host, port, servername }, signal) =>
 *   connect({ host, port, tls: servername === undefined ? undefined : { servername }, signal })
 * ```
 * @category NodeMap
 */
export type NodeMapCreateAsync<V> = (
  key: NodeKey,
  dial: DialTarget,
  signal: AbortSignal,
) => V | PromiseLike<V>

/**
 * Options of {@link NodeMap.delete}.
 * @category NodeMap
 */
export interface NodeMapDeleteOptions<V> {
  /**
   * Delete only if the address's entry holds this value (`Object.is`): a compare-and-delete, for a close
   * handler that must not remove a newer value filed under the key meanwhile. A creation in flight is left
   * alone.
   */
  ifValue?: V
}

/**
 * Options of a {@link NodeMap}.
 * @category NodeMap
 */
export interface NodeMapOptions<V> {
  /**
   * The key function every method goes through: `canonicalNodeKey` or one made by
   * `createNodeKeyer`. It should map each key it returns to itself (every keyer `createNodeKeyer` makes
   * does, as long as its resolver's answers are left alone by the resolver), so that the keys the map yields
   * find their own entries.
   * @defaultValue `canonicalNodeKey`
   */
  keyer?: KeyFunction | undefined
  /**
   * Called exactly once for every value that leaves the map, after the map is consistent again, with the
   * value, its key and the {@link NodeMapDisposeReason}. Setting a key to the value it already holds is not a
   * departure. Close connections here.
   * @defaultValue none
   */
  dispose?: ((value: V, key: NodeKey, reason: NodeMapDisposeReason) => void) | undefined
  /**
   * The most entries the map holds; past it, the least recently used entry (`get` and `getOrCreate` count as
   * use, `has` and iteration do not) is evicted and disposed with reason `'evict'`.
   * @defaultValue `Infinity`
   */
  max?: number | undefined
  /**
   * Whether a value is still good to hand out (a connection not closed), asked whenever `get`, `has`,
   * `getOrCreate` or `getOrCreateAsync` finds it. A value it calls dead (or that it throws for) leaves the
   * map at once, disposed with reason `'dead'`; `get` and `has` then find nothing, and `getOrCreate` and
   * `getOrCreateAsync` create a new one (one at a time, as ever). Iteration does not ask it.
   * @defaultValue none: every value is alive
   */
  isAlive?: ((value: V, key: NodeKey) => boolean) | undefined
  /**
   * Receives every error a `dispose` call throws, with the arguments of that call. Without it, the error is
   * rethrown by the method that disposed, after the map is consistent (several errors from one `clear()`
   * as an `AggregateError`), and a `getOrCreateAsync` that disposed rejects with it.
   * @defaultValue none: rethrow
   */
  onError?: ((error: unknown, value: V, key: NodeKey, reason: NodeMapDisposeReason) => void) | undefined
}

/** The rules of {@link NodeMapOptions}. */
const NODE_MAP_OPTION_RULES = {
  keyer: /* @__PURE__ */ callback<KeyFunction, KeyFunction>(
    'a key function such as canonicalNodeKey',
    canonicalNodeKey,
  ),
  dispose:
    /* @__PURE__ */ callback<(value: never, key: NodeKey, reason: NodeMapDisposeReason) => void>(
      'a function',
    ),
  max: /* @__PURE__ */ integer(1, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY),
  isAlive: /* @__PURE__ */ callback<(value: never, key: NodeKey) => boolean>('a function'),
  onError:
    /* @__PURE__ */ callback<
      (error: unknown, value: never, key: NodeKey, reason: NodeMapDisposeReason) => void
    >('a function'),
}

/** Node's `util.inspect.custom`, by its registered name, so that node:util is not imported. */
const INSPECT = /* @__PURE__ */ Symbol.for('nodejs.util.inspect.custom')

/** How many addresses may be linked to one key; linking one more drops the oldest link. */
const MAX_LINKS = 16
/** How many address strings `get` indexes straight to their entry before it starts the index afresh. */
const MAX_FRONT = 4096

interface Entry<V> {
  /** The key the entry is filed under; changes only when the map re-keys. */
  key: NodeKey
  value: V
  /** Distinct spellings, in the order first seen, at most {@link MAX_SPELLINGS}. */
  readonly spellings: Spelling[]
  /** When the entry was filed, to tell the older of two entries that become one node. */
  readonly born: number
  /** The node id the entry was synced under (or filed under, at an address the last sync listed). */
  id: string | undefined
}

interface Pending<V> {
  /** The key the creation is filed under in `#pending`; changes only when the map re-keys. */
  key: NodeKey
  promise: Promise<V>
  controller: AbortController
  readonly spellings: Spelling[]
  /** Set when the creation no longer owns its key. */
  cancelled: NodeMapDisposeReason | undefined
  /** The node id the creation was synced under, as for an entry. */
  id: string | undefined
}

/** What the map holds for a key: an entry, or a creation in flight. */
type Held<V> = Entry<V> | Pending<V>

/** Whether what is held is a creation in flight. */
const isPending = <V>(held: Held<V>): held is Pending<V> => 'promise' in held

/** An input with the key the map uses for it, what the keyer answered, and how it was spelled. */
interface Keyed {
  /** The key the map uses: the keyer's answer, followed through a link. */
  key: NodeKey
  /** The keyer's key for the input itself, before a link is followed. */
  own: NodeKey
  /** The keyer's whole answer (where to dial, the host it was given), when the keyer gives one. */
  answer: NodeEndpoint | undefined
  /** The input as the map keeps it (an object read once, into a copy). */
  input: unknown
  port: unknown
  pair: boolean
}

type Departure<V> = [value: V, key: NodeKey, reason: NodeMapDisposeReason]

/** The spelling of a keyed input. */
const spellingOfKeyed = (keyed: Keyed): Spelling =>
  spellingOf(keyed.input, keyed.port, keyed.pair, keyed.own, keyed.answer?.given)

/** Abort a creation's signal, saying why it no longer owns its key. */
const abortCreation = (pending: Pending<unknown>): void => {
  pending.controller.abort(
    new Error(`The creation for ${pending.key} was superseded (${pending.cancelled}).`),
  )
}

/** A fresh dial target (never the keyer's frozen answer, which carries the key too). */
const dialTarget = (host: string, port: number, servername: string | undefined): DialTarget =>
  servername === undefined ? { host, port } : { host, port, servername }

/**
 * A `Map`-like cache of per-node values keyed by {@link NodeKey}. Every method takes any spelling of a node's
 * address, as `(host, port)`, as one {@link AddressInput} (`'host:port'`, `'[v6]:port'`, `'::1:7002'`,
 * `'redis://…'`, `{ host, port }`) or as a `NodeKey`, and sends it through the map's keyer, so a value stored
 * under one spelling is found under every other.
 *
 * - `dispose` runs exactly once for every value that leaves: `delete`, `set` over another value, `clear`,
 *   eviction past `max`, a creation gone stale, a merge by `link`, a merge by re-keying, a `sync`.
 * - `getOrCreate` and `getOrCreateAsync` tell `create` where to dial ({@link DialTarget}): the endpoint the key
 *   stands for after the keyer's resolver, and the DNS name the address gave, for TLS.
 * - `getOrCreateAsync` creates at most one value per key however many callers ask at once; a failed creation
 *   is not cached.
 * - `aliases(key)` keeps the first 16 distinct spellings seen for each key and `link(address, key)` makes
 *   another address find an existing entry; all of it leaves with the entry, so memory is bounded by the
 *   entries.
 * - `get`, `has` and `delete` never throw for bad input: input that is not an address finds nothing.
 * - `sync(topology)` follows a cluster's topology: entries of nodes gone leave (`'departed'`), a value at an
 *   address another node id took leaves (`'replaced'`), and every address of one node id finds one entry.
 *
 * **The map follows its keyer.** When the keyer's answers change (its `generation` moves: a DNS name learned,
 * moved or forgotten, a NAT entry added or removed), the map re-keys its entries from the spellings it holds
 * (aliases and links included) before it answers anything. Afterwards, and at every moment:
 *
 * - each value in the map is reachable by the current key of at least one spelling it was filed or reached
 *   under: an entry keeps its key while one of its spellings still gives it, else moves to the key its
 *   first spelling gives now;
 * - no two values share a key: when two entries become one node, the older one (filed first; its connection
 *   is the established one) stays and takes the other's spellings, and the other is disposed with reason
 *   `'rekeyed'`; an entry none of whose spellings keys any more is disposed with reason `'rekeyed'` too;
 * - a creation in flight moves with its spellings and settles under the key the answers give when it
 *   arrives; if a value is filed under that key by then, the filed (older) one stays and the new one is
 *   disposed with reason `'rekeyed'`;
 * - a link whose address now keys to a node the map holds an entry or a creation for is dropped: the
 *   keyer's answer wins over the link.
 *
 * A keyer without a `generation` (a plain function) is taken to never change its answers.
 *
 * Iteration (`keys`, `values`, `entries`, `forEach`, `for…of`) visits the keys present when it starts, least
 * recently used first, skipping the ones removed meanwhile.
 *
 * @example
 * ```ts
 * const nodes = new NodeMap<Redis>({ dispose: (client) => client.disconnect(), max: 64 })
 * const a = nodes.getOrCreate('localhost', 7000, (key, dial) => new Redis({ host: dial.host, port: dial.port }))
 * nodes.get('127.0.0.1:7000') === a            // true
 * nodes.get('redis://LOCALHOST:7000') === a    // true
 * nodes.aliases('127.0.0.1:7000')              // ['localhost:7000', '127.0.0.1:7000', 'redis://LOCALHOST:7000']
 * nodes.delete('localhost:7000')               // true, and a is disconnected
 * ```
 * @category NodeMap
 */
export class NodeMap<V> implements Iterable<[NodeKey, V]> {
  readonly #keyer: KeyFunction
  readonly #dispose: ((value: V, key: NodeKey, reason: NodeMapDisposeReason) => void) | undefined
  readonly #onError: NodeMapOptions<V>['onError']
  readonly #isAlive: NodeMapOptions<V>['isAlive']
  readonly #max: number
  /** Entries in recency order (least recently used first) when `max` is finite, else insertion order. */
  readonly #entries = new Map<NodeKey, Entry<V>>()
  readonly #pending = new Map<NodeKey, Pending<V>>()
  /** Linked addresses' keys to the keys of the entries they find. */
  readonly #links = new NodeLinks<Spelling>(MAX_LINKS)
  /**
   * Address strings `get` has found, straight to their entry, so a repeated lookup is one `Map.get`. It is
   * emptied whenever an answer could change: an entry leaves or a link changes, or the keyer's
   * answers change (its `generation` moves). Used only with a keyer that has a generation; bounded, and
   * emptied when full.
   */
  readonly #front = new Map<string, Entry<V>>()
  /**
   * The keyer's generation the keys and the front index were made under; `undefined` when the keyer has
   * none (its answers are taken never to change).
   */
  #generation: number | undefined
  /** The next entry's birth number. */
  #born = 0
  /** The key last moved to or filed at the most recent end, so a repeated `get` need not move it again. */
  #newest: NodeKey | undefined
  /** The node ids and addresses the last `sync` listed. */
  readonly #table = new SyncTable()

  /**
   * @throws TypeError for a bad option.
   */
  constructor(options: NodeMapOptions<V> = {}) {
    const { keyer, dispose, max, onError, isAlive } = readOptions(options, 'NodeMap', NODE_MAP_OPTION_RULES)
    // The inspect hook goes on the prototype with the first map made: as a computed member of the class it
    // would make the class a side effect, kept by bundlers in every bundle that imports anything from here.
    if (!Object.hasOwn(NodeMap.prototype, INSPECT)) {
      Object.defineProperty(NodeMap.prototype, INSPECT, {
        value: inspectNodeMap,
        writable: true,
        configurable: true,
      })
    }
    this.#keyer = keyer
    this.#generation = typeof keyer.generation === 'number' ? keyer.generation : undefined
    this.#dispose = dispose as NodeMapOptions<V>['dispose']
    this.#onError = onError as NodeMapOptions<V>['onError']
    this.#isAlive = isAlive as NodeMapOptions<V>['isAlive']
    this.#max = max
  }

  /** The number of entries (creations still in flight are not counted). */
  get size(): number {
    this.#followKeyer()
    return this.#entries.size
  }

  /** `'NodeMap'`, as `Object.prototype.toString` reports it. */
  get [Symbol.toStringTag](): string {
    return 'NodeMap'
  }

  /**
   * The key this map files an address under: the keyer's key, or the key of the entry the address is linked
   * to.
   *
   * @throws `InvalidHostError` or `InvalidPortError` for input that is not an address.
   * @example
   * ```ts
   * nodes.keyOf('LOCALHOST', 7000) // '127.0.0.1:7000'
   * ```
   */
  keyOf(host: string, port: NodeMapPort): NodeKey
  keyOf(address: AddressInput): NodeKey
  keyOf(...args: [AddressInput] | [string, NodeMapPort]): NodeKey {
    this.#followKeyer()
    return this.#keyInput(args[0], args[1], args.length > 1).key
  }

  /**
   * The value filed under any spelling of the address, or `undefined`; counts as use for `max`. Never throws:
   * input that is not an address gives `undefined`.
   *
   * @example
   * ```ts
   * nodes.set('127.0.0.1:7000', client)
   * nodes.get('localhost', 7000) === client // true
   * nodes.get('not a host', 7000)           // undefined
   * ```
   */
  get(host: string, port: NodeMapPort): V | undefined
  get(address: AddressInput): V | undefined
  get(hostOrAddress: AddressInput, port?: NodeMapPort): V | undefined {
    // The hot path of a cluster client: an address string found before, under unchanged answers, is one
    // lookup in the front index. Everything else is kept out of this method, so that it stays small enough
    // for the engine to inline into the caller's loop.
    // biome-ignore lint/complexity/noArguments: tells (host, undefined) from (address) without allocating.
    const pair = arguments.length > 1
    if (!pair && typeof hostOrAddress === 'string' && this.#keyer.generation === this.#generation) {
      const hit = this.#front.get(hostOrAddress)
      if (hit !== undefined && (this.#isAlive === undefined || this.#alive(hit))) {
        if (this.#max !== Number.POSITIVE_INFINITY) this.#touch(hit.key, hit)
        return hit.value
      }
    }
    return this.#getSlow(hostOrAddress, port, pair)
  }

  /** `get` past the front index: re-key if the answers changed, key the input, note its spelling. */
  #getSlow(hostOrAddress: unknown, port: unknown, pair: boolean): V | undefined {
    this.#followKeyer()
    // No rest array and no string built for a spelling the entry has already seen.
    const keyed = this.#tryKeyInput(hostOrAddress, port, pair)
    if (keyed === undefined) return undefined
    const { key } = keyed
    const entry = this.#entries.get(key)
    if (entry === undefined || !this.#alive(entry)) return undefined
    this.#touch(key, entry)
    if (entry.spellings.length < MAX_SPELLINGS && !hasSpelling(entry.spellings, keyed.input, port, pair)) {
      addSpelling(entry.spellings, spellingOfKeyed(keyed))
    }
    if (!pair && typeof hostOrAddress === 'string' && this.#generation !== undefined) {
      if (this.#front.size >= MAX_FRONT) this.#front.clear()
      this.#front.set(hostOrAddress, entry)
    }
    return entry.value
  }

  /**
   * Whether a value is filed under any spelling of the address. Not a use for `max`; never throws.
   *
   * @example
   * ```ts
   * nodes.has('redis://localhost:7000') // true once any spelling of 127.0.0.1:7000 was set
   * ```
   */
  has(host: string, port: NodeMapPort): boolean
  has(address: AddressInput): boolean
  has(hostOrAddress: AddressInput, port?: NodeMapPort): boolean {
    this.#followKeyer()
    // biome-ignore lint/complexity/noArguments: tells (host, undefined) from (address) without allocating.
    const keyed = this.#tryKeyInput(hostOrAddress, port, arguments.length > 1)
    const entry = keyed === undefined ? undefined : this.#entries.get(keyed.key)
    return entry !== undefined && this.#alive(entry)
  }

  /**
   * File a value under the address. A value it replaces is disposed with reason `'set'` (unless it is the same
   * value); a creation in flight for the key is superseded; past `max`, the least recently used entry is
   * evicted.
   *
   * @throws `InvalidHostError` or `InvalidPortError` for input that is not an address (the map is
   * unchanged), or what `dispose` threw (the map already holds the new value).
   * @example
   * ```ts
   * nodes.set('localhost', 7000, clientA)
   * nodes.set('127.0.0.1:7000', clientB) // clientA is disposed with reason 'set'
   * ```
   */
  set(host: string, port: NodeMapPort, value: V): this
  set(address: AddressInput, value: V): this
  set(...args: [AddressInput, V] | [string, NodeMapPort, V]): this {
    this.#followKeyer()
    const pair = args.length > 2
    const keyed = this.#keyInput(args[0], args[1], pair)
    const value = (pair ? args[2] : args[1]) as V
    this.#disposeDeparted(this.#store(keyed, value))
    return this
  }

  /**
   * Remove the value filed under the address and dispose it with reason `'delete'`; a creation in flight for
   * the key is cancelled (its value is disposed with reason `'stale'` when it arrives). Never throws for bad
   * input: an address that is not one is not in the map.
   *
   * With `{ ifValue }`, a compare-and-delete: the entry leaves only while it holds that value, and a creation
   * in flight is left alone.
   *
   * @returns Whether an entry was removed.
   * @throws What `dispose` threw, after the entry is gone.
   * @example
   * ```ts
   * nodes.delete('::ffff:127.0.0.1', 7000) // removes 127.0.0.1:7000
   * client.on('end', () => nodes.delete(key, { ifValue: client })) // never removes a newer client
   * ```
   */
  delete(host: string, port: NodeMapPort, options?: NodeMapDeleteOptions<V>): boolean
  delete(address: AddressInput, options?: NodeMapDeleteOptions<V>): boolean
  delete(...args: unknown[]): boolean {
    this.#followKeyer()
    // (address, options) or (host, port, options?): an object second is options, not a port.
    const second = args[1]
    const pair = args.length > 2 || (args.length === 2 && (typeof second !== 'object' || second === null))
    const options = (pair ? args[2] : args[1]) as NodeMapDeleteOptions<V> | undefined
    const compare =
      options !== undefined &&
      typeof options === 'object' &&
      options !== null &&
      Object.hasOwn(options, 'ifValue')
    const keyed = this.#tryKeyInput(args[0], pair ? args[1] : undefined, pair)
    if (keyed === undefined) return false
    const { key } = keyed
    const entry = this.#entries.get(key)
    // Compare and delete: only the value asked about leaves, and nothing else is touched (a close handler
    // of an old connection must not remove the new one, nor a creation in flight).
    if (compare && (entry === undefined || !Object.is(entry.value, options.ifValue))) return false
    if (!compare) this.#cancelCreation(key, 'delete')
    if (entry !== undefined) this.#entries.delete(key)
    this.#front.clear()
    this.#dropLinksIfOrphan(key)
    if (entry === undefined) return false
    this.#disposeDeparted([[entry.value, key, 'delete']])
    return true
  }

  /**
   * Remove every entry and link, cancel every creation in flight, forget the node ids the last `sync` listed,
   * and dispose every value with reason `'clear'`.
   *
   * @throws What `dispose` threw (an `AggregateError` if several calls threw), after the map is empty.
   */
  clear(): void {
    const departures: Departure<V>[] = []
    for (const [key, entry] of this.#entries) departures.push([entry.value, key, 'clear'])
    this.#entries.clear()
    this.#front.clear()
    for (const key of [...this.#pending.keys()]) this.#cancelCreation(key, 'clear')
    this.#links.clear()
    this.#table.clear()
    // Nothing is left to re-key.
    if (this.#generation !== undefined) this.#generation = this.#keyer.generation
    this.#disposeDeparted(departures)
  }

  /**
   * The value filed under the address, or a new one from `create(key, dial)` filed and returned. `create`
   * gets the key and where to dial it ({@link DialTarget}: the endpoint after the keyer's resolver, and the
   * DNS name the address gave, for TLS). If `create` throws, nothing is filed. A creation in flight in `getOrCreateAsync` for the same key is superseded by
   * this one (its value is disposed with reason `'stale'` when it arrives).
   *
   * @throws `InvalidHostError` or `InvalidPortError` for input that is not an address, a
   * `TypeError` if `create` is not a function, what `create` threw, or what `dispose` threw for an evicted
   * value.
   * @example
   * ```ts
   * const client = nodes.getOrCreate('localhost', 7000, (key, dial) => net.connect(dial.port, dial.host))
   * nodes.getOrCreate('127.0.0.1:7000', connect) === client // true: no second connection
   * ```
   */
  getOrCreate(host: string, port: NodeMapPort, create: NodeMapCreate<V>): V
  getOrCreate(address: AddressInput, create: NodeMapCreate<V>): V
  getOrCreate(...args: [AddressInput, NodeMapCreate<V>] | [string, NodeMapPort, NodeMapCreate<V>]): V {
    this.#followKeyer()
    const pair = args.length > 2
    const create = (pair ? args[2] : args[1]) as unknown
    if (typeof create !== 'function') {
      throw new TypeError(`Expected \`create\` to be a function, got ${preview(create)}.`)
    }
    const keyed = this.#keyInput(args[0], args[1], pair)
    const entry = this.#entries.get(keyed.key)
    if (entry !== undefined && this.#alive(entry)) {
      this.#touch(keyed.key, entry)
      this.#note(entry.spellings, keyed)
      return entry.value
    }
    const value = (create as NodeMapCreate<V>)(keyed.key, this.#dialOf(keyed))
    // `create` may have filed a value for this key itself (re-entrantly); that one stays.
    const again = this.#entries.get(keyed.key)
    if (again !== undefined) {
      // Unless `create` filed the very value it returns: that one is in the map, not stale.
      if (!Object.is(value, again.value)) this.#disposeDeparted([[value, keyed.key, 'stale']])
      return again.value
    }
    this.#disposeDeparted(this.#store(keyed, value))
    return value
  }

  /**
   * The value filed under the address, or the one `create(key, dial, signal)` resolves to, filed and
   * returned. However many callers ask at once, in whatever spellings, `create` runs once per key and they all
   * get the same promise: the same value or the same rejection. A rejected creation is not cached. `dial` is
   * as for {@link NodeMap.getOrCreate}. The
   * `signal` aborts when the key is deleted, cleared, set or linked away meanwhile; a value that arrives after
   * that is disposed with reason `'stale'`, and the callers get the value the key holds then, or a
   * {@link StaleCreationError} if it holds none.
   *
   * A `create` must not await `getOrCreateAsync` for its own key: it would wait for itself, forever (the map
   * cannot see that the caller is the creation in flight).
   *
   * @returns A promise; bad input or a bad `create` rejects it.
   * @example
   * ```ts
   * const clients = await Promise.all(
   *   ['localhost:7000', '127.0.0.1:7000', '::ffff:127.0.0.1:7000'].map((address) =>
   *     nodes.getOrCreateAsync(address, async (key, dial) => connect(dial.host, dial.port)),
   *   ),
   * ) // one connection, three times
   * ```
   */
  getOrCreateAsync(host: string, port: NodeMapPort, create: NodeMapCreateAsync<V>): Promise<V>
  getOrCreateAsync(address: AddressInput, create: NodeMapCreateAsync<V>): Promise<V>
  getOrCreateAsync(
    ...args: [AddressInput, NodeMapCreateAsync<V>] | [string, NodeMapPort, NodeMapCreateAsync<V>]
  ): Promise<V> {
    const pair = args.length > 2
    const create = (pair ? args[2] : args[1]) as unknown
    let keyed: Keyed
    try {
      this.#followKeyer()
      if (typeof create !== 'function') {
        throw new TypeError(`Expected \`create\` to be a function, got ${preview(create)}.`)
      }
      keyed = this.#keyInput(args[0], args[1], pair)
    } catch (error) {
      return Promise.reject(error)
    }
    const { key } = keyed
    const entry = this.#entries.get(key)
    if (entry !== undefined && this.#alive(entry)) {
      this.#touch(key, entry)
      this.#note(entry.spellings, keyed)
      return Promise.resolve(entry.value)
    }
    const inFlight = this.#pending.get(key)
    if (inFlight !== undefined) {
      this.#note(inFlight.spellings, keyed)
      return inFlight.promise
    }
    let dial: DialTarget
    try {
      dial = this.#dialOf(keyed)
    } catch (error) {
      return Promise.reject(error)
    }
    let resolve!: (value: V) => void
    let reject!: (error: unknown) => void
    const pending: Pending<V> = {
      key,
      promise: new Promise<V>((res, rej) => {
        resolve = res
        reject = rej
      }),
      controller: new AbortController(),
      spellings: [spellingOfKeyed(keyed)],
      cancelled: undefined,
      id: undefined,
    }
    // Filed before `create` runs, so every caller from now on, even one `create` itself makes, joins it.
    this.#pending.set(key, pending)
    this.#adopt(pending)
    this.#runCreation(pending, create as NodeMapCreateAsync<V>, dial).then(resolve, reject)
    return pending.promise
  }

  /**
   * The distinct spellings the address's entry has been reached by, as given (strings as written,
   * `(host, port)` and `{ host, port }` as `host:port`), in the order first seen; the first 16 are kept.
   * Empty when nothing is filed under the address or it is not an address.
   *
   * @example
   * ```ts
   * nodes.set('LOCALHOST', 7000, client)
   * nodes.get('::ffff:127.0.0.1:7000')
   * nodes.aliases('127.0.0.1:7000') // ['LOCALHOST:7000', '::ffff:127.0.0.1:7000']
   * ```
   */
  aliases(host: string, port: NodeMapPort): string[]
  aliases(address: AddressInput): string[]
  aliases(...args: [AddressInput] | [string, NodeMapPort]): string[] {
    this.#followKeyer()
    const keyed = this.#tryKeyInput(args[0], args[1], args.length > 1)
    const entry = keyed === undefined ? undefined : this.#entries.get(keyed.key)
    return entry === undefined ? [] : entry.spellings.map((spelling) => spelling.raw)
  }

  /**
   * Declare that `address` is the node filed under `key` (for example, a topology reply gives that node's id
   * under a new address): afterwards every method finds `key`'s entry by any spelling of `address`. A value
   * filed under `address` itself is disposed with reason `'link'`, and its links move to `key`; a creation in
   * flight for it is superseded. The link leaves with the entry; a key keeps its 16 newest links.
   *
   * @returns `false`, linking nothing, when `key` has no entry and no creation in flight; else `true`.
   * @throws `InvalidHostError` or `InvalidPortError` when `address` or `key` is not an address,
   * or what `dispose` threw for the merged value.
   * @example
   * ```ts
   * nodes.getOrCreate('127.0.0.1:7000', connect)
   * nodes.link('::1:7000', '127.0.0.1:7000')   // the same node id was reported at ::1
   * nodes.get('[::1]:7000')                    // the 127.0.0.1:7000 connection
   * ```
   */
  link(address: AddressInput, key: AddressInput): boolean {
    this.#followKeyer()
    const target = this.#keyInput(key, undefined, false).key
    const linked = this.#answer(address, undefined, false)
    const source = linked.own
    const spelling = spellingOfKeyed(linked)
    if (!this.#entries.has(target) && !this.#pending.has(target)) return false
    const targetSpellings = (this.#entries.get(target) ?? this.#pending.get(target))?.spellings
    if (targetSpellings !== undefined) addSpelling(targetSpellings, spelling)
    if (source === target || this.#links.targetOf(source) === target) return true
    // The source's own entry and creation give way to the target's, and whatever was linked to the source
    // follows it.
    const departures: Departure<V>[] = []
    const merged = this.#entries.get(source)
    this.#front.clear()
    if (merged !== undefined) {
      this.#entries.delete(source)
      departures.push([merged.value, source, 'link'])
      if (targetSpellings !== undefined) mergeSpellings(targetSpellings, merged.spellings)
    }
    this.#links.link(source, target, spelling)
    // Last, so that the signal's listeners find the map linked.
    this.#cancelCreation(source, 'link')
    this.#disposeDeparted(departures)
    return true
  }

  /**
   * Make the map follow a cluster's topology, in one step: pass what a topology reader returned
   * (`readClusterSlots`, `readClusterShards`, `readClusterNodes`: `{ nodes, unkeyed }`), or any iterable of
   * nodes (`{ id?, key, addresses? }`) and addresses. The map remembers, for each entry, the node id it was
   * synced under, and the ids and addresses this sync listed, until the next one.
   *
   * - Every address one node id is listed under finds one entry: the others are linked to it, as by
   *   {@link NodeMap.link} (a value filed under such an address itself is disposed with reason `'link'`).
   *   A value created later at one of the id's addresses is that node's, and the id's other addresses are
   *   linked to it then.
   * - An entry whose node is gone (no listed address finds it, and its id is not listed, nor among the
   *   topology's `unkeyed` nodes) is disposed with reason `'departed'`; a creation in flight for such a node
   *   is cancelled, as by `delete`: its signal aborts, its value is disposed with reason `'stale'` when it
   *   arrives, and its callers get a {@link StaleCreationError} with reason `'departed'`.
   * - An entry at an address where another node id is listed than the one it was synced under (a node
   *   restarted with a new id) is disposed with reason `'replaced'`, so the next `getOrCreate` dials anew;
   *   a creation in flight there is cancelled the same way (reason `'replaced'`). An address listed under
   *   several ids (a restarted node that peers still list under its old id) keeps an entry synced under
   *   any of them.
   * - An entry found by a listed address takes that address's id, when it had none.
   * - Nothing is created: a listed node without an entry gets one from the first `getOrCreate`. Nothing
   *   present is disposed or recreated.
   *
   * The input is read and keyed whole before anything changes; bad input throws, leaving the map as it was.
   * A topology without a node that has an address is refused unless `allowEmpty` is given: a failed or
   * empty read must not close every connection.
   *
   * @returns What changed: ids new to the map, entries departed, replaced and addresses linked.
   * @throws {@link NodeMapSyncError} for input that is not a topology (the map is unchanged), a `TypeError`
   * for a bad option, or what `dispose` threw (the map has followed the topology already).
   * @example
   * ```ts
   * const topology = readClusterSlots(await client.call('CLUSTER', 'SLOTS'), { keyer, origin: '127.0.0.1' })
   * const { departed, replaced } = nodes.sync(topology)
   * // the connections of nodes gone from the cluster, or restarted under a new id, are closed
   * ```
   */
  sync(input: NodeMapSyncInput, options?: NodeMapSyncOptions): NodeMapSyncResult {
    this.#followKeyer()
    const { allowEmpty } = readOptions(options, 'NodeMap.sync', SYNC_OPTION_RULES)
    const listing = readSyncInput(input, (address) => {
      const keyed = this.#answer(address, undefined, false)
      return { key: keyed.own, spelling: spellingOfKeyed(keyed) }
    })
    if (listing.addressCount === 0 && !allowEmpty) {
      throw new NodeMapSyncError(
        'empty-topology',
        'Expected the topology to list at least one node with an address, got none.',
        undefined,
        { hint: 'Pass `{ allowEmpty: true }` to let every entry go when the cluster really is empty.' },
      )
    }
    const added: { id: string; key: NodeKey }[] = []
    const departed: { key: NodeKey; id: string | undefined }[] = []
    const replaced: { key: NodeKey; id: string; by: string }[] = []
    const linked: { address: NodeKey; key: NodeKey; id: string }[] = []
    const departures: Departure<V>[] = []
    const cancelled: Pending<V>[] = []
    const removed: NodeKey[] = []
    const heldAt = (key: NodeKey): Held<V> | undefined => this.#entries.get(key) ?? this.#pending.get(key)
    const linkedAt = (key: NodeKey): Held<V> | undefined => {
      const target = this.#links.targetOf(key)
      return target === undefined ? undefined : heldAt(target)
    }
    const take = (held: Held<V>, reason: NodeMapDisposeReason): void => {
      const { key } = held
      if (isPending(held)) {
        if (this.#pending.get(key) !== held) return
        this.#pending.delete(key)
        held.cancelled = reason
        cancelled.push(held)
      } else {
        if (this.#entries.get(key) !== held) return
        this.#entries.delete(key)
        departures.push([held.value, key, reason])
      }
      // What another node took or what left drops its links at once, so that no address follows them on to
      // another entry below; a value merged away ('link') hands them to the node's entry instead.
      if (reason === 'link') removed.push(key)
      else this.#dropLinksIfOrphan(key)
    }
    const { claims, shared } = listing
    const sole = (key: NodeKey): boolean => shared.size === 0 || !shared.has(key)

    // A dead value (`isAlive` says so) is no node's entry: it leaves first, as a lookup would make it leave,
    // so that it can neither be chosen as a node's entry nor push a live one out.
    if (this.#isAlive !== undefined) {
      for (const entry of this.#entries.values()) if (this.#isDead(entry)) take(entry, 'dead')
    }

    // An address listed under ids none of which its entry was synced under is another node's now.
    for (const [key, first] of claims) {
      const held = heldAt(key)
      if (held?.id !== undefined && !listedAt(listing, key, held.id)) {
        replaced.push({ key, id: held.id, by: first })
        take(held, 'replaced')
      }
    }
    // The entries and creations synced under each id: the first, and any more (rare) apart.
    const byId = new Map<string, Held<V>>()
    const moreById = new Map<string, Held<V>[]>()
    const index = (held: Held<V>): void => {
      if (held.id === undefined) return
      if (!byId.has(held.id)) byId.set(held.id, held)
      else moreById.get(held.id)?.push(held) ?? moreById.set(held.id, [held])
    }
    for (const held of this.#entries.values()) index(held)
    for (const held of this.#pending.values()) index(held)
    const sameId = (id: string): Held<V>[] => {
      const first = byId.get(id)
      return first === undefined ? [] : [first, ...(moreById.get(id) ?? [])]
    }
    const groups = [...listing.groups.values()]
    // What is filed at a node's own addresses is the node's: no other node may take it below.
    for (const group of groups) {
      for (const { key } of group.addresses) {
        const held = sole(key) ? heldAt(key) : undefined
        if (held !== undefined) held.id = group.id
      }
    }
    // Each node's entry: the first filed at one of its own addresses, else one an address of its is linked
    // to, else one synced under its id elsewhere; an entry before any creation in flight.
    const homes = new Map<string, Held<V>>()
    /** Of the candidates, the first entry that may be node `id`'s, else the first such creation in flight. */
    const choose = (
      id: string,
      found: (key: NodeKey) => Held<V> | undefined,
      group: SyncGroup,
    ): Held<V> | undefined => {
      let creation: Held<V> | undefined
      for (const { key } of group.addresses) {
        if (!sole(key)) continue
        const held = found(key)
        if (held === undefined || (held.id !== undefined && held.id !== id)) continue
        if (!isPending(held)) return held
        creation ??= held
      }
      return creation
    }
    for (const group of groups) {
      const { id } = group
      let home = choose(id, heldAt, group)
      if (home === undefined || isPending(home)) {
        const creation = home
        home = choose(id, linkedAt, group)
        if (home === undefined || isPending(home)) {
          for (const held of sameId(id)) {
            if (!isPending(held)) {
              home = held
              break
            }
            home ??= held
          }
        }
        if (home === undefined || isPending(home)) home = creation ?? home
      }
      if (home === undefined) continue
      home.id = id
      homes.set(id, home)
    }
    // An address linked to another node's entry (the ids are settled now) is that node's no more.
    for (const key of claims.keys()) {
      const found = linkedAt(key)
      if (found?.id !== undefined && !listedAt(listing, key, found.id)) this.#links.unlink(key)
    }
    // Every address of a node, and every other entry synced under its id, finds the node's entry. Entries
    // synced under the id at addresses no longer listed (a node that moved) are linked first and the listed
    // addresses last, an address already linked to the entry linked again: a target keeps its newest links,
    // so the ones dropped, if any, are never the addresses this sync lists.
    for (const [id, home] of homes) {
      if (moreById.has(id) || byId.get(id) !== home) {
        for (const other of sameId(id)) {
          if (other === home || heldAt(other.key) !== other) continue
          mergeSpellings(home.spellings, other.spellings)
          take(other, 'link')
          const spelling = other.spellings[0]
          if (spelling === undefined || this.#links.targetOf(other.key) !== undefined) continue
          this.#links.link(other.key, home.key, spelling)
          linked.push({ address: other.key, key: home.key, id })
        }
      }
      for (const { key: source, spelling } of listing.groups.get(id)?.addresses ?? []) {
        if (source === home.key || !sole(source)) continue
        if (this.#links.targetOf(source) === home.key) {
          this.#links.link(source, home.key, spelling)
          continue
        }
        const own = heldAt(source)
        if (own !== undefined) {
          mergeSpellings(home.spellings, own.spellings)
          take(own, 'link')
        }
        this.#links.link(source, home.key, spelling)
        addSpelling(home.spellings, spelling)
        linked.push({ address: source, key: home.key, id })
      }
    }
    // What stays: the nodes' entries, what addresses listed without an id (or under several ids) find, and
    // entries synced under the id of a node listed without an address.
    const present = new Set<Held<V>>(homes.values())
    for (const { key } of listing.anonymous) {
      const held = heldAt(this.#links.follow(key))
      if (held !== undefined) present.add(held)
    }
    for (const [key, ids] of shared) {
      const held = heldAt(this.#links.follow(key))
      if (held !== undefined && (held.id === undefined || ids.has(held.id))) present.add(held)
    }
    for (const id of listing.unkeyed) {
      for (const held of sameId(id)) if (heldAt(held.key) === held) present.add(held)
    }
    // Deleting the entry being visited does not disturb a Map's iteration.
    for (const held of this.#entries.values()) {
      if (present.has(held)) continue
      departed.push({ key: held.key, id: held.id })
      take(held, 'departed')
    }
    for (const held of this.#pending.values()) {
      // A creation filed under the key of an entry that stays (the two met when the keyer's answers changed)
      // is that node's: not departed.
      const entry = this.#entries.get(held.key)
      if (present.has(held) || (entry !== undefined && present.has(entry))) continue
      departed.push({ key: held.key, id: held.id })
      take(held, 'departed')
    }
    for (const key of removed) this.#dropLinksIfOrphan(key)
    this.#front.clear()
    for (const group of groups) {
      const first = group.addresses[0]
      if (first !== undefined && !this.#table.has(group.id)) added.push({ id: group.id, key: first.key })
    }
    this.#table.replace(listing)
    // Last, so that the signals' listeners find the map synced.
    for (const pending of cancelled) abortCreation(pending)
    this.#disposeDeparted(departures)
    // Only the links that stand (a full target drops its oldest, which are never this sync's listed ones).
    return {
      added,
      departed,
      replaced,
      linked: linked.filter(({ address, key }) => this.#links.targetOf(address) === key),
    }
  }

  /**
   * The keys, least recently used first (insertion order without `max`).
   */
  *keys(): IterableIterator<NodeKey> {
    for (const [key] of this.entries()) yield key
  }

  /**
   * The values, in the order of {@link NodeMap.keys}.
   */
  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value
  }

  /**
   * `[key, value]` pairs, in the order of {@link NodeMap.keys}: the keys present when iteration starts,
   * skipping those removed meanwhile, so calling `get` or `set` inside the loop is safe.
   */
  *entries(): IterableIterator<[NodeKey, V]> {
    this.#followKeyer()
    for (const key of [...this.#entries.keys()]) {
      const entry = this.#entries.get(key)
      if (entry !== undefined) yield [key, entry.value]
    }
  }

  /**
   * Call `callback(value, key, map)` for every entry, in the order of {@link NodeMap.keys}.
   */
  forEach(callback: (value: V, key: NodeKey, map: this) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this)
  }

  /**
   * The same as {@link NodeMap.entries}.
   */
  [Symbol.iterator](): IterableIterator<[NodeKey, V]> {
    return this.entries()
  }

  /**
   * What the keyer answers for an input, in one trip: its `endpoint` when it has one (the key, where to dial
   * and the host it was given), else its key alone. An object is read once, into a copy.
   */
  #answer(raw: unknown, port: unknown, pair: boolean): Keyed {
    const input = settledInput(raw)
    const { endpoint } = this.#keyer
    if (typeof endpoint === 'function') {
      const answer = pair ? endpoint(input as string, port as NodeMapPort) : endpoint(input as AddressInput)
      return { key: answer.key, own: answer.key, answer, input, port, pair }
    }
    const keyer = this.#keyer as (input: unknown, port?: unknown) => NodeKey
    const own = pair ? keyer(input, port) : keyer(input)
    return { key: own, own, answer: undefined, input, port, pair }
  }

  /** Key an input and follow a link; throws for input that is not an address. */
  #keyInput(input: unknown, port: unknown, pair: boolean): Keyed {
    const keyed = this.#answer(input, port, pair)
    keyed.key = this.#links.follow(keyed.own)
    return keyed
  }

  /** {@link NodeMap.#keyInput}, with `undefined` for input that is not an address. */
  #tryKeyInput(input: unknown, port: unknown, pair: boolean): Keyed | undefined {
    try {
      return this.#keyInput(input, port, pair)
    } catch {
      return undefined
    }
  }

  /** Note an input's spelling in a record's list, building nothing when the list is full or holds it. */
  #note(spellings: Spelling[], keyed: Keyed): void {
    if (spellings.length < MAX_SPELLINGS && !hasSpelling(spellings, keyed.input, keyed.port, keyed.pair)) {
      addSpelling(spellings, spellingOfKeyed(keyed))
    }
  }

  /**
   * Where to dial the node an input keys to: the keyer's answer for it (asked once, with the key), or, for a
   * linked address, the linked entry's host and port with the DNS name the address gave; for a keyer
   * without `endpoint`, the key's host and port with that name.
   *
   * @throws TypeError when a custom keyer's key is not a node key.
   */
  #dialOf(keyed: Keyed): DialTarget {
    const answer = keyed.answer ?? endpointOf(this.#keyer, keyed.input, keyed.port, keyed.pair)
    if (answer.key === keyed.key) return dialTarget(answer.host, answer.port, answer.servername)
    let linked: { host: string; port: number }
    try {
      linked = parseNodeKey(keyed.key)
    } catch (error) {
      throw new TypeError(
        `Expected the keyer of NodeMap to return node keys ("host:port", "[v6]:port"), got ${preview(keyed.key)}.`,
        { cause: error },
      )
    }
    return dialTarget(linked.host, linked.port, answer.servername)
  }

  /**
   * Re-key the map if the keyer's answers changed since the keys were made; dispose what gave way. Runs at
   * the start of every method, so nothing answers from stale keys. A keyer that can say which hosts changed
   * (`changedSince`) has only the spellings given for those hosts keyed again; other keyers, every spelling.
   */
  #followKeyer(): void {
    if (this.#generation === undefined) return
    // Keying spellings again could, with an odd resolver, move the generation again: a few rounds at most.
    for (let round = 0; round < 3 && this.#keyer.generation !== this.#generation; round++) {
      const since = this.#generation as number
      this.#generation = this.#keyer.generation
      this.#front.clear()
      this.#newest = undefined
      const hosts = this.#keyer.changedSince?.(since)
      this.#disposeDeparted(this.#rekey(hosts === undefined ? undefined : new Set(hosts)))
    }
  }

  /**
   * File every entry, creation and link again under the keys their spellings give now (see the class doc
   * and rekey.ts); with `hosts`, only spellings given for one of them are keyed again.
   */
  #rekey(hosts: ReadonlySet<string> | undefined): Departure<V>[] {
    if (hosts !== undefined && hosts.size === 0) return []
    const keyer = this.#keyer as (input: unknown, port?: unknown) => NodeKey
    const touched =
      hosts === undefined
        ? undefined
        : (spelling: Spelling) => spelling.given === undefined || hosts.has(spelling.given)
    const links = [...this.#links.entries()].map(([source, target, spelling]) => ({
      source,
      target,
      spelling,
    }))
    // The entries to key again: all of them, or those a touched spelling (their own, or a link's) reaches.
    let entries: Entry<V>[]
    if (touched === undefined) {
      entries = [...this.#entries.values()]
    } else {
      const reached = new Set<NodeKey>()
      for (const { target, spelling } of links) if (touched(spelling)) reached.add(target)
      entries = []
      for (const entry of this.#entries.values()) {
        if (reached.has(entry.key) || entry.spellings.some(touched)) entries.push(entry)
      }
    }
    const outcome = rekey<V, Entry<V>, Pending<V>>({
      entries,
      entryAt: (key) => this.#entries.get(key),
      creations: [...this.#pending.values()],
      links,
      keyOf: (spelling) => {
        try {
          return spelling.pair ? keyer(spelling.input, spelling.port) : keyer(spelling.input)
        } catch {
          return undefined
        }
      },
      touched,
    })
    for (const [spelling, key] of outcome.keys) spelling.key = key
    if (!outcome.changed) return []
    if (outcome.kept.length > 0 || outcome.left.length > 0) {
      for (const { entry, key, joined } of outcome.kept) {
        entry.key = key
        mergeSpellings(entry.spellings, joined)
      }
      // Filed again in the same order, under the keys they hold now: a pass over the entries, no keyer call.
      const gone = new Set(outcome.left)
      const order = [...this.#entries.values()]
      this.#entries.clear()
      for (const entry of order) if (!gone.has(entry)) this.#entries.set(entry.key, entry)
    }
    this.#pending.clear()
    for (const { creation, key } of outcome.creations) {
      creation.key = key
      this.#pending.set(key, creation)
    }
    for (const { creation, key, into } of outcome.cancelled) {
      if (into !== undefined) mergeSpellings(into.spellings, creation.spellings)
      creation.cancelled = 'rekeyed'
      if (key !== undefined) creation.key = key
    }
    this.#links.clear()
    for (const { source, target, spelling } of outcome.links) this.#links.link(source, target, spelling)
    return outcome.departed.map((entry) => [entry.value, entry.key, 'rekeyed'])
  }

  /**
   * Whether an entry's value may be handed out: `isAlive` says so (a map without it keeps every value). A
   * dead one leaves the map at once, disposed with reason `'dead'`; an error of that dispose goes to
   * `onError`, or is a warning, since the lookups that find dead values never throw.
   */
  #alive(entry: Entry<V>): boolean {
    if (!this.#isDead(entry)) return true
    const { key } = entry
    if (this.#entries.get(key) === entry) this.#entries.delete(key)
    this.#front.clear()
    this.#dropLinksIfOrphan(key)
    try {
      this.#disposeDeparted([[entry.value, key, 'dead']])
    } catch (error) {
      process.emitWarning(error instanceof Error ? error : new Error(String(error)))
    }
    return false
  }

  /** Whether `isAlive` says the entry's value is dead; a map without `isAlive` keeps every value. */
  #isDead(entry: Entry<V>): boolean {
    if (this.#isAlive === undefined) return false
    try {
      return this.#isAlive(entry.value, entry.key) !== true
    } catch {
      // A check that cannot tell is no reason to hand out what may be a closed connection.
      return true
    }
  }

  /** Move an entry to the most recent end, when recency matters and it is not there already. */
  #touch(key: NodeKey, entry: Entry<V>): void {
    if (this.#max === Number.POSITIVE_INFINITY || this.#newest === key) return
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    this.#newest = key
  }

  /** File a value; returns what left (a replaced value, an evicted one). */
  #store(keyed: Keyed, value: V): Departure<V>[] {
    const { key } = keyed
    const superseded = this.#pending.get(key)
    this.#cancelCreation(key, 'set')
    const departures: Departure<V>[] = []
    const entry = this.#entries.get(key)
    if (entry !== undefined) {
      if (!Object.is(entry.value, value)) departures.push([entry.value, key, 'set'])
      entry.value = value
      entry.id = this.#table.idAt(key) ?? entry.id
      this.#touch(key, entry)
      this.#note(entry.spellings, keyed)
      return departures
    }
    const spellings: Spelling[] = superseded?.spellings ?? []
    this.#note(spellings, keyed)
    // A value filed over a creation in flight stands in for it: the node id it was synced under too.
    const fresh: Entry<V> = { key, value, spellings, born: this.#born++, id: superseded?.id }
    const left = this.#insert(key, fresh)
    this.#adopt(fresh)
    return left
  }

  /** File a new entry at the most recent end; past `max`, the least recently used one leaves. */
  #insert(key: NodeKey, entry: Entry<V>): Departure<V>[] {
    this.#entries.set(key, entry)
    this.#newest = key
    if (this.#entries.size <= this.#max) return []
    const oldest = this.#entries.entries().next().value
    if (oldest === undefined) return []
    const [oldKey, old] = oldest
    this.#entries.delete(oldKey)
    this.#front.clear()
    this.#dropLinksIfOrphan(oldKey)
    return [[old.value, oldKey, 'evict']]
  }

  /**
   * Give a new entry or creation the node id the last sync listed at its key, if any, and link that node's
   * other addresses to it (those that find nothing of their own), so that every address of the node finds
   * this one value.
   */
  #adopt(held: Held<V>): void {
    if (this.#table.size === 0) return
    const id = this.#table.idAt(held.key)
    if (id === undefined) return
    held.id = id
    let linked = false
    for (const { key, spelling } of this.#table.addressesOf(id)) {
      if (key === held.key || this.#links.targetOf(key) !== undefined) continue
      if (this.#entries.has(key) || this.#pending.has(key)) continue
      this.#links.link(key, held.key, spelling)
      linked = true
    }
    if (linked) this.#front.clear()
  }

  /** Run `create` for a creation filed in `#pending`, and file or drop its value. */
  async #runCreation(pending: Pending<V>, create: NodeMapCreateAsync<V>, dial: DialTarget): Promise<V> {
    let value: V
    try {
      value = await create(pending.key, dial, pending.controller.signal)
    } catch (error) {
      if (this.#pending.get(pending.key) === pending) {
        this.#pending.delete(pending.key)
        this.#dropLinksIfOrphan(pending.key)
      }
      throw error
    }
    // The answers may have changed while `create` ran: the value settles under the key they give now.
    this.#followKeyer()
    const { key } = pending
    if (this.#pending.get(key) === pending) {
      this.#pending.delete(key)
      const older = this.#entries.get(key)
      if (older !== undefined) {
        // Re-keying brought a value filed earlier to this key meanwhile: the older one stays.
        mergeSpellings(older.spellings, pending.spellings)
        if (!Object.is(value, older.value)) this.#disposeDeparted([[value, key, 'rekeyed']])
        return older.value
      }
      this.#disposeDeparted(
        this.#insert(key, { key, value, spellings: pending.spellings, born: this.#born++, id: pending.id }),
      )
      return value
    }
    // The key was deleted, cleared, set or linked away meanwhile, or re-keying merged this creation into
    // another: this value is not filed. The callers get what the address finds now, if anything.
    const now = this.#links.follow(key)
    const entry = this.#entries.get(now)
    // The value may be the one filed meanwhile (a create that set it itself, or two creators sharing one
    // object): that one is in the map, not stale.
    if (entry === undefined || !Object.is(value, entry.value)) {
      this.#disposeDeparted([[value, key, pending.cancelled === 'rekeyed' ? 'rekeyed' : 'stale']])
    }
    if (entry !== undefined) return entry.value
    const next = this.#pending.get(now)
    if (next !== undefined) return next.promise
    const { cancelled } = pending
    throw new StaleCreationError(
      key,
      cancelled === 'clear' || cancelled === 'rekeyed' || cancelled === 'departed' || cancelled === 'replaced'
        ? cancelled
        : 'delete',
    )
  }

  /** Take the creation in flight for a key, if any, out of the map and abort its signal. */
  #cancelCreation(key: NodeKey, reason: NodeMapDisposeReason): void {
    const pending = this.#pending.get(key)
    if (pending === undefined) return
    this.#pending.delete(key)
    pending.cancelled = reason
    abortCreation(pending)
  }

  /** Links leave with the last trace of their target: its entry and its creation in flight. */
  #dropLinksIfOrphan(key: NodeKey): void {
    if (!this.#entries.has(key) && !this.#pending.has(key)) this.#links.dropTo(key)
  }

  /** Dispose what left, once each, with the map already consistent; surface errors as documented. */
  #disposeDeparted(departures: Departure<V>[]): void {
    if (departures.length === 0 || this.#dispose === undefined) return
    const errors: unknown[] = []
    for (const [value, key, reason] of departures) {
      try {
        this.#dispose(value, key, reason)
      } catch (error) {
        if (this.#onError === undefined) errors.push(error)
        else this.#onError(error, value, key, reason)
      }
    }
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} dispose calls threw.`)
  }
}

/**
 * How Node's `util.inspect` and `console.log` show a map: as a `Map`, its size and entries
 * (`NodeMap(1) { '127.0.0.1:7000' => 'a' }`). Node hands over its own `inspect`, so node:util is not
 * imported; elsewhere the keys are listed plainly. Neither counts as use for `max`.
 */
function inspectNodeMap(
  this: NodeMap<unknown>,
  depth: number | null,
  options: { stylize?: (text: string, style: string) => string },
  inspect?: (value: unknown, options?: object) => string,
): string {
  if (typeof depth === 'number' && depth < 0) {
    return typeof options?.stylize === 'function' ? options.stylize('[NodeMap]', 'special') : '[NodeMap]'
  }
  const entries = new Map(this.entries())
  if (typeof inspect !== 'function') {
    return `NodeMap(${entries.size}) {${entries.size === 0 ? '' : ` ${[...entries.keys()].join(', ')} `}}`
  }
  return `Node${inspect(entries, { ...options, depth })}`
}
