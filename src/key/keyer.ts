/**
 * The keyer: the one function every put and every get of a node cache goes through. It composes the
 * pieces (address and port parsing, the canonical host, the resolver) behind a bounded memo.
 */
import {
  type AddressInput,
  type AddressPolicy,
  type Endpoint,
  endpointOrFailure,
  hostAndPortOf,
  joinEndpoint,
  servernameOf,
} from './address.js'
import type { NodeEndpoint } from './endpoint.js'
import { type Failure, type FailureReason, InvalidHostError, isFailure, toError } from './errors.js'
import { type HostOptions, hostPolicy, MAPPED_IPV4_RULE, TRAILING_DOT_RULE } from './host.js'
import { Memo, type MemoStats } from './memo.js'
import { joinKey, type NodeKey } from './node-key.js'
import { integer, readOptions, rule } from './options.js'
import { DEFAULT_PORT_RULE } from './port.js'
import { preview } from './preview.js'
import { loopbackResolver, type Resolver } from './resolver.js'

/**
 * Options of {@link createNodeKeyer}.
 *
 * @example
 * ```ts
 * const options: KeyerOptions = { defaultPort: 6379, resolver: null, cacheSize: 0 }
 * createNodeKeyer(options)('localhost') // 'localhost:6379': no resolver, and no memo
 * ```
 * @category Keys
 */
export interface KeyerOptions extends HostOptions {
  /**
   * The identity policy applied to every canonical endpoint ({@link Resolver}); `null` for none.
   * @defaultValue `loopbackResolver()`: `localhost` is `127.0.0.1`
   */
  resolver?: Resolver | null | undefined
  /**
   * The port of an address that has none (and whose scheme gives none). Without it a missing port is an
   * error.
   * @defaultValue none
   */
  defaultPort?: number | undefined
  /**
   * How many raw inputs the memo remembers (least recently used go first); `0` turns the memo off. The memo
   * is also bounded in bytes (12 MB by its estimate, which over-counts), so that inputs near the longest
   * accepted cannot make 10,000 entries cost tens of megabytes: past that, fewer are kept.
   * @defaultValue `10000`
   */
  cacheSize?: number | undefined
}

/**
 * Any function from one address (`'host:port'`, `'[v6]:port'`, Redis's bare `'::1:7002'`, `'redis://…'`,
 * `{ host, port }`) to its {@link NodeKey}: what the topology readers and the client adapters take. Every
 * {@link NodeKeyer} is one, and so is {@link canonicalNodeKey}, the default.
 *
 * @example
 * ```ts
 * const keyer: AddressKeyer = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
 * keyer('::1:7002') // '127.0.0.1:7002'
 * ```
 * @category Keys
 */
export type AddressKeyer = (address: AddressInput) => NodeKey

/**
 * A function from any spelling of a node address to its {@link NodeKey}, with the call shapes of
 * {@link canonicalNodeKey}: what a `NodeMap` keys with. Every {@link NodeKeyer} is one; a function of
 * your own may leave out `generation` and `endpoint`.
 *
 * @example
 * ```ts
 * const keyer: KeyFunction = createNodeKeyer({ resolver: staticResolver({ 'cache-a': '10.0.0.7' }) })
 * const nodes = new NodeMap<string>({ keyer })
 * nodes.set('cache-a', 6379, 'a')
 * nodes.get('10.0.0.7:6379') // 'a'
 * ```
 * @category Keys
 */
export interface KeyFunction {
  (host: string, port: number | string | undefined): NodeKey
  (address: AddressInput): NodeKey
  /**
   * A number that changes whenever the function's answers may have changed (every {@link NodeKeyer} has
   * one). With it, a NodeMap answers a repeated address string in one lookup; without it, every lookup goes
   * through the function.
   */
  readonly generation?: number
  /**
   * Where a key stands (every {@link NodeKeyer} has it): what a NodeMap's `create` is told to dial. Without
   * it, `create` gets the host and port of the key, and the DNS name the address gave.
   */
  readonly endpoint?:
    | ((input: AddressInput | string, port?: number | string | undefined) => NodeEndpoint)
    | undefined
  /**
   * The hosts whose keys may have changed since a generation (every {@link NodeKeyer} has it; see
   * {@link NodeKeyer.changedSince}). With it, a NodeMap re-keys only the entries those hosts touch; without
   * it, every entry.
   */
  readonly changedSince?: ((generation: number) => readonly string[] | undefined) | undefined
}

