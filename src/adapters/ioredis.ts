/**
 * `canonical-node-key/ioredis`: one connection per node in an ioredis `Cluster`, whatever the spelling.
 *
 * What ioredis does with addresses (read from ioredis 5.11 and 6.0, `built/cluster/index.js`): its
 * `natMapper` turns every CLUSTER SLOTS entry and every MOVED and ASK target into a `host:port` string
 * (IPv6 bare, as Redis writes it), asks `natMap` about it, and the `{ host, port }` it gets back becomes the
 * connection pool's key (`host + ":" + port`, `built/cluster/util.js` `getNodeKey`). So a `natMap` function
 * that answers the canonical endpoint of every spelling makes the pool hold one connection per node. Since
 * ioredis 5.5.0 `natMap` may be a function; before, it is an object looked up by the exact string. Startup
 * nodes do not pass through `natMap`: give them canonical with {@link ioredisStartupNodes}.
 *
 * TLS: ioredis builds each pool connection from the `natMap` answer with lodash-style defaults (answer
 * first, `redisOptions` after, `built/cluster/ConnectionPool.js` `createRedisFromOptions`), so an answer's
 * `tls` is used in place of `redisOptions.tls`, not merged with it, and reaches `tls.connect` as it is
 * (`built/connectors/StandaloneConnector.js`). Given the `tls` option, every answer carries those TLS
 * options with the `servername` of the node (the DNS name it was announced by), so a node dialled at an IP
 * address still has its certificate checked against its name. ioredis hands `natMap` only the first two
 * fields of a `CLUSTER SLOTS` entry (host and port); the `hostname` and `ip` metadata Redis 7 adds is
 * dropped, so the other endpoint of a node comes from a topology reader's result (`topology`).
 *
 * What it cannot do: a MOVED target is written into ioredis's slot table as Redis spelled it, before the
 * mapping, so after a MOVED that spells a node differently from the pool, that slot's commands go to a
 * random pool member (which redirects them) until the refresh the MOVED triggers rewrites the table with
 * mapped keys. It opens no connection.
 *
 * No runtime dependency on ioredis: the types here are structural, and the tests check them against
 * ioredis 5 and 6's own `ClusterOptions`.
 */

import { type AddressInput, type AddressKeyer, preview } from '../key/internal.js'
import {
  type AddressMapOptions,
  adapterMap,
  adapterSeeds,
  endpointThrough,
  type MappedEndpoint,
  readKeyer,
  tlsOptionRule,
} from './address-map.js'

export type { AddressKeyer } from '../key/internal.js'
export type {
  AddressMapOptions,
  AnnouncedNode,
  AnnouncedTopology,
  PreferredEndpoint,
} from './address-map.js'

/**
 * The TLS options of every node (`ca`, `cert`, `key`, `rejectUnauthorized`, …), as `tls.connect` takes them:
 * any object, so a `tls.ConnectionOptions` fits without this package depending on Node.js's type
 * declarations. A `servername` here is used only for a node whose DNS name the adapter does not know.
 *
 * @example
 * ```ts
 * const tls: IoredisTlsOptions = { ca: readFileSync('ca.pem'), rejectUnauthorized: true }
 * ```
 * @category Adapters
 */
export type IoredisTlsOptions = object

/**
 * The `tls` of a node the adapters answer: the TLS options given, with the node's `servername` when the
 * adapter knows its name.
 *
 * @example
 * ```ts
 * const tls: IoredisNodeTls | undefined = ioredisNatMap(undefined, { tls: {} })('node-a.localhost:7000')?.tls
 * // { servername: 'node-a.localhost' }
 * ```
 * @category Adapters
 */
export interface IoredisNodeTls {
  /** The DNS name to send (SNI) and check the certificate against. */
  servername?: string
  /** Every other TLS option, as given. */
  [option: string]: unknown
}

/**
 * A node as ioredis takes it in `startupNodes` and answers from `natMap`: a host (IPv6 bare) and a port.
 * @category Adapters
 */
export interface IoredisNode {
  /** The host, canonical: an IPv6 address bare, without brackets. */
  host: string
  /** The port. */
  port: number
  /**
   * With the adapter's `tls` option: those TLS options, with `servername` set to the node's DNS name when
   * the adapter knows it. ioredis connects with these in place of `redisOptions.tls`.
   */
  tls?: IoredisNodeTls
}

