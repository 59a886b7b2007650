/**
 * `canonical-node-key/node-redis`: canonical endpoints for node-redis's cluster client (`redis` 4 to 6,
 * `createCluster`), and an account of what no option of node-redis lets an adapter do.
 *
 * What node-redis does with addresses (read from `@redis/client` 5.12 and 6.3,
 * `dist/lib/cluster/cluster-slots.js`): `#initiateSlotNode` keys every node by the spelling of the
 * topology reply, `const address = \`${shard.host}:${shard.port}\`` (line 358 of 5.12.1, line 527 of
 * 6.3.1; `packages/client/lib/cluster/cluster-slots.ts` in the node-redis repository), and keeps its
 * clients in `nodeByAddress` under that string. `nodeAddressMap` is consulted afterwards, in `#createClient`,
 * only to choose the socket to dial. An ASK target is looked up in `nodeByAddress` by the spelling of the
 * ASK error (`getMasterByAddress`), a MOVED starts a rediscovery.
 *
 * So, with {@link nodeRedisAddressMap}: every spelling of a node dials one canonical endpoint, and a NAT
 * table (a `staticResolver` in the keyer) matches whatever spelling the cluster reports. Without it, a
 * cluster reporting `LOCALHOST` makes node-redis dial the name (and resolve it itself).
 *
 * TLS: the answer of `nodeAddressMap` becomes the node's socket options, spread over `defaults.socket`
 * (`#createClient` and `#clientOptionsDefaults`), and node-redis hands the socket options to `tls.connect`
 * when `tls` is `true` (`dist/lib/client/socket.js`). So with the `tls` option, each answer carries the
 * node's `servername` (the DNS name it was announced by), and a node dialled at an IP address still has its
 * certificate checked against its name. node-redis reads `CLUSTER SLOTS` through its own `transformReply`,
 * which keeps a node's host, port and id and drops the `hostname` and `ip` metadata Redis 7 adds, so the
 * other endpoint of a node comes from a topology reader's result (`topology`).
 *
 * What it cannot do: make two spellings one node. When one node is reported as `::1:7002` by one peer and
 * `127.0.0.1:7002` by another, node-redis holds two entries and, as the reply it last read changes spelling,
 * destroys one client and connects another; an ASK whose spelling differs from the topology's costs a
 * rediscovery. No public option changes the key; it would take a change in node-redis (keying
 * `nodeByAddress` by the mapped address, or by node id).
 *
 * No runtime dependency on node-redis: the types here are structural, and the tests check them against
 * `redis` 5 and 6's own `RedisClusterOptions`.
 */

