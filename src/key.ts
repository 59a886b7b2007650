/**
 * The keyer: the one function every put and every get of a node cache goes through. It composes the
 * pieces (address and port parsing, the canonical host, the resolver) behind a bounded memo.
 */
import {
  type AddressInput,
  type AddressPolicy,
  type Endpoint,
  endpointOrFailure,
  joinEndpoint,
  servernameOf,
} from './address.js'
import {
  type Failure,
  type FailureReason,
  InvalidHostError,
  isFailure,
  optionNames,
  preview,
  toError,
} from './errors.js'
import { type HostOptions, readHostOptions } from './host.js'
import { Memo, type MemoStats, type NodeEndpoint } from './memo.js'
import { joinKey, type NodeKey } from './node-key.js'
import { checkDefaultPort } from './port.js'
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
 * {@link canonicalNodeKey}: what a {@link NodeMap} keys with. Every {@link NodeKeyer} is one; a function of
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
  /** The key of a host and a port given apart. */
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
  /** The memo's counters: hits, misses, size and evictions. */
  stats(): MemoStats
  /** Empty the memo (the counters go on). */
  clear(): void
  /** Stop listening to the resolver's changes (for keyers made per connection; others need not call it). */
  close(): void
  /**
   * A number that changes whenever keys this keyer gave may have changed: its resolver reported a change, or
   * `clear()` ran. A cache built on the keyer (such as {@link NodeMap}'s) may keep a key while it is the same.
   */
  readonly generation: number
}

/** The hints a keyer adds, naming what its caller can do (a keyer takes no `originHost`, for one). */
const KEYER_HINTS: Partial<Record<FailureReason, string>> = {
  'missing-port': 'Give one, or use a keyer with a default port: createNodeKeyer({ defaultPort: 6379 }).',
}

const DEFAULT_CACHE_SIZE = 10_000

/** The names of {@link KeyerOptions}. */
const KEYER_OPTION_NAMES = /* @__PURE__ */ optionNames<KeyerOptions>({
  cacheSize: true,
  defaultPort: true,
  mappedIPv4: true,
  resolver: true,
  trailingDot: true,
})

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
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected the options of createNodeKeyer to be an object, got ${preview(options)}.`)
  }
  const { resolver: resolverOption, cacheSize = DEFAULT_CACHE_SIZE } = options
  const policy: AddressPolicy = {
    ...readHostOptions(options, 'createNodeKeyer', KEYER_OPTION_NAMES),
    defaultPort: checkDefaultPort(options.defaultPort, 'createNodeKeyer'),
    originHost: undefined,
  }
  if (resolverOption !== undefined && resolverOption !== null && typeof resolverOption !== 'function') {
    throw new TypeError(
      `Expected \`resolver\` to be a resolver function or null, got ${preview(resolverOption)}.`,
    )
  }
  if (!Number.isInteger(cacheSize) || cacheSize < 0) {
    throw new TypeError(`Expected \`cacheSize\` to be an integer from 0 up, got ${preview(cacheSize)}.`)
  }
  const resolver = resolverOption === undefined ? loopbackResolver() : resolverOption
  const memo = new Memo(cacheSize)

  /** The answer for a canonical endpoint, through the resolver. */
  const answerOf = (endpoint: Endpoint | Failure, input: unknown): NodeEndpoint => {
    if (isFailure(endpoint)) throw toError(endpoint, input, KEYER_HINTS[endpoint.reason])
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
    const servername = servernameOf(endpoint.host)
    return Object.freeze(
      servername === undefined
        ? { key: joinKey(host, port), host, port }
        : { key: joinKey(host, port), host, port, servername },
    )
  }

  const { addresses } = memo
  /** The answer for any call shape, through the memo where the shape allows it (the same rules as the keyer). */
  const resolve = (hostOrAddress: unknown, port: unknown, pair: boolean): NodeEndpoint => {
    if (pair && typeof hostOrAddress === 'string' && (typeof port === 'number' || typeof port === 'string')) {
      return memo.pairAnswer(hostOrAddress, port) ?? computePair(hostOrAddress, port)
    }
    if (!pair && typeof hostOrAddress === 'string') {
      return memo.addressAnswer(hostOrAddress) ?? computeAddress(hostOrAddress)
    }
    return resolveOther(hostOrAddress, port, pair)
  }
  const computePair = (host: string, port: number | string): NodeEndpoint => {
    const endpoint = joinEndpoint(host, port, policy)
    const computed = answerOf(endpoint, host)
    memo.setPair(host, port, computed, (endpoint as Endpoint).host)
    return computed
  }
  const computeAddress = (raw: string): NodeEndpoint => {
    const endpoint = endpointOrFailure(raw, policy)
    const computed = answerOf(endpoint, raw)
    memo.setAddress(raw, computed, (endpoint as Endpoint).host)
    return computed
  }
  /** Call shapes the memo does not take as they are: objects (memoized as the pair they hold), and the rest. */
  const resolveOther = (hostOrAddress: unknown, port: unknown, pair: boolean): NodeEndpoint => {
    if (pair) {
      return answerOf(joinEndpoint(hostOrAddress, port, policy), hostOrAddress)
    }
    if (typeof hostOrAddress === 'object' && hostOrAddress !== null && !Array.isArray(hostOrAddress)) {
      const { host, port: objectPort } = hostOrAddress as { host?: unknown; port?: unknown }
      if (typeof host === 'string' && (typeof objectPort === 'number' || typeof objectPort === 'string')) {
        return resolve(host, objectPort, true)
      }
    }
    return answerOf(endpointOrFailure(hostOrAddress, policy), hostOrAddress)
  }

  const keyer = function nodeKey(this: unknown, hostOrAddress: unknown, port?: unknown): NodeKey {
    // biome-ignore lint/complexity/noArguments: tells (host, undefined) from (address) without allocating.
    if (arguments.length > 1) {
      // (host, port): only a string host with a number or string port may use the memo, so that no other
      // value can stringify into a remembered input; a hit builds no string (see memo.ts).
      if (typeof hostOrAddress === 'string' && (typeof port === 'number' || typeof port === 'string')) {
        return memo.pair(hostOrAddress, port) ?? computePair(hostOrAddress, port).key
      }
      return resolveOther(hostOrAddress, port, true).key
    }
    if (typeof hostOrAddress === 'string') {
      // The hot path: an address string answered before is one lookup in the memo's front index.
      const known = addresses.get(hostOrAddress)
      if (known !== undefined) {
        memo.hits++
        return known
      }
      return memo.address(hostOrAddress) ?? computeAddress(hostOrAddress).key
    }
    return resolveOther(hostOrAddress, port, false).key
  } as NodeKeyer

  keyer.endpoint = function endpoint(this: unknown, hostOrAddress: unknown, port?: unknown): NodeEndpoint {
    // biome-ignore lint/complexity/noArguments: tells (host, undefined) from (address), as the keyer does.
    return resolve(hostOrAddress, port, arguments.length > 1)
  } as NodeKeyer['endpoint']

  // A data property, not a getter: caches built on the keyer read it on every lookup.
  const mutable = keyer as { generation: number }
  mutable.generation = 0
  const unsubscribe = resolver?.subscribe?.((change) => {
    memo.drop(change?.hosts)
    mutable.generation++
  })
  keyer.stats = () => memo.stats()
  keyer.clear = () => {
    memo.clear()
    mutable.generation++
  }
  keyer.close = () => unsubscribe?.()
  return keyer
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