/**
 * The `natMap` function of ioredis (>= 5.5.0): from the `host:port` ioredis read in a topology reply or a
 * redirection to the node to dial and key the pool by, or `null` for "no mapping".
 *
 * @example
 * ```ts
 * const natMap: IoredisNatMapFunction = ioredisNatMap()
 * natMap('LOCALHOST:7000') // { host: '127.0.0.1', port: 7000 }
 * ```
 * @category Adapters
 */
export type IoredisNatMapFunction = (address: string) => IoredisNode | null

/**
 * Options of {@link ioredisNatMap}.
 * @example
 * ```ts
 * const options: IoredisNatMapOptions = { tls: { ca, rejectUnauthorized: true }, topology: () => latest }
 * ```
 * @category Adapters
 */
export interface IoredisNatMapOptions extends AddressMapOptions {
  /**
   * TLS options for every node: each answer then carries them as its `tls`, with the node's `servername`
   * (the DNS name it was announced by, or, from `topology`, the hostname of a node announced by IP). Give
   * here what you would give `redisOptions.tls`: ioredis takes an answer's `tls` in its place, not merged.
   * Read once, when the map is made.
   * @defaultValue none: answers carry no `tls`, and `redisOptions.tls` applies as it is
   */
  tls?: IoredisTlsOptions | undefined
}

/**
 * Options of {@link ioredisStartupNodes}.
 * @example
 * ```ts
 * ioredisStartupNodes(['node-a.example:6380'], keyer, { tls: { ca, rejectUnauthorized: true } })
 * ```
 * @category Adapters
 */
export interface IoredisStartupNodesOptions {
  /** TLS options for every seed, with its `servername`, as in {@link IoredisNatMapOptions.tls}. */
  tls?: IoredisTlsOptions | undefined
}

const TLS_RULE = /* @__PURE__ */ tlsOptionRule(
  "an object of TLS options (ioredis uses a node's `tls` in place of `redisOptions.tls`, so give them all here)",
  false,
)

/** An adapter's endpoint as an ioredis node: with the TLS options and the node's name, when TLS is on. */
const toNode = (
  endpoint: MappedEndpoint,
  tls: Readonly<Record<string, unknown>> | undefined,
): IoredisNode => {
  const node: IoredisNode = { host: endpoint.host, port: endpoint.port }
  if (tls !== undefined) {
    node.tls = endpoint.servername === undefined ? { ...tls } : { ...tls, servername: endpoint.servername }
  }
  return node
}

/**
 * A `natMap` function for ioredis 5.5.0 and later: every spelling of a node maps to its canonical endpoint,
 * through `keyer` (its resolver: the loopback policy, NAT tables, DNS), so the cluster's connection pool
 * keeps one connection per node. An address the keyer refuses, such as Redis's empty-host `:7002`, maps to
 * `null` (ioredis then dials it as it is) and is reported to `onInvalid`.
 *
 * For a cluster whose nodes are reported as both `::1` and `127.0.0.1` (a dual-stack server re-announced,
 * or peers that reach it over IPv6), use a keyer with the dual-stack policy:
 * `createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })`.
 *
 * For `rediss://` clusters, give `tls`: every answer then carries those TLS options with the node's
 * `servername`, so a node announced as `node-a.example` and dialled at the address the keyer's resolver
 * gives still has its certificate checked against `node-a.example`.
 *
 * @param keyer - The keyer; default `canonicalNodeKey` (`localhost`, and names under `.localhost`, are
 * `127.0.0.1`).
 * @throws TypeError for a keyer that is not a function, a bad option, or `preferredEndpoint` without
 * `topology`.
 * @example
 * ```ts
 * import { Cluster } from 'ioredis'
 * import { createNodeKeyer, loopbackResolver } from 'canonical-node-key'
 * import { ioredisNatMap, ioredisStartupNodes } from 'canonical-node-key/ioredis'
 *
 * const keyer = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
 * const cluster = new Cluster(ioredisStartupNodes(['LOCALHOST:7000', '[::1]:7001'], keyer), {
 *   natMap: ioredisNatMap(keyer, { onInvalid: (address, error) => console.warn(address, error.message) }),
 * })
 *
 * // TLS, nodes announced by name: each node's certificate is checked against its name.
 * const tls = { ca: readFileSync('ca.pem'), rejectUnauthorized: true }
 * const secure = new Cluster(ioredisStartupNodes(['node-a.example:6380'], keyer, { tls }), {
 *   natMap: ioredisNatMap(keyer, { tls }),
 * })
 * ```
 * @category Adapters
 */