/**
 * A {@link KeyFunction} with a memo, as {@link createNodeKeyer} makes it.
 *
 * @example
 * ```ts
 * const keyer: NodeKeyer = createNodeKeyer()
 * keyer('LOCALHOST', 7000) === keyer('redis://127.0.0.1:7000') // true
 * keyer.stats().misses                                           // 2
 * ```
 * @category Keys
 */
export interface NodeKeyer extends KeyFunction {
  /**
   * The key of a host and a port given apart. An `undefined` port is no port given: the keyer's default
   * port, or, when the string is no host but an address with a port of its own (`'localhost:7000'`,
   * `'[::1]:7000'`, a URL), that port.
   */
  (host: string, port: number | string | undefined): NodeKey
  /** The key of one address: `'host:port'`, `'[v6]:port'`, `'::1:7002'`, `'redis://…'` or `{ host, port }`. */
  (address: AddressInput): NodeKey
  /**
   * Where the address's node key stands: the key, the endpoint to dial (after the resolver) and, when the
   * address named the host by a DNS name, that name for TLS SNI. Same call shapes and same memo as the
   * keyer itself; the answer is frozen and may be shared between calls.
   *
   * @example
   * ```ts
   * const keyer = createNodeKeyer({ resolver: staticResolver({ '10.0.1.230:30001': '203.0.113.73:30001' }) })
   * keyer.endpoint('10.0.1.230', 30001) // { key: '203.0.113.73:30001', host: '203.0.113.73', port: 30001 }
   * keyer.endpoint('LOCALHOST:7000')    // { key: '127.0.0.1:7000', host: '127.0.0.1', port: 7000, servername: 'localhost' }
   * ```
   */
  endpoint: {
    (host: string, port: number | string | undefined): NodeEndpoint
    (address: AddressInput): NodeEndpoint
  }
  /**
   * The canonical hosts (before the resolver: {@link NodeEndpoint.given}) whose keys may have changed since
   * the keyer's `generation` was `generation`, each once; `[]` when it still is; `undefined` when the keyer
   * cannot tell host by host (its memo was cleared, a resolver reported a change without hosts, or more than
   * 64 changes ago). What a cache built on the keyer re-keys.
   *
   * @example
   * ```ts
   * const seen = keyer.generation
   * // … a DNS name moves …
   * keyer.changedSince(seen) // ['redis-1.internal']
   * ```
   */
  changedSince(generation: number): readonly string[] | undefined
  /** The memo's counters: hits, misses, size and evictions. */
  stats(): MemoStats
  /** Empty the memo (the counters go on). */
  clear(): void
  /** Stop listening to the resolver's changes (for keyers made per connection; others need not call it). */
  close(): void
  /**
   * A number that changes whenever keys this keyer gave may have changed: its resolver reported a change, or
   * `clear()` ran. A cache built on the keyer (such as `NodeMap`'s) may keep a key while it is the same.
   */
  readonly generation: number
}

/** The hints a keyer adds, naming what its caller can do (a keyer takes no `originHost`, for one). */
const KEYER_HINTS: Partial<Record<FailureReason, string>> = {
  'missing-port': 'Give one, or use a keyer with a default port: createNodeKeyer({ defaultPort: 6379 }).',
}

const DEFAULT_CACHE_SIZE = 10_000

/**
 * The most inputs a memo may be asked to hold. lru-cache allocates its index for `max` entries up front, and
 * the memo's byte bound keeps far fewer than this of even the shortest inputs, so a larger number only
 * costs memory.
 */
export const MAX_CACHE_SIZE = 1_048_576

/** The rules of {@link KeyerOptions}. */
const KEYER_OPTION_RULES = {
  trailingDot: TRAILING_DOT_RULE,
  mappedIPv4: MAPPED_IPV4_RULE,
  defaultPort: DEFAULT_PORT_RULE,
  cacheSize: /* @__PURE__ */ integer(0, MAX_CACHE_SIZE, DEFAULT_CACHE_SIZE),
  resolver: /* @__PURE__ */ rule<Resolver | null>('a resolver function or null', (value) =>
    value === undefined
      ? { value: loopbackResolver() }
      : value === null || typeof value === 'function'
        ? { value: value as Resolver | null }
        : undefined,
  ),
}

/**
 * Make a keyer: the canonical key function with a policy (resolver), a default port and a memo of its own.
 *
 * @throws TypeError for a bad option.
 * @example
 * ```ts
 * const keyer = createNodeKeyer({ defaultPort: 6379, resolver: loopbackResolver({ to: '::1' }) })
 * keyer('LOCALHOST')          // '[::1]:6379'
 * keyer('[0:0::1]:6379')      // '[::1]:6379'
 * keyer.stats()               // { hits: 0, misses: 2, size: 2, evictions: 0 }: two spellings, two inputs
 * ```
 * @category Keys
 */
