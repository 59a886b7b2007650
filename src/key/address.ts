/**
 * Addresses and node keys: reading `host:port`, `[v6]:port`, Redis's bare `::1:7002`, URLs and
 * `{ host, port }` into an {@link Endpoint}, and writing an endpoint as its {@link NodeKey}: the rules of
 * docs/canonical-form.md §4 and §5.
 */
import { type Failure, fail, isFailure, toError } from './errors.js'
import {
  DEFAULT_HOST_POLICY,
  type HostPolicy,
  hostOrFailure,
  hostPolicy,
  isCanonicalIp,
  MAPPED_IPV4_RULE,
  MAX_HOST_LENGTH,
  TRAILING_DOT_RULE,
  trimAsciiWhitespace,
} from './host.js'
import { joinKey, type NodeKey } from './node-key.js'
import { readOptions, rule } from './options.js'
import { DEFAULT_PORT_RULE, portOrFailure } from './port.js'
import { preview } from './preview.js'

/**
 * A node's address. In every endpoint this library returns, `host` is canonical (IPv6 without brackets).
 *
 * @example
 * ```ts
 * const endpoint: Endpoint = parseAddress('[::1]:7000') // { host: '::1', port: 7000 }
 * formatNodeKey(endpoint)                               // '[::1]:7000'
 * ```
 * @category Addresses
 */
export interface Endpoint {
  /** The host: a name, an IPv4 address, or an IPv6 address without brackets. */
  host: string
  /** The port, 1 to 65535. */
  port: number
}

/**
 * Any spelling of a node address: `'host:port'`, `'[v6]:port'`, `'::1:7002'`, `'redis://…'`, or `{ host, port }`.
 *
 * @example
 * ```ts
 * const seeds: AddressInput[] = ['LOCALHOST:7000', { host: '::1', port: '7002' }]
 * seeds.map((seed) => canonicalNodeKey(seed)) // ['127.0.0.1:7000', '[::1]:7002']
 * ```
 * @category Addresses
 */
export type AddressInput =
  | string
  | {
      /** The host, in any spelling a string address accepts. */
      host: string
      /** The port as a number or a decimal string; without it, `defaultPort` applies. */
      port?: number | string | undefined
    }

/**
 * Options of {@link parseAddress}.
 *
 * @example
 * ```ts
 * const options: ParseAddressOptions = { defaultPort: 7000, trailingDot: 'strip' }
 * parseAddress('Redis-1.Example.', options) // { host: 'redis-1.example', port: 7000 }
 * ```
 * @category Addresses
 */
export interface ParseAddressOptions {
  /** The port when the address has none and its scheme gives none. */
  defaultPort?: number | undefined
  /**
   * The host of the node that sent the address, for Redis's empty-host endpoint (`:7002` in
   * `CLUSTER SLOTS` and MOVED replies means "the node you asked"). Without it an empty host is an error.
   */
  originHost?: string | undefined
  /** As in {@link HostOptions}. */
  trailingDot?: 'keep' | 'strip' | undefined
  /** As in {@link HostOptions}. */
  mappedIPv4?: 'unwrap' | 'keep' | undefined
}

/**
 * The well-known port of each scheme a cluster client meets (docs/canonical-form.md §4.3).
 *
 * @example
 * ```ts
 * SCHEME_PORTS.rediss                       // 6379
 * parseAddress('memcached://cache-1').port  // 11211
 * ```
 * @category Addresses
 */
