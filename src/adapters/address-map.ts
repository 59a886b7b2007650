/**
 * What the client adapters (`canonical-node-key/ioredis`, `canonical-node-key/node-redis`) share: reading
 * their arguments, mapping one address through a keyer (with the name TLS verifies, and the endpoint a
 * topology says the caller prefers), and reducing a seed list to one endpoint a node.
 */
import {
  type AddressInput,
  type AddressKeyer,
  callback,
  canonicalNodeKey,
  type DialTarget,
  type Endpoint,
  endpointOf,
  isNodeKeyError,
  type NodeEndpoint,
  type NodeKey,
  type NodeKeyError,
  type OptionRule,
  preview,
  readOptions,
  rule,
} from '../key/internal.js'

/**
 * Which of a node's two announced endpoints to dial when the topology names both (Redis 7 announces an IP
 * address and, with `cluster-announce-hostname`, a hostname; `cluster-preferred-endpoint-type` picks the one
 * clients are given): `'ip'` or `'hostname'`.
 * @example
 * ```ts
 * const preferred: PreferredEndpoint = 'hostname'
 * ioredisNatMap(keyer, { preferredEndpoint: preferred, topology: () => latest })
 * ```
 * @category Adapters
 */
export type PreferredEndpoint = 'ip' | 'hostname'

/**
 * A node as a topology reader (`readClusterSlots`, `readClusterShards`, `readClusterNodes` of
 * `canonical-node-key/topology`) reports it: its port and the hostname and IP address it announces, as
 * written in the reply. Only these three are read, so any object of this shape will do.
 * @example
 * ```ts
 * const node: AnnouncedNode = { port: 7000, hostname: 'node-a.example', ip: '10.0.0.7' }
 * ```
 * @category Adapters
 */
export interface AnnouncedNode {
  /** The port the node serves clients on (the one both its endpoints share). */
  readonly port: number
  /** The hostname the node announces, if any. */
  readonly hostname?: string | undefined
  /** The IP address the node announces, if any. */
  readonly ip?: string | undefined
}

/**
 * The part of a topology reader's result the adapters read: its nodes, keyed and unkeyed. A
 * `ClusterTopology` is one.
 * @example
 * ```ts
 * const topology: AnnouncedTopology = readClusterSlots(await redis.cluster('SLOTS'))
 * ```
 * @category Adapters
 */
export interface AnnouncedTopology {
  /** The nodes with a usable endpoint. */
  readonly nodes: Iterable<AnnouncedNode>
  /** The nodes without one (a `?` endpoint may still have an IP address). */
  readonly unkeyed?: Iterable<AnnouncedNode> | undefined
}

/**
 * Options of the address-map adapters (`ioredisNatMap`, `nodeRedisAddressMap`) that both share.
 * @example
 * ```ts
 * const options: AddressMapOptions = {
 *   onInvalid: (address, error) => console.warn(address, error.message),
 *   topology: () => latest,
 *   preferredEndpoint: 'hostname',
 * }
 * ```
 * @category Adapters
 */
export interface AddressMapOptions {
  /**
   * Called with the address the client passed and the keyer's error whenever the keyer refuses an address
   * (Redis's empty-host `:7002`, "the node you asked", is one the client cannot tell the origin of). The
   * address then maps to nothing and the client dials it as it is. Called on every refusal, so once per
   * topology refresh for an address that stays in the topology.
   * @defaultValue none: refusals are silent
   */
  onInvalid?: ((address: string, error: NodeKeyError) => void) | undefined
  /**
   * The cluster's topology as a reader of `canonical-node-key/topology` last read it, or `undefined` while
   * there is none; called on every mapping, so hand it your latest read. The clients pass the map only the
   * endpoint Redis prefers (ioredis and node-redis drop the `hostname` and `ip` metadata of `CLUSTER SLOTS`),
   * so this is where the adapter learns a node's other endpoint: the hostname of a node announced by IP, for
   * its TLS `servername`, and the endpoint `preferredEndpoint` asks for. A node it does not list, or that two
   * of its nodes would claim, maps as if there were no topology.
   * @defaultValue none
   */
  topology?: (() => AnnouncedTopology | undefined) | undefined
  /**
   * Dial each node at this one of its endpoints when `topology` names both, whichever Redis prefers; the
   * chosen endpoint goes through the keyer (so its resolver applies) and its key is the one the client
   * keys the node by (ioredis) or dials (node-redis). Needs `topology`: the client alone gives one endpoint.
   * @defaultValue the endpoint Redis prefers (`cluster-preferred-endpoint-type`)
   */
  preferredEndpoint?: PreferredEndpoint | undefined
}

/** The keyer argument, or the default keyer; a TypeError naming `name` for anything but a function. */
export const readKeyer = (keyer: unknown, name: string): AddressKeyer => {
  if (keyer === undefined) return canonicalNodeKey
  if (typeof keyer !== 'function') {
    throw new TypeError(
      `Expected the keyer of ${name} to be a keyer function (createNodeKeyer()) or undefined, got ${preview(keyer)}.`,
    )
  }
  return keyer as AddressKeyer
}