import type { AddressInput, AddressKeyer } from '../key/internal.js'
import {
  type AddressMapOptions,
  adapterMap,
  adapterSeeds,
  type MappedEndpoint,
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
 * The `tls` option of the node-redis adapters: `true` to add each node's `servername` to the socket (the
 * rest from `defaults.socket`, which node-redis spreads under it), or TLS options to put in every socket
 * too (`ca`, `rejectUnauthorized`, …, as `tls.connect` takes them: any object, so a `tls.ConnectionOptions`
 * fits without this package depending on Node.js's type declarations; the socket then also gets `tls: true`).
 *
 * @example
 * ```ts
 * const tls: NodeRedisTlsOption = { ca: readFileSync('ca.pem'), rejectUnauthorized: true }
 * ```
 * @category Adapters
 */
export type NodeRedisTlsOption = boolean | object

/**
 * The socket address node-redis dials: a host (IPv6 bare) and a port.
 * @category Adapters
 */
export interface NodeRedisAddress {
  /** The host, canonical: an IPv6 address bare, without brackets. */
  host: string
  /** The port. */
  port: number
  /** With the adapter's `tls` option: the node's DNS name, for SNI and the certificate check, when known. */
  servername?: string
  /** With TLS options as the adapter's `tls` option: `true`, so node-redis connects with TLS. */
  tls?: true
  /** With TLS options as the adapter's `tls` option: each of them, as given. */
  [option: string]: unknown
}

/**
 * The `nodeAddressMap` function of node-redis: from the `host:port` of a topology reply to the socket to
 * dial, or `undefined` to dial it as it is.
 *
 * @example
 * ```ts
 * const map: NodeRedisAddressMapFunction = nodeRedisAddressMap()
 * map('LOCALHOST:7000') // { host: '127.0.0.1', port: 7000 }
 * ```
 * @category Adapters
 */
export type NodeRedisAddressMapFunction = (address: string) => NodeRedisAddress | undefined

/**
 * A node of node-redis's `rootNodes`: client options with a socket.
 * @category Adapters
 */
export interface NodeRedisRootNode {
  /** Where to connect. */
  socket: NodeRedisAddress
}

/**
 * Options of {@link nodeRedisAddressMap}.
 * @example
 * ```ts
 * const options: NodeRedisAddressMapOptions = { tls: true, topology: () => latest }
 * ```
 * @category Adapters
 */
export interface NodeRedisAddressMapOptions extends AddressMapOptions {
  /**
   * TLS for every node: `true` adds each node's `servername` (the DNS name it was announced by, or, from
   * `topology`, the hostname of a node announced by IP) to its socket, with the rest of the TLS options
   * from `defaults.socket`; TLS options are put in every socket too, with `tls: true`. Read once, when the
   * map is made.
   * @defaultValue `false`: answers are `{ host, port }`
   */
  tls?: NodeRedisTlsOption | undefined
}

/**
 * Options of {@link nodeRedisRootNodes}.
 * @example
 * ```ts
 * nodeRedisRootNodes(['node-a.example:6380'], keyer, { tls: true })
 * ```
 * @category Adapters
 */
export interface NodeRedisRootNodesOptions {
  /** TLS for every root node, with its `servername`, as in {@link NodeRedisAddressMapOptions.tls}. */
  tls?: NodeRedisTlsOption | undefined
}

const TLS_RULE = /* @__PURE__ */ tlsOptionRule('a boolean or an object of TLS options', true)

/**
 * An adapter's endpoint as a node-redis socket: with TLS on, the node's name, and the TLS options given
 * (under `host` and `port`, which always win).
 */
const toSocket = (
  endpoint: MappedEndpoint,
  tls: Readonly<Record<string, unknown>> | true | undefined,
): NodeRedisAddress => {
  if (tls === undefined) return { host: endpoint.host, port: endpoint.port }
  const socket: Record<string, unknown> = tls === true ? {} : { ...tls, tls: true }
  socket['host'] = endpoint.host
  socket['port'] = endpoint.port
  if (endpoint.servername !== undefined) socket['servername'] = endpoint.servername
  return socket as unknown as NodeRedisAddress
}

/**
 * A `nodeAddressMap` function for node-redis: every spelling of a node dials its canonical endpoint, through
 * `keyer` (its resolver: the loopback policy, NAT tables, DNS), so NAT tables stop depending on spelling.
 * It does not make two spellings one node: node-redis keys its nodes before it asks (see this module's
 * notes). An address the keyer refuses maps to `undefined` (dialled as it is) and is reported to
 * `onInvalid`.
 *
 * For TLS clusters, give `tls`: each answer then carries the node's `servername`, so a node announced as
 * `node-a.example` and dialled at the address the keyer's resolver gives has its certificate checked against
 * `node-a.example`.
 *
 * @param keyer - The keyer; default `canonicalNodeKey` (`localhost`, and names under `.localhost`, are
 * `127.0.0.1`).
 * @throws TypeError for a keyer that is not a function, a bad option, or `preferredEndpoint` without
 * `topology`.
 * @example
 * ```ts
 * import { createCluster } from 'redis'
 * import { nodeRedisAddressMap, nodeRedisRootNodes } from 'canonical-node-key/node-redis'
 *
 * const cluster = createCluster({
 *   rootNodes: nodeRedisRootNodes(['LOCALHOST:7000', 'redis://127.0.0.1:7001']),
 *   nodeAddressMap: nodeRedisAddressMap(),
 * })
 *
 * // TLS, nodes announced by name: each node's certificate is checked against its name.
 * const secure = createCluster({
 *   rootNodes: nodeRedisRootNodes(['node-a.example:6380'], undefined, { tls: true }),
 *   nodeAddressMap: nodeRedisAddressMap(undefined, { tls: true }),
 *   defaults: { socket: { tls: true, ca: readFileSync('ca.pem'), rejectUnauthorized: true } },
 * })
 * ```
 * @category Adapters
 */
export const nodeRedisAddressMap = (
  keyer?: AddressKeyer,
  options?: NodeRedisAddressMapOptions,
): NodeRedisAddressMapFunction => {
  const { map, tls } = adapterMap(keyer, options, 'nodeRedisAddressMap', TLS_RULE)
  return (address) => {
    const endpoint = map(address)
    return endpoint === undefined ? undefined : toSocket(endpoint, tls)
  }
}

/**
 * node-redis `rootNodes` from seeds in any spelling: `{ socket: { host, port } }` with canonical endpoints,
 * one per node (the first spelling of a node kept), in the order given.
 *
 * With `tls`, each socket carries the seed's `servername` (the DNS name it gave), as the answers of
 * {@link nodeRedisAddressMap} do.
 *
 * @param keyer - The keyer; use the one given to {@link nodeRedisAddressMap}. Default `canonicalNodeKey`.
 * @throws The keyer's `NodeKeyError` for a seed that is not an address; TypeError for no seeds at all or a
 * bad option.
 * @example
 * ```ts
 * nodeRedisRootNodes(['LOCALHOST:7000', '127.0.0.1:7000', '[::1]:7001'])
 * // [{ socket: { host: '127.0.0.1', port: 7000 } }, { socket: { host: '::1', port: 7001 } }]
 * nodeRedisRootNodes(['node-a.localhost:6380'], undefined, { tls: true })
 * // [{ socket: { host: '127.0.0.1', port: 6380, servername: 'node-a.localhost' } }]
 * ```
 * @category Adapters
 */
export const nodeRedisRootNodes = (
  seeds: Iterable<AddressInput>,
  keyer?: AddressKeyer,
  options?: NodeRedisRootNodesOptions,
): NodeRedisRootNode[] => {
  const { endpoints, tls } = adapterSeeds(seeds, keyer, options, 'nodeRedisRootNodes', TLS_RULE)
  return endpoints.map((endpoint) => ({ socket: toSocket(endpoint, tls) }))
}