export const createNodeKeyer = (options: KeyerOptions = {}): NodeKeyer => {
  const read = readOptions(options, 'createNodeKeyer', KEYER_OPTION_RULES)
  const { resolver, cacheSize } = read
  const policy: AddressPolicy = { ...hostPolicy(read), defaultPort: read.defaultPort, originHost: undefined }
  const memo = new Memo(cacheSize)

  /** The answer for a canonical endpoint, through the resolver. */
  const answerOf = (endpoint: Endpoint | Failure, input: unknown): NodeEndpoint => {
    if (isFailure(endpoint)) throw toError(endpoint, input, KEYER_HINTS[endpoint.reason])
    const given = endpoint.host
    let { host, port } = endpoint
    if (resolver !== null) {
      const answer = resolver({ host, port })
      if (answer !== undefined) {
        // An answer without a port keeps the port asked about.
        const resolved = joinEndpoint(
          (answer as Partial<Endpoint> | null)?.host,
          (answer as Partial<Endpoint> | null)?.port,
          { ...policy, defaultPort: port },
        )
        if (isFailure(resolved)) {
          throw new InvalidHostError(
            'resolver',
            `Expected the resolver to answer an endpoint { host, port } or undefined for ${joinKey(host, port)}, got ${preview(answer)}: ${resolved.message}`,
            input,
          )
        }
        host = resolved.host
        port = resolved.port
      }
    }
    const key = joinKey(host, port)
    const servername = servernameOf(given)
    return Object.freeze(
      servername === undefined ? { key, host, port, given } : { key, host, port, servername, given },
    )
  }

  const computePair = (host: string, port: number | string): NodeEndpoint => {
    const endpoint = joinEndpoint(host, port, policy)
    // A refusal is remembered too: the parse decides it, whatever the resolver answers later.
    if (isFailure(endpoint)) memo.refusePair(host, port, endpoint)
    const computed = answerOf(endpoint, host)
    memo.setPair(host, port, computed, computed.given)
    return computed
  }
  const computeAddress = (raw: string): NodeEndpoint => {
    const endpoint = endpointOrFailure(raw, policy)
    if (isFailure(endpoint)) memo.refuseAddress(raw, endpoint)
    const computed = answerOf(endpoint, raw)
    memo.setAddress(raw, computed, computed.given)
    return computed
  }
  /** A remembered answer as it is; a remembered refusal thrown afresh, as the parse threw it. */
  const remembered = (found: NodeEndpoint | Failure, input: unknown): NodeEndpoint => {
    if (isFailure(found)) throw toError(found, input, KEYER_HINTS[found.reason])
    return found
  }
  /** The answer of a pair, through the memo. */
  const pairAnswer = (host: string, port: number | string): NodeEndpoint => {
    const found = memo.pair(host, port)
    return found === undefined ? computePair(host, port) : remembered(found, host)
  }
  /** The answer of an address string, through the memo. */
  const addressAnswer = (raw: string): NodeEndpoint => {
    const found = memo.address(raw)
    return found === undefined ? computeAddress(raw) : remembered(found, raw)
  }
  /** Call shapes the memo does not take as they are: objects (memoized as the pair they hold), and the rest. */
  const answerOther = (hostOrAddress: unknown, port: unknown, pair: boolean): NodeEndpoint => {
    if (pair) {
      const endpoint = joinEndpoint(hostOrAddress, port, policy)
      // No port given (`undefined`): a string that is no host may be an address that carries its own
      // (`'localhost:7000'`, `'[::1]:7000'`, a URL). A host is read as a host first, so `'::1'` stays ::1.
      if (
        port === undefined &&
        isFailure(endpoint) &&
        endpoint.kind === 'host' &&
        typeof hostOrAddress === 'string'
      ) {
        const address = endpointOrFailure(hostOrAddress, policy)
        if (!isFailure(address)) return answerOf(address, hostOrAddress)
      }
      return answerOf(endpoint, hostOrAddress)
    }
    if (typeof hostOrAddress === 'object' && hostOrAddress !== null) {
      // Read once: the memo's pair and the endpoint are both made from these two values.
      const read = hostAndPortOf(hostOrAddress)
      if (read !== undefined) {
        const { host, port: objectPort } = read
        if (typeof host === 'string' && (typeof objectPort === 'number' || typeof objectPort === 'string')) {
          return pairAnswer(host, objectPort)
        }
        return answerOf(joinEndpoint(host, objectPort, policy), hostOrAddress)
      }
    }
    return answerOf(endpointOrFailure(hostOrAddress, policy), hostOrAddress)
  }

  const { addresses } = memo
  const keyer = function nodeKey(this: unknown, hostOrAddress: unknown, port?: unknown): NodeKey {
    // biome-ignore lint/complexity/noArguments: tells (host, undefined) from (address) without allocating.
    if (arguments.length > 1) {
      // (host, port): only a string host with a number or string port may use the memo, so that no other
      // value can stringify into a remembered input; a hit builds no string (see memo.ts).
      if (typeof hostOrAddress === 'string' && (typeof port === 'number' || typeof port === 'string')) {
        return pairAnswer(hostOrAddress, port).key
      }
      return answerOther(hostOrAddress, port, true).key
    }
    if (typeof hostOrAddress === 'string') {
      // The hot path: an address string answered before is one lookup in the memo's front index.
      const known = addresses.get(hostOrAddress)
      if (known !== undefined) {
        memo.hits++
        return known
      }
      return addressAnswer(hostOrAddress).key
    }
    return answerOther(hostOrAddress, port, false).key
  } as NodeKeyer

  keyer.endpoint = function endpoint(this: unknown, hostOrAddress: unknown, port?: unknown): NodeEndpoint {
    // biome-ignore lint/complexity/noArguments: tells (host, undefined) from (address), as the keyer does.
    if (arguments.length > 1) {
      if (typeof hostOrAddress === 'string' && (typeof port === 'number' || typeof port === 'string')) {
        return pairAnswer(hostOrAddress, port)
      }
      return answerOther(hostOrAddress, port, true)
    }
    if (typeof hostOrAddress === 'string') {
      return addressAnswer(hostOrAddress)
    }
    return answerOther(hostOrAddress, port, false)
  } as NodeKeyer['endpoint']

  // A data property, not a getter: caches built on the keyer read it on every lookup.
  const mutable = keyer as { generation: number }
  mutable.generation = 0
  const log = new ChangeLog()
  const changed = (hosts: readonly string[] | undefined): void => {
    mutable.generation++
    log.add(mutable.generation, hosts)
  }
  const unsubscribe = resolver?.subscribe?.((change) => {
    const hosts = Array.isArray(change?.hosts) ? [...change.hosts] : undefined
    memo.drop(hosts)
    changed(hosts)
  })
  keyer.changedSince = (generation) => log.since(generation, keyer.generation)
  keyer.stats = () => memo.stats()
  keyer.clear = () => {
    memo.clear()
    changed(undefined)
  }
  keyer.close = () => unsubscribe?.()
  return keyer
}

