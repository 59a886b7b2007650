/**
 * Where a key stands: the key of an address and the endpoint to dial for it, together. Every caller that needs
 * both (a NodeMap's `create`, the topology readers, the client adapters) asks {@link endpointOf} once.
 */
import { DEFAULT_ADDRESS_POLICY, endpointOrFailure, keyOrFailure, servernameOf } from './address.js'
import { isFailure } from './errors.js'
import type { NodeKey } from './node-key.js'
import { preview } from './preview.js'

/**
 * Where to connect to reach a node: the endpoint after the resolver (loopback, NAT, DNS), an IPv6 host bare
 * as `net.connect` wants it, and, when the address named the host by a DNS name, that name as TLS wants it
 * for SNI (lowercase, punycode, no trailing dot). What a NodeMap's `create` is told to dial.
 *
 * @example
 * ```ts
 * const dial: DialTarget = { host: '10.0.0.7', port: 6380, servername: 'cache.example' }
 * tls.connect({ host: dial.host, port: dial.port, servername: dial.servername })
 * ```
 * @category Keys
 */
export interface DialTarget {
  /** The host to connect to: the resolver's answer, canonical; IPv6 without brackets. */
  readonly host: string
  /** The port to connect to: the resolver's answer. */
  readonly port: number
  /** The DNS name the address gave, for TLS SNI; absent when the address gave an IP address. */
  readonly servername?: string
}

/**
 * Where a node key stands: the key and its {@link DialTarget}. What `keyer.endpoint()` returns.
 *
 * @example
 * ```ts
 * const keyer = createNodeKeyer({ resolver: staticResolver({ 'cache.example': '10.0.0.7' }) })
 * const target: NodeEndpoint = keyer.endpoint('rediss://Cache.Example:6380')
 * // { key: '10.0.0.7:6380', host: '10.0.0.7', port: 6380, servername: 'cache.example' }
 * ```
 * @category Keys
 */
export interface NodeEndpoint extends DialTarget {
  /** The canonical key of the node. */
  readonly key: NodeKey
  /**
   * The canonical host the address gave, before the resolver: the host a resolver's change names when this
   * key may move (`localhost` for `'LOCALHOST:7000'`, whose key is `127.0.0.1:7000`).
   */
  readonly given: string
}

/**
 * What {@link endpointOf} asks of a key function: a function from an address (and, for `(host, port)`, a
 * port) to its key, such as an `AddressKeyer` or a `KeyFunction`, and its `endpoint` when it has one (every
 * keyer `createNodeKeyer` makes does).
 */
type EndpointKeyer = ((input: never, port?: never) => NodeKey) & {
  readonly endpoint?: ((input: never, port?: never) => NodeEndpoint) | undefined
}

/**
 * The key of an input and where it stands, in one trip through the keyer: its `endpoint` when it has one
 * (one lookup in its memo), else the key it gives, read back into host and port, with the DNS name the
 * address gave. `pair` says whether the input came as `(host, port)`.
 *
 * @throws what the keyer throws for input that is not an address; a TypeError when a key function of the
 * caller's returns something that is not a node key.
 */
export const endpointOf = (
  keyer: EndpointKeyer,
  input: unknown,
  port: unknown,
  pair: boolean,
): NodeEndpoint => {
  const { endpoint } = keyer
  const call = (fn: (input: unknown, port?: unknown) => unknown): unknown =>
    pair ? fn(input, port) : fn(input)
  if (typeof endpoint === 'function') return call(endpoint as never) as NodeEndpoint
  const key = call(keyer as never) as NodeKey
  const stands = keyOrFailure(key)
  if (isFailure(stands)) {
    throw new TypeError(
      `Expected the key function to return node keys ("host:port", "[v6]:port"), got ${preview(key)}.`,
    )
  }
  // The address as given, read without a resolver, for the name TLS wants and the host a change names.
  const given = pair
    ? endpointOrFailure({ host: input, port: port ?? stands.port }, DEFAULT_ADDRESS_POLICY)
    : endpointOrFailure(input, { ...DEFAULT_ADDRESS_POLICY, defaultPort: stands.port })
  const host = isFailure(given) ? stands.host : given.host
  const servername = servernameOf(host)
  return servername === undefined
    ? { key, host: stands.host, port: stands.port, given: host }
    : { key, host: stands.host, port: stands.port, servername, given: host }
}