export const ioredisNatMap = (
  keyer?: AddressKeyer,
  options?: IoredisNatMapOptions,
): IoredisNatMapFunction => {
  const { map, tls } = adapterMap(keyer, options, 'ioredisNatMap', TLS_RULE)
  return (address) => {
    const endpoint = map(address)
    return endpoint === undefined ? null : toNode(endpoint, tls)
  }
}

/**
 * ioredis `startupNodes` from seeds in any spelling: canonical `{ host, port }` objects, one per node (the
 * first spelling of a node kept), in the order given. ioredis does not pass its startup nodes through
 * `natMap`, and looks names up with DNS itself, so seeds spelled `LOCALHOST` or `[::1]` would otherwise be
 * keyed apart from the topology's `127.0.0.1`.
 *
 * With `tls`, each seed carries those TLS options with its `servername` (the DNS name the seed gave), as
 * the answers of {@link ioredisNatMap} do.
 *
 * @param keyer - The keyer; use the one given to {@link ioredisNatMap}. Default `canonicalNodeKey`.
 * @throws The keyer's `NodeKeyError` for a seed that is not an address; TypeError for no seeds at all or a
 * bad option.
 * @example
 * ```ts
 * ioredisStartupNodes(['LOCALHOST:7000', 'redis://127.0.0.1:7000', '[::1]:7001'])
 * // [{ host: '127.0.0.1', port: 7000 }, { host: '::1', port: 7001 }]
 * ioredisStartupNodes(['node-a.localhost:6380'], undefined, { tls: { rejectUnauthorized: true } })
 * // [{ host: '127.0.0.1', port: 6380, tls: { rejectUnauthorized: true, servername: 'node-a.localhost' } }]
 * ```
 * @category Adapters
 */
export const ioredisStartupNodes = (
  seeds: Iterable<AddressInput>,
  keyer?: AddressKeyer,
  options?: IoredisStartupNodesOptions,
): IoredisNode[] => {
  const { endpoints, tls } = adapterSeeds(seeds, keyer, options, 'ioredisStartupNodes', TLS_RULE)
  return endpoints.map((endpoint) => toNode(endpoint, tls))
}

/**
 * A `natMap` object table for ioredis before 5.5.0, which looks the exact `host:port` string up: each
 * spelling given (as the cluster reports it: `host:port` with a bare IPv6 host, as in CLUSTER SLOTS and
 * MOVED) maps to its canonical endpoint through `keyer`. A bracketed `[v6]:port` is entered in the bare
 * form ioredis looks up. List every spelling your cluster reports; the table knows no others (with ioredis
 * 5.5.0 and later, prefer {@link ioredisNatMap}, which knows them all).
 *
 * @param keyer - The keyer; default `canonicalNodeKey`.
 * @throws The keyer's `NodeKeyError` for a spelling that is not an address; TypeError for a URL (ioredis
 * never looks one up) or a list that is not iterable.
 * @example
 * ```ts
 * ioredisNatMapTable(['localhost:7000', 'LOCALHOST:7000', '[::1]:7001'])
 * // { 'localhost:7000': { host: '127.0.0.1', port: 7000 }, 'LOCALHOST:7000': { … },
 * //   '::1:7001': { host: '::1', port: 7001 } }
 * ```
 * @category Adapters
 */
export const ioredisNatMapTable = (
  spellings: Iterable<string>,
  keyer?: AddressKeyer,
): Record<string, IoredisNode> => {
  const keyOf = readKeyer(keyer, 'ioredisNatMapTable')
  if (
    typeof spellings !== 'object' ||
    spellings === null ||
    typeof (spellings as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError(
      `Expected the spellings of ioredisNatMapTable to be an array of "host:port" strings, got ${preview(spellings)}.`,
    )
  }
  const table: Record<string, IoredisNode> = {}
  for (const spelling of spellings) {
    if (typeof spelling !== 'string' || spelling.includes('://')) {
      throw new TypeError(
        `Expected each spelling of ioredisNatMapTable to be "host:port" as the cluster reports it (ioredis looks up no URL), got ${preview(spelling)}.`,
      )
    }
    // A refusal is thrown as the keyer threw it: the table is configuration.
    const endpoint = endpointThrough(keyOf, spelling)
    const bracketed = /^\[([^\]]*)\]:([0-9]+)$/.exec(spelling)
    // Defined, not assigned: a spelling `__proto__` is a key like any other, not the table's prototype.
    Object.defineProperty(table, bracketed === null ? spelling : `${bracketed[1]}:${bracketed[2]}`, {
      value: endpoint,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return table
}