/** How many of a keyer's latest changes {@link NodeKeyer.changedSince} can tell apart. */
const CHANGE_LOG_LENGTH = 64

/** The hosts of a keyer's latest changes, each with the generation it made, oldest first; bounded. */
class ChangeLog {
  readonly #changes: { generation: number; hosts: readonly string[] | undefined }[] = []

  add(generation: number, hosts: readonly string[] | undefined): void {
    if (this.#changes.length === CHANGE_LOG_LENGTH) this.#changes.shift()
    this.#changes.push({ generation, hosts })
  }

  /** The hosts changed after `generation` up to `now`; `undefined` when that is not known host by host. */
  since(generation: number, now: number): readonly string[] | undefined {
    if (generation === now) return []
    const first = this.#changes[0]
    // Changes from generation + 1 on must all be in the log.
    if (
      !Number.isInteger(generation) ||
      generation > now ||
      first === undefined ||
      first.generation > generation + 1
    ) {
      return undefined
    }
    const hosts = new Set<string>()
    for (const change of this.#changes) {
      if (change.generation <= generation) continue
      if (change.hosts === undefined) return undefined
      for (const host of change.hosts) hosts.add(host)
    }
    return [...hosts]
  }
}

/**
 * The default keyer: the canonical key of any spelling of a node address, with `localhost` as
 * `127.0.0.1` ({@link loopbackResolver}), no default port and a memo of 10,000 inputs.
 *
 * @throws {@link InvalidHostError} or {@link InvalidPortError} for input that is not an address.
 * @example
 * ```ts
 * canonicalNodeKey('LOCALHOST', 7000)            // '127.0.0.1:7000'
 * canonicalNodeKey('::1:7002')                   // '[::1]:7002'
 * canonicalNodeKey('redis://localhost:7000')     // '127.0.0.1:7000'
 * canonicalNodeKey({ host: '0:0::1', port: '7000' }) // '[::1]:7000'
 * ```
 * @category Keys
 */
export const canonicalNodeKey: NodeKeyer = /* @__PURE__ */ createNodeKeyer()
