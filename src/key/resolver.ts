/**
 * Resolvers: the policy half of identity. A resolver maps a canonical endpoint to the endpoint it stands for
 * (`localhost` to `127.0.0.1`, a NAT table's external address to the internal one, a name to the IP it
 * resolves to) or returns `undefined` for "unchanged". The keyer canonicalizes and validates the answer and
 * never resolves it again; to apply several policies in turn, compose them with {@link chainResolvers}.
 */
import {
  type AddressInput,
  type AddressPolicy,
  DEFAULT_ADDRESS_POLICY,
  type Endpoint,
  endpointOrFailure,
} from './address.js'
import { isFailure } from './errors.js'
import { DEFAULT_HOST_POLICY, hostOrFailure, isCanonicalIp, isLocalhostName } from './host.js'
import { joinKey } from './node-key.js'
import { flag, readOptions, rule } from './options.js'
import { portOrFailure } from './port.js'
import { preview } from './preview.js'
import { looksLikeCidr, type Subnet, subnetOrFailure } from './range.js'

/**
 * What a resolver tells its listeners: the canonical hosts whose answers changed or must be asked for again
 * (a DNS answer whose TTL ran out, so the next use refreshes it), or all of them. A keyer drops its memo
 * entries for those hosts, so the next call reaches the resolver.
 *
 * @example
 * ```ts
 * const change: ResolverChange = { hosts: ['cache-a'] } // cache-a's answer moved
 * for (const listener of listeners) listener(change)    // keyers forget their keys for cache-a
 * for (const listener of listeners) listener({})        // no hosts: every answer may have changed
 * ```
 * @category Resolvers
 */
export interface ResolverChange {
  /** Canonical hosts (as the resolver receives them) whose answer changed or fell due; `undefined`: every host. */
  hosts?: readonly string[] | undefined
}

/**
 * A listener for {@link ResolverChange}s.
 *
 * @example
 * ```ts
 * let target = '10.0.0.7' // changes at run time
 * const listeners = new Set<ResolverListener>()
 * const resolver: Resolver = ({ host, port }) => (host === 'cache-a' ? { host: target, port } : undefined)
 * resolver.subscribe = (listener) => { listeners.add(listener); return () => listeners.delete(listener) }
 * ```
 * @category Resolvers
 */
export type ResolverListener = (change: ResolverChange) => void

/**
 * Maps a canonical endpoint to another endpoint (host and port: NAT tables change both), or returns
 * `undefined` to leave it unchanged. It must be synchronous and cheap: it runs on every memo miss.
 *
 * A resolver whose answers can change offers `subscribe`; a keyer built on it subscribes and drops the memo
 * entries a change affects.
 *
 * @example
 * ```ts
 * const resolver: Resolver = ({ host, port }) =>
 *   host === 'cache-a' ? { host: '10.0.0.7', port } : undefined
 * createNodeKeyer({ resolver })('cache-a:6379') // '10.0.0.7:6379'
 * ```
 * @category Resolvers
 */
export interface Resolver {
  (endpoint: Endpoint): Endpoint | undefined
  /** Register a listener for changed answers; returns the function that unregisters it. */
  subscribe?: ((listener: ResolverListener) => () => void) | undefined
}

/**
 * Options of {@link loopbackResolver}.
 * @category Resolvers
 */
export interface LoopbackResolverOptions {
  /**
   * The address `localhost` stands for: an IP address such as `'127.0.0.1'` or `'::1'`.
   * @defaultValue `'127.0.0.1'`
   */
  to?: string
  /**
   * The dual-stack policy: `::1` and `127.0.0.1` are one server, bound to both (as `redis-server --bind
   * '127.0.0.1 ::1'` is), so the one of them that is not `to` becomes `to` too. Only `127.0.0.2` and the
   * rest of 127.0.0.0/8 stay apart. True only for servers bound to both addresses, hence off by default.
   *
   * Such a resolver must come first in {@link chainResolvers}, which throws otherwise: a resolver before it
   * would see `::1` and `127.0.0.1` as two endpoints and could answer them differently. A chain that starts
   * with it also applies it once more to the chain's answer, so an address a later resolver produces
   * (`::1` from a NAT table, say) is folded as well.
   * @defaultValue `false`
   */
  dualStack?: boolean | undefined
}