export const SCHEME_PORTS: Readonly<Record<string, number>> = {
  redis: 6379,
  rediss: 6379,
  valkey: 6379,
  valkeys: 6379,
  memcached: 11211,
  mongodb: 27017,
  nats: 4222,
  tls: 4222,
  http: 80,
  https: 443,
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/
// A scheme, userinfo and path around a host of the longest allowed length (§4.2).
const MAX_ADDRESS_LENGTH = 2 * MAX_HOST_LENGTH

const addressFailure = (message: string): Failure => fail('host', 'invalid-address', message)

/** How an address is read: the host policy, the port when none is given, the host an empty one stands for. */
export interface AddressPolicy extends HostPolicy {
  readonly defaultPort: number | undefined
  readonly originHost: string | undefined
}

/** The default: no default port, no origin host, the default host policy. */
export const DEFAULT_ADDRESS_POLICY: AddressPolicy = {
  ...DEFAULT_HOST_POLICY,
  defaultPort: undefined,
  originHost: undefined,
}

/**
 * The host and port of an `{ host, port }` input, each an own property read once; `undefined` for an array,
 * and for an object that cannot be read (a revoked Proxy, a getter that throws), which is no address either.
 */
export const hostAndPortOf = (input: object): { host: unknown; port: unknown } | undefined => {
  try {
    if (Array.isArray(input)) return undefined
    // Own properties only: a `port` planted on Object.prototype is no port of this address.
    const own = input as { host?: unknown; port?: unknown }
    return {
      host: Object.hasOwn(own, 'host') ? own.host : undefined,
      port: Object.hasOwn(own, 'port') ? own.port : undefined,
    }
  } catch {
    return undefined
  }
}

/** Parse any address input into a canonical endpoint, or a failure. */
export const endpointOrFailure = (input: unknown, policy: AddressPolicy): Endpoint | Failure => {
  if (typeof input === 'string') return stringEndpoint(input, policy)
  const read = typeof input === 'object' && input !== null ? hostAndPortOf(input) : undefined
  if (read !== undefined) return joinEndpoint(read.host, read.port, policy)
  return fail(
    'host',
    'not-a-string',
    `Expected an address string ("host:port", "[v6]:port", "redis://host:port") or { host, port }, got ${preview(input)}.`,
  )
}

/** Canonicalize a host and a port given apart, the host first; an empty host is the origin's (§4.7, §4.8). */
export const joinEndpoint = (host: unknown, port: unknown, policy: AddressPolicy): Endpoint | Failure => {
  const { originHost } = policy
  let canonical: string | Failure
  if (host === '' && originHost !== undefined) canonical = hostOrFailure(originHost, policy)
  else if (host === '') return emptyHost('an empty string')
  else canonical = hostOrFailure(host, policy)
  if (isFailure(canonical)) return canonical
  const number = portOrFailure(port, policy.defaultPort)
  if (isFailure(number)) {
    return number.reason === 'missing-port' && typeof host === 'string'
      ? missingPort(`for the host ${preview(host === '' ? originHost : host)}`)
      : number
  }
  return { host: canonical, port: number }
}

// Redis writes an empty host for "the node you asked" (`:7002` in CLUSTER SLOTS and MOVED replies, §4.7).
const emptyHost = (got: string): Failure =>
  fail(
    'host',
    'empty-host',
    `Expected a host, got ${got} (Redis writes an empty host for "the node you asked": use that node's host).`,
  )

const missingPort = (where: string): Failure =>
  fail('port', 'missing-port', `Expected a port ${where}, got none.`)

const stringEndpoint = (raw: string, policy: AddressPolicy): Endpoint | Failure => {
  if (raw.length > MAX_ADDRESS_LENGTH) {
    return fail(
      'host',
      'too-long',
      `Expected an address of at most ${MAX_ADDRESS_LENGTH} characters, got ${raw.length}: ${preview(raw)}.`,
    )
  }
  const input = trimAsciiWhitespace(raw)
  // §4.3: scheme://userinfo@host:port/path; the host-and-port is the authority after its last "@".
  let hostport = input
  let hostportPolicy = policy
  let scheme: string | undefined
  const schemeEnd = input.indexOf('://')
  if (schemeEnd > 0 && SCHEME.test(input.slice(0, schemeEnd))) {
    scheme = input.slice(0, schemeEnd).toLowerCase()
    let end = input.length
    for (const delimiter of ['/', '?', '#']) {
      const at = input.indexOf(delimiter, schemeEnd + 3)
      if (at !== -1 && at < end) end = at
    }
    const authority = input.slice(schemeEnd + 3, end)
    hostport = authority.slice(authority.lastIndexOf('@') + 1)
    if (Object.hasOwn(SCHEME_PORTS, scheme)) hostportPolicy = { ...policy, defaultPort: SCHEME_PORTS[scheme] }
    if (hostport === '') return addressFailure(`Expected a host after "${scheme}://", got ${preview(input)}.`)
  }
  let host: string
  let port: string | undefined
  // §4.4: "[v6]", then nothing or ":port".
  if (hostport.charCodeAt(0) === 0x5b) {
    const close = hostport.indexOf(']')
    if (close === -1) {
      return addressFailure(`Expected a "]" to close the bracketed IPv6 address, got ${preview(input)}.`)
    }
    host = hostport.slice(0, close + 1)
    // The host part is trimmed by §2.2, bracketed or not: `[::1] :7000` is `[::1]:7000`, as `redis :7000` is.
    const rest = trimAsciiWhitespace(hostport.slice(close + 1))
    if (rest !== '') {
      if (rest.charCodeAt(0) !== 0x3a) {
        return addressFailure(
          `Expected ":port" or nothing after "]", got ${preview(rest)} in ${preview(input)}.`,
        )
      }
      port = rest.slice(1)
    }
  } else {
    // The last colon splits, as Redis writes IPv6 nodes in CLUSTER SLOTS and MOVED replies (`::1:7002`, §4.5).
    const colon = hostport.lastIndexOf(':')
    host = colon === -1 ? hostport : hostport.slice(0, colon)
    if (colon !== -1) port = hostport.slice(colon + 1)
  }
  // "host:" has an empty port, which URLs read as the default (URL Standard port state, §4.6).
  if (port === '') port = undefined
  if (host === '' && policy.originHost === undefined) return emptyHost(`none in ${preview(input)}`)
  const endpoint = joinEndpoint(host, port, hostportPolicy)
  if (!isFailure(endpoint)) return endpoint
  // Failures that only the whole address explains, reworded to quote it.
  if (endpoint.reason === 'missing-port') {
    return missingPort(
      scheme === undefined
        ? `in ${preview(input)}`
        : `in ${preview(input)} (the scheme ${preview(scheme)} has no well-known port)`,
    )
  }
  // §4.5: a bare IPv6 address without a port, split at its last colon, is an address error with a hint.
  if (
    endpoint.reason === 'invalid-ipv6' &&
    port !== undefined &&
    host.includes(':') &&
    host.charCodeAt(0) !== 0x5b
  ) {
    if (!isFailure(hostOrFailure(hostport, policy))) {
      return fail(
        'host',
        'invalid-address',
        `Expected "host:port"; ${preview(hostport)} reads as host ${preview(host)} and port ${preview(port)}, because the last colon splits (as Redis writes IPv6 nodes). To give an IPv6 address without a port, bracket it: ${preview(`[${hostport}]`)}.`,
      )
    }
    return fail(
      'host',
      'invalid-ipv6',
      `Expected one "host:port" address, got ${preview(input)}: the host before its last colon, ${preview(host)}, has a ":" but is not an IPv6 address.`,
    )
  }
  return endpoint
}

/** The rules of {@link ParseAddressOptions}. */
const PARSE_ADDRESS_OPTION_RULES = {
  trailingDot: TRAILING_DOT_RULE,
  mappedIPv4: MAPPED_IPV4_RULE,
  defaultPort: DEFAULT_PORT_RULE,
  originHost: /* @__PURE__ */ rule<string | undefined>('a host string', (value) =>
    value === undefined || typeof value === 'string' ? { value } : undefined,
  ),
}

/**
 * Read any spelling of a node address into an endpoint with a canonical host. No resolver is applied:
 * `localhost` stays `localhost` (the keyer applies the resolver).
 *
 * Reads `host:port`, `[ipv6]:port`, a bare IPv6 address with a port as Redis writes it (`::1:7002`: the last
 * colon splits), `scheme://user:pass@host:port/path` (a missing port is the scheme's: redis, rediss, valkey
 * 6379; memcached 11211; mongodb 27017; nats 4222; http 80; https 443; else `defaultPort`) and `{ host, port }`.
 *
 * @throws {@link InvalidHostError} or {@link InvalidPortError}.
 * @example
 * ```ts
 * parseAddress('LOCALHOST:7000')              // { host: 'localhost', port: 7000 }
 * parseAddress('::1:7002')                    // { host: '::1', port: 7002 }
 * parseAddress('rediss://u:p@Cache.Example')  // { host: 'cache.example', port: 6379 }
 * parseAddress(':7002', { originHost: '10.0.0.5' }) // { host: '10.0.0.5', port: 7002 }
 * ```
 * @category Addresses
 */
export const parseAddress = (input: AddressInput, options?: ParseAddressOptions): Endpoint => {
  const read = readOptions(options, 'parseAddress', PARSE_ADDRESS_OPTION_RULES)
  const policy: AddressPolicy = {
    ...hostPolicy(read),
    defaultPort: read.defaultPort,
    originHost: read.originHost,
  }
  const result = endpointOrFailure(input, policy)
  if (isFailure(result)) throw toError(result, input, PARSE_ADDRESS_HINTS[result.reason])
  return result
}

/** What a caller of parseAddress can do, by reason: the two options that fill in a missing part. */
const PARSE_ADDRESS_HINTS: Partial<Record<Failure['reason'], string>> = {
  'empty-host': 'Or pass that host as the `originHost` option.',
  'missing-port': 'Give one, or pass the `defaultPort` option.',
}

/** How a node key's host reads: as written, IPv4-mapped IPv6 kept (a keyer with `mappedIPv4: 'keep'` writes it, §5). */
const KEY_POLICY: AddressPolicy = { ...DEFAULT_ADDRESS_POLICY, keepMappedIPv4: true }

/**
 * The node key of an endpoint: `host:port`, or `[ipv6]:port`. The host is canonicalized (no resolver), so a
 * hand-made endpoint cannot mint a non-canonical key.
 *
 * @throws {@link InvalidHostError} or {@link InvalidPortError}.
 * @example
 * ```ts
 * formatNodeKey({ host: '::1', port: 7000 })       // '[::1]:7000'
 * formatNodeKey({ host: 'Redis-1', port: 6379 })   // 'redis-1:6379'
 * ```
 * @category Addresses
 */
export const formatNodeKey = (endpoint: Endpoint): NodeKey => {
  const result = joinEndpoint(endpoint?.host, endpoint?.port, KEY_POLICY)
  if (isFailure(result)) throw toError(result, endpoint)
  return joinKey(result.host, result.port)
}

/** The endpoint of a canonical key, or a failure if the string is not one (§5.2). */
export const keyOrFailure = (key: unknown): Endpoint | Failure => {
  const invalid = (): Failure =>
    fail(
      'host',
      'invalid-key',
      `Expected a canonical node key ("host:port" or "[ipv6]:port", as formatNodeKey writes it), got ${preview(key)}.`,
    )
  if (typeof key !== 'string') return invalid()
  const colon = key.lastIndexOf(':')
  if (colon <= 0) return invalid()
  const port = portOrFailure(key.slice(colon + 1))
  const host = hostOrFailure(key.slice(0, colon), KEY_POLICY)
  if (isFailure(port) || isFailure(host) || joinKey(host, port) !== key) return invalid()
  return { host, port }
}

/**
 * The endpoint of a canonical node key; the exact inverse of {@link formatNodeKey}.
 *
 * @throws {@link InvalidHostError} (reason `invalid-key`) when the string is not a canonical key; to read any
 * spelling of an address, use {@link parseAddress}.
 * @example
 * ```ts
 * parseNodeKey('[::1]:7000') // { host: '::1', port: 7000 }
 * parseNodeKey('LOCALHOST:7000') // throws: not canonical
 * ```
 * @category Addresses
 */
export const parseNodeKey = (key: string): Endpoint => {
  const result = keyOrFailure(key)
  if (isFailure(result)) throw toError(result, key, 'To read any spelling of an address, use parseAddress().')
  return result
}

/**
 * Whether a value is a canonical node key (a string {@link parseNodeKey} accepts). Never throws.
 *
 * @example
 * ```ts
 * isNodeKey('127.0.0.1:7000') // true
 * isNodeKey('[::1]:07000')    // false: not canonical
 * ```
 * @category Addresses
 */
export const isNodeKey = (value: unknown): value is NodeKey => !isFailure(keyOrFailure(value))

/**
 * The TLS server name of a canonical host, before the resolver: the DNS name without its trailing dot
 * (RFC 6066 section 3: no IP literals, no trailing dot), or undefined for an IP address.
 */
export const servernameOf = (host: string): string | undefined => {
  if (isCanonicalIp(host)) return undefined
  const name = host.charCodeAt(host.length - 1) === 0x2e ? host.slice(0, -1) : host
  return name === '' ? undefined : name
}