/** Whether a value is an object that is neither null, an array nor a function. */
const isPlainObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The rule of a `tls` option of TLS options: an object whose own enumerable properties are copied once, here,
 * so the adapter answers the same options however the object changes later. `booleans` also lets `true`
 * (TLS on, the client's defaults supplying the options) and `false` (off, as if absent) through.
 */
export const tlsOptionRule = <B extends boolean>(
  expected: string,
  booleans: B,
): OptionRule<Readonly<Record<string, unknown>> | (B extends true ? true : never) | undefined> =>
  rule(expected, (value) => {
    if (value === undefined || (booleans && value === false)) return { value: undefined }
    if (booleans && value === true) return { value: true as B extends true ? true : never }
    if (!isPlainObject(value)) return undefined
    try {
      return { value: Object.freeze({ ...value }) }
    } catch {
      return undefined
    }
  })

/** The rules every address-map adapter shares; each adds its own `tls`. */
export const ADDRESS_MAP_OPTION_RULES = {
  onInvalid: /* @__PURE__ */ callback<(address: string, error: NodeKeyError) => void>('a function'),
  topology: /* @__PURE__ */ callback<() => AnnouncedTopology | undefined>(
    "a function returning a topology reader's result (or undefined)",
  ),
  preferredEndpoint: /* @__PURE__ */ rule<PreferredEndpoint | undefined>("'ip' or 'hostname'", (value) =>
    value === undefined || value === 'ip' || value === 'hostname'
      ? { value: value as PreferredEndpoint | undefined }
      : undefined,
  ),
}

/** The shared options, read, and checked against each other. */
export interface AddressMapSettings {
  readonly onInvalid: ((address: string, error: NodeKeyError) => void) | undefined
  readonly topology: (() => AnnouncedTopology | undefined) | undefined
  readonly preferredEndpoint: PreferredEndpoint | undefined
}

/** `preferredEndpoint` without `topology` is refused: the client gives the map one endpoint, never two. */
export const checkSettings = (settings: AddressMapSettings, name: string): AddressMapSettings => {
  if (settings.preferredEndpoint !== undefined && settings.topology === undefined) {
    throw new TypeError(
      `Expected \`topology\` of ${name} with \`preferredEndpoint\`: the client passes the map only the endpoint Redis prefers, so the other comes from a topology reader's result, got none.`,
    )
  }
  return settings
}

/** Where the adapter sends a node: the endpoint to dial and, when it knows one, the name to verify. */
export interface MappedEndpoint {
  readonly host: string
  readonly port: number
  readonly servername?: string
}

/** A keyer's endpoint of `(host, port)`, or `undefined` when it refuses them (reported to `onInvalid`). */
const tryEndpoint = (
  keyer: AddressKeyer,
  host: string,
  port: number,
  onInvalid: AddressMapSettings['onInvalid'],
): NodeEndpoint | undefined => {
  try {
    return endpointOf(keyer, host, port, true)
  } catch (error) {
    if (!isNodeKeyError(error)) throw error
    onInvalid?.(`${host.includes(':') ? `[${host}]` : host}:${port}`, error)
    return undefined
  }
}

/** The two endpoints of one announced node, each once it has been keyed. */
interface Paired {
  readonly node: AnnouncedNode
  readonly hostname: string | undefined
  readonly ip: string | undefined
}

const nonEmpty = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && value !== '?'

/**
 * The nodes of a topology by the key of each endpoint they announce; a key two nodes claim maps to `null`
 * (neither can be told from the other by it).
 */
const indexTopology = (keyer: AddressKeyer, topology: unknown, name: string): Map<NodeKey, Paired | null> => {
  const lists = isPlainObject(topology)
    ? [(topology as AnnouncedTopology).nodes, (topology as AnnouncedTopology).unkeyed ?? []]
    : undefined
  if (lists === undefined || lists.some((list) => !isIterable(list))) {
    throw new TypeError(
      `Expected \`topology\` of ${name} to return a topology reader's result ({ nodes, unkeyed }) or undefined, got ${preview(topology)}.`,
    )
  }
  const index = new Map<NodeKey, Paired | null>()
  for (const list of lists) {
    for (const node of list as Iterable<AnnouncedNode>) {
      if (!isPlainObject(node) || typeof node.port !== 'number') continue
      const paired: Paired = {
        node,
        hostname: nonEmpty(node.hostname) ? node.hostname : undefined,
        ip: nonEmpty(node.ip) ? node.ip : undefined,
      }
      for (const host of [paired.hostname, paired.ip]) {
        if (host === undefined) continue
        const endpoint = tryEndpoint(keyer, host, node.port, undefined)
        if (endpoint === undefined) continue
        const seen = index.get(endpoint.key)
        index.set(endpoint.key, seen === undefined || seen?.node === node ? paired : null)
      }
    }
  }
  return index
}

const isIterable = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function'

/**
 * A function from the address string a client passes to where to send it: the canonical endpoint to dial
 * and the DNS name to verify (the address's own name, or, from `topology`, the hostname of a node announced
 * by IP), or `undefined` when the keyer refuses the address (reported to `onInvalid`). With
 * `preferredEndpoint`, a node `topology` lists is dialled at the endpoint asked for. Other errors (a bug in
 * a resolver) are thrown on.
 */
export const addressMapper = (
  keyer: AddressKeyer,
  settings: AddressMapSettings,
  name: string,
): ((address: string) => MappedEndpoint | undefined) => {
  const { onInvalid, topology, preferredEndpoint } = settings
  let lastTopology: unknown
  let index: Map<NodeKey, Paired | null> | undefined
  const pairedOf = (key: NodeKey): Paired | undefined => {
    if (topology === undefined) return undefined
    const current = topology()
    if (current === undefined) return undefined
    if (index === undefined || current !== lastTopology) {
      index = indexTopology(keyer, current, name)
      lastTopology = current
    }
    return index.get(key) ?? undefined
  }
  return (address) => {
    let given: NodeEndpoint
    try {
      given = endpointOf(keyer, address, undefined, false)
    } catch (error) {
      if (!isNodeKeyError(error)) throw error
      onInvalid?.(address, error)
      return undefined
    }
    const paired = pairedOf(given.key)
    if (paired === undefined) return shape(given, given.servername)
    const wanted =
      preferredEndpoint === 'hostname' ? paired.hostname : preferredEndpoint === 'ip' ? paired.ip : undefined
    const target =
      (wanted === undefined ? undefined : tryEndpoint(keyer, wanted, paired.node.port, onInvalid)) ?? given
    const servername =
      target.servername ??
      given.servername ??
      (paired.hostname === undefined
        ? undefined
        : tryEndpoint(keyer, paired.hostname, paired.node.port, onInvalid)?.servername)
    return shape(target, servername)
  }
}

/** A fresh `{ host, port, servername? }`, which clients may amend. */
const shape = (endpoint: DialTarget, servername: string | undefined): MappedEndpoint =>
  servername === undefined
    ? { host: endpoint.host, port: endpoint.port }
    : { host: endpoint.host, port: endpoint.port, servername }

/** The endpoint a keyer gives an address, in one trip through it; a fresh object, which clients may amend. */
export const endpointThrough = (keyer: AddressKeyer, address: unknown): Endpoint => {
  const { host, port } = endpointOf(keyer, address, undefined, false)
  return { host, port }
}

/**
 * The seeds as canonical endpoints, the first spelling of each node kept and the others dropped, in the
 * order given. A seed the keyer refuses throws its error: seeds are configuration, and a typo must not pass.
 */
export const uniqueEndpoints = (seeds: unknown, keyer: AddressKeyer, name: string): MappedEndpoint[] => {
  if (
    typeof seeds !== 'object' ||
    seeds === null ||
    typeof (seeds as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError(`Expected the seeds of ${name} to be an array of addresses, got ${preview(seeds)}.`)
  }
  const seen = new Set<NodeKey>()
  const endpoints: MappedEndpoint[] = []
  for (const seed of seeds as Iterable<AddressInput>) {
    const endpoint = endpointOf(keyer, seed, undefined, false)
    if (seen.has(endpoint.key)) continue
    seen.add(endpoint.key)
    endpoints.push(shape(endpoint, endpoint.servername))
  }
  if (endpoints.length === 0) {
    throw new TypeError(`Expected at least one seed address for ${name}, got none.`)
  }
  return endpoints
}

/**
 * An adapter's address map, read once: its options by the shared rules plus the adapter's own `tls` rule,
 * the keyer checked, and `preferredEndpoint` checked against `topology`. Returns the map, and the `tls` and
 * the shared settings read.
 */
export const adapterMap = <T>(
  keyer: unknown,
  options: unknown,
  name: string,
  tlsRule: OptionRule<T>,
): { map: (address: string) => MappedEndpoint | undefined; tls: T; settings: AddressMapSettings } => {
  const { tls, ...read } = readOptions(options, name, { ...ADDRESS_MAP_OPTION_RULES, tls: tlsRule })
  const settings = checkSettings(read, name)
  return { map: addressMapper(readKeyer(keyer, name), settings, name), tls, settings }
}

/**
 * An adapter's seeds, read once: one canonical endpoint per node (the first spelling kept, in order) and the
 * adapter's `tls` option, the only one its seed function takes.
 */
export const adapterSeeds = <T>(
  seeds: unknown,
  keyer: unknown,
  options: unknown,
  name: string,
  tlsRule: OptionRule<T>,
): { endpoints: MappedEndpoint[]; tls: T; keyer: AddressKeyer } => {
  const { tls } = readOptions(options, name, { tls: tlsRule })
  const checked = readKeyer(keyer, name)
  return { endpoints: uniqueEndpoints(seeds, checked, name), tls, keyer: checked }
}