/** An IP address, canonical. */
const ipAddress = (value: unknown): { value: string } | undefined => {
  const host = hostOrFailure(value, DEFAULT_HOST_POLICY)
  return isFailure(host) || !isCanonicalIp(host) ? undefined : { value: host }
}

/** The rules of {@link LoopbackResolverOptions}. */
const LOOPBACK_OPTION_RULES = {
  to: /* @__PURE__ */ rule("an IP address such as '127.0.0.1' or '::1'", (value) =>
    value === undefined ? { value: '127.0.0.1' } : ipAddress(value),
  ),
  dualStack: /* @__PURE__ */ flag(false),
}

/**
 * Marks a resolver that must be the first of a chain (the dual-stack loopback policy, or a chain that starts
 * with it), with the policy's name (for the error) and the policy itself (for the fold at the chain's end).
 * A registered symbol, so a resolver made by another copy of this package (its CommonJS build, say) is
 * recognized too.
 */
const FIRST_IN_CHAIN: unique symbol = Symbol.for('canonical-node-key.first-in-chain') as never

interface FirstInChain {
  name: string
  policy: Resolver
}

type MarkedResolver = Resolver & { [FIRST_IN_CHAIN]?: FirstInChain }

const mustBeFirst = (resolver: Resolver): FirstInChain | undefined =>
  (resolver as MarkedResolver)[FIRST_IN_CHAIN]

/**
 * `localhost`, `localhost.` and, as RFC 6761 section 6.3 allows, any name under `.localhost` stand for one
 * loopback address (`127.0.0.1` unless `to` says otherwise), as redis-py resolves them. It is the default
 * keyer's resolver; it never touches `::1` or `127.0.0.2`, which can be other servers.
 *
 * With `dualStack: true` it is the dual-stack policy: `::1` and `127.0.0.1` are one server too (see
 * {@link LoopbackResolverOptions.dualStack}), for servers bound to both, such as a Redis Cluster whose nodes
 * are reported as `::1` by some peers and `127.0.0.1` by others. It must be first in a chain.
 *
 * @throws TypeError for a bad option, or `dualStack` with a `to` other than `'127.0.0.1'` or `'::1'`.
 * @example
 * ```ts
 * const keyer = createNodeKeyer({ resolver: loopbackResolver({ to: '::1' }) })
 * keyer('localhost', 7000) // '[::1]:7000'
 * const dualStack = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
 * dualStack('::1:7000') === dualStack('127.0.0.1:7000') // true: both '127.0.0.1:7000'
 * ```
 * @category Resolvers
 */
export const loopbackResolver = (options?: LoopbackResolverOptions): Resolver => {
  const { to, dualStack } = readOptions(options, 'loopbackResolver', LOOPBACK_OPTION_RULES)
  if (!dualStack) {
    return (endpoint) => (isLocalhostName(endpoint.host) ? { host: to, port: endpoint.port } : undefined)
  }
  if (to !== '127.0.0.1' && to !== '::1') {
    throw new TypeError(
      `Expected \`to\` of loopbackResolver to be '127.0.0.1' or '::1' with \`dualStack\` (the two addresses of one dual-stack server), got ${preview(to)}.`,
    )
  }
  const other = to === '127.0.0.1' ? '::1' : '127.0.0.1'
  const resolver: MarkedResolver = (endpoint) =>
    endpoint.host === other || isLocalhostName(endpoint.host) ? { host: to, port: endpoint.port } : undefined
  resolver[FIRST_IN_CHAIN] = {
    name: `loopbackResolver({ dualStack: true${to === '::1' ? ", to: '::1'" : ''} })`,
    policy: resolver,
  }
  return resolver
}

/**
 * A table value: `{ host, port? }` (ioredis `natMap` shape) or an address string; or, for a `host` or subnet
 * key, `{ host, ports }`: a table of ports, each port asked about mapped to its own (a port not in the table
 * is not mapped).
 *
 * @example
 * ```ts
 * const a: StaticResolverTarget = { host: '10.0.0.7' } // no port: the port asked about stays
 * const b: StaticResolverTarget = '10.0.0.8:16379'
 * const c: StaticResolverTarget = { host: '127.0.0.1', ports: { 6379: 7000 } }
 * const keyer = createNodeKeyer({ resolver: staticResolver({ 'cache-a': a, 'cache-b:6379': b, 'cache-c': c }) })
 * keyer('cache-a', 7000) // '10.0.0.7:7000'; keyer('cache-b', 6379) is '10.0.0.8:16379'
 * keyer('cache-c', 6379) // '127.0.0.1:7000'
 * ```
 * @category Resolvers
 */
export type StaticResolverTarget =
  | AddressInput
  | {
      /** The host every port of the table maps to. */
      host: string
      /** From the port asked about to the port to use; a port not listed is not mapped. */
      ports: Readonly<Record<string, number | string>> | ReadonlyMap<number | string, number | string>
    }

/**
 * A table for {@link staticResolver}, keyed by `host:port` or `host`.
 *
 * @example
 * ```ts
 * const table: StaticResolverTable = new Map([['LOCALHOST:7000', '10.0.0.5:7000']]) // or an object
 * createNodeKeyer({ resolver: staticResolver(table) })('localhost', 7000)          // '10.0.0.5:7000'
 * ```
 * @category Resolvers
 */
export type StaticResolverTable =
  | Readonly<Record<string, StaticResolverTarget>>
  | ReadonlyMap<string, StaticResolverTarget>
  | Iterable<readonly [string, StaticResolverTarget]>

/**
 * A fixed table of aliases: NAT maps, announced-versus-internal addresses, hand-written overrides. Keys are
 * `host:port` (that endpoint only), `host` (every port of that host), or a subnet `address/prefix`
 * (`'172.18.0.0/16'`, `'fd00::/8'`: every IP address in it, the common case of a cluster in Docker that
 * announces its containers' addresses). Values are `{ host, port? }` (the shape of ioredis's `natMap`,
 * accepted as it is) or an address string; a value without a port keeps the port it was asked about. A
 * `host` or subnet key may instead map to `{ host, ports }`, a table from the port asked about to the port
 * to use (a port not in it is not mapped).
 *
 * Exact entries win: a `host:port` entry, then a `host` entry, then the subnet with the longest prefix that
 * holds the address (the first written, between equal prefixes). Subnets are matched with ipaddr.js, loaded
 * when the table has one. The table's keys and values are canonicalized when it is built, so
 * `LOCALHOST:7000` in a table matches every spelling of that endpoint (`localhost:7000`,
 * `redis://Localhost:7000`, …). A table sees what the resolvers before it in a chain produced: after
 * `loopbackResolver()`, `localhost` has already become `127.0.0.1`, so key such a table by `127.0.0.1`.
 *
 * @throws TypeError when a key or value of the table is not an address, a key is not a valid subnet
 * (`'10.0.0.0/33'`, `'redis/8'`), or a port table is given for a `host:port` key.
 * @example
 * ```ts
 * const nat = staticResolver({
 *   '10.0.0.5:6379': { host: '203.0.113.9', port: 16379 },
 *   '172.18.0.0/16': { host: '127.0.0.1' }, // Docker: every container address, port kept
 * })
 * const keyer = createNodeKeyer({ resolver: chainResolvers(loopbackResolver(), nat) })
 * keyer('10.0.0.5', 6379)   // '203.0.113.9:16379'
 * keyer('172.18.0.4', 7002) // '127.0.0.1:7002'
 * ```
 * @category Resolvers
 */
export const staticResolver = (table: StaticResolverTable): Resolver => {
  const byEndpoint = new Map<string, Target>()
  const byHost = new Map<string, Target>()
  const bySubnet: { subnet: Subnet; value: Target }[] = []
  const entries: Iterable<readonly [string, StaticResolverTarget]> =
    table instanceof Map || isIterable(table)
      ? (table as Iterable<readonly [string, StaticResolverTarget]>)
      : typeof table === 'object' && table !== null
        ? Object.entries(table)
        : badTable(table)
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new TypeError(
        `Expected each entry of the staticResolver table to be a [key, value] pair (an array of pairs, a Map or an object), got ${preview(entry)}.`,
      )
    }
    const [from, target] = entry as [string, StaticResolverTarget]
    const value = readTarget(from, target)
    if (typeof from === 'string' && looksLikeCidr(from)) {
      const subnet = subnetOrFailure(from)
      if (isFailure(subnet)) {
        throw new TypeError(`In the staticResolver table: ${subnet.message}`)
      }
      bySubnet.push({ subnet, value })
      continue
    }
    const endpoint = endpointOrFailure(from, DEFAULT_ADDRESS_POLICY)
    if (!isFailure(endpoint)) {
      if (value.ports !== undefined) {
        throw new TypeError(
          `Expected the staticResolver table's value for ${preview(from)} to be { host, port? } or an address string: a table of ports goes with a "host" or subnet key, not "host:port".`,
        )
      }
      byEndpoint.set(joinKey(endpoint.host, endpoint.port), value)
      continue
    }
    const host = hostOrFailure(from, DEFAULT_HOST_POLICY)
    if (isFailure(host)) {
      throw new TypeError(
        `Expected each key of the staticResolver table to be "host:port", "host" or a subnet "address/prefix", got ${preview(from)}: ${endpoint.message}`,
      )
    }
    byHost.set(host, value)
  }
  // Longest prefix first; sort is stable, so equal prefixes keep the table's order.
  bySubnet.sort((a, b) => b.subnet.prefix - a.subnet.prefix)
  const inSubnet = (host: string): Target | undefined => {
    if (bySubnet.length === 0 || !isCanonicalIp(host)) return undefined
    return bySubnet.find(({ subnet }) => subnet.contains(host))?.value
  }
  return (endpoint) => {
    const found =
      byEndpoint.get(joinKey(endpoint.host, endpoint.port)) ??
      byHost.get(endpoint.host) ??
      inSubnet(endpoint.host)
    if (found === undefined) return undefined
    if (found.ports === undefined) return { host: found.host, port: found.port ?? endpoint.port }
    const port = found.ports.get(endpoint.port)
    return port === undefined ? undefined : { host: found.host, port }
  }
}

interface Target {
  host: string
  port: number | undefined
  /** Always set (undefined when absent): an absent property would be read from Object.prototype. */
  ports: ReadonlyMap<number, number> | undefined
}

const isIterable = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function'

const badTable = (table: unknown): never => {
  throw new TypeError(
    `Expected the staticResolver table to be an object, a Map or entries, got ${preview(table)}.`,
  )
}

// Port 0 as the default tells "no port given" apart: the real port is then the one asked about.
const TARGET_POLICY: AddressPolicy = { ...DEFAULT_ADDRESS_POLICY, defaultPort: 0 }

const readTarget = (from: string, target: unknown): Target => {
  const endpoint = endpointOrFailure(target, TARGET_POLICY)
  if (isFailure(endpoint)) {
    throw new TypeError(
      `Expected the staticResolver table's value for ${preview(from)} to be { host, port? }, { host, ports } or an address string: ${endpoint.message}`,
    )
  }
  const ports =
    typeof target === 'object' && target !== null && Object.hasOwn(target, 'ports')
      ? (target as { ports?: unknown }).ports
      : undefined
  if (ports === undefined)
    return { host: endpoint.host, port: endpoint.port === 0 ? undefined : endpoint.port, ports: undefined }
  const badPorts = (why: string): never => {
    throw new TypeError(
      `Expected \`ports\` of the staticResolver table's value for ${preview(from)} to be a table from port to port ({ 6379: 7000 }): ${why}`,
    )
  }
  if (endpoint.port !== 0) badPorts('give `port` or `ports`, not both.')
  const pairs =
    ports instanceof Map
      ? [...ports]
      : typeof ports === 'object' && ports !== null && !Array.isArray(ports)
        ? Object.entries(ports)
        : badPorts(`got ${preview(ports)}.`)
  const table = new Map<number, number>()
  for (const [asked, answer] of pairs) {
    const a = portOrFailure(typeof asked === 'number' ? asked : String(asked))
    const b = portOrFailure(answer)
    if (isFailure(a)) badPorts(`the port ${preview(asked)}: ${a.message}`)
    if (isFailure(b)) badPorts(`the port for ${preview(asked)}: ${(b as { message: string }).message}`)
    table.set(a as number, b as number)
  }
  return { host: endpoint.host, port: undefined, ports: table }
}

/**
 * Apply resolvers in turn: each sees the canonicalized answer of the one before (or the endpoint itself if
 * that one returned `undefined`). The chain answers `undefined` when no resolver changed anything. It
 * offers `subscribe` when any member does, so a keyer hears every member's changes.
 *
 * The dual-stack policy (`loopbackResolver({ dualStack: true })`) must be the first member: placed later, a
 * resolver before it would tell `::1` from `127.0.0.1` (a NAT table keyed by one of them, say) and the two
 * would end as two keys, so the chain throws. Started with it, the chain also applies it to its answer.
 *
 * @throws TypeError when a member is not a function, or the dual-stack policy is not the first member.
 * @example
 * ```ts
 * const resolver = chainResolvers(staticResolver({ 'cache-a': '10.0.0.7' }), loopbackResolver())
 * const nat = staticResolver({ '127.0.0.1:7000': '10.0.0.5:7000' })
 * const dualStack = chainResolvers(loopbackResolver({ dualStack: true }), nat) // '::1:7000' too is 10.0.0.5
 * chainResolvers(nat, loopbackResolver({ dualStack: true }))                   // throws TypeError
 * ```
 * @category Resolvers
 */
export const chainResolvers = (...resolvers: Resolver[]): Resolver => {
  for (const [index, resolver] of resolvers.entries()) {
    if (typeof resolver !== 'function') {
      throw new TypeError(
        `Expected argument ${index} of chainResolvers to be a resolver function, got ${preview(resolver)}.`,
      )
    }
    const first = mustBeFirst(resolver)
    if (first !== undefined && index > 0) {
      throw new TypeError(
        `Expected ${first.name} to be the first argument of chainResolvers, got it as argument ${index}: the resolvers before it would see ::1 and 127.0.0.1 as two endpoints. Put it first.`,
      )
    }
  }
  const head = resolvers[0]
  const marker = head === undefined ? undefined : mustBeFirst(head)
  // The policy alone, not the head: a head that is a chain must not run its other members twice.
  const fold = marker?.policy
  const chain: MarkedResolver = (endpoint) => {
    let current = endpoint
    let changed = false
    for (const [index, resolver] of resolvers.entries()) {
      const answer = resolver(current)
      if (answer === undefined) continue
      if (index === resolvers.length - 1 && fold === undefined) {
        // The last answer goes to the keyer as it is: the keyer checks it, under its own host policy.
        return answer
      }
      // An answer another member reads next is made canonical first.
      const next = endpointOrFailure(answer, DEFAULT_ADDRESS_POLICY)
      // An invalid answer is passed on as it is: the keyer reports it with the resolver's name on it.
      if (isFailure(next)) return answer
      current = next
      changed = true
    }
    if (fold !== undefined && changed) {
      // The policy again on the answer: a later member may have produced the other loopback address. Its
      // answers are canonical (a loopback address and the port it was given), so they need no checking.
      const folded = fold(current)
      if (folded !== undefined) current = folded
    }
    return changed ? current : undefined
  }
  if (marker !== undefined) chain[FIRST_IN_CHAIN] = marker
  if (resolvers.some((resolver) => typeof resolver.subscribe === 'function')) {
    chain.subscribe = (listener) => {
      const unsubscribes = resolvers.map((resolver, index) =>
        // A later member sees hosts that earlier members produced from others, so its change can affect
        // any input: it is passed on as a change of everything.
        resolver.subscribe === undefined
          ? () => {}
          : resolver.subscribe(index === 0 ? listener : () => listener({ hosts: undefined })),
      )
      return () => {
        for (const unsubscribe of unsubscribes) unsubscribe()
      }
    }
  }
  return chain
}
