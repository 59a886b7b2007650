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
  addressMapper,
  readKeyer,
  readOnInvalid,
  uniqueEndpoints,
} from './address-map.js'

export type { AddressKeyer } from '../key/internal.js'
export type { AddressMapOptions } from './address-map.js'

/**
 * The socket address node-redis dials: a host (IPv6 bare) and a port.
 * @category Adapters
 */
export interface NodeRedisAddress {
  /** The host, canonical: an IPv6 address bare, without brackets. */
  host: string
  /** The port. */
  port: number
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
 * @category Adapters
 */
export interface NodeRedisAddressMapOptions extends AddressMapOptions {}

/**
 * A `nodeAddressMap` function for node-redis: every spelling of a node dials its canonical endpoint, through
 * `keyer` (its resolver: the loopback policy, NAT tables, DNS), so NAT tables stop depending on spelling.
 * It does not make two spellings one node: node-redis keys its nodes before it asks (see this module's
 * notes). An address the keyer refuses maps to `undefined` (dialled as it is) and is reported to
 * `onInvalid`.
 *
 * @param keyer - The keyer; default `canonicalNodeKey` (`localhost` is `127.0.0.1`).
 * @throws TypeError for a keyer that is not a function or a bad option.
 * @example
 * ```ts
 * import { createCluster } from 'redis'
 * import { nodeRedisAddressMap, nodeRedisRootNodes } from 'canonical-node-key/node-redis'
 *
 * const cluster = createCluster({
 *   rootNodes: nodeRedisRootNodes(['LOCALHOST:7000', 'redis://127.0.0.1:7001']),
 *   nodeAddressMap: nodeRedisAddressMap(),
 * })
 * ```
 * @category Adapters
 */
export const nodeRedisAddressMap = (
  keyer?: AddressKeyer,
  options?: NodeRedisAddressMapOptions,
): NodeRedisAddressMapFunction =>
  addressMapper(readKeyer(keyer, 'nodeRedisAddressMap'), readOnInvalid(options, 'nodeRedisAddressMap'))

/**
 * node-redis `rootNodes` from seeds in any spelling: `{ socket: { host, port } }` with canonical endpoints,
 * one per node (the first spelling of a node kept), in the order given.
 *
 * @param keyer - The keyer; use the one given to {@link nodeRedisAddressMap}. Default `canonicalNodeKey`.
 * @throws The keyer's `NodeKeyError` for a seed that is not an address; TypeError for no seeds at all.
 * @example
 * ```ts
 * nodeRedisRootNodes(['LOCALHOST:7000', '127.0.0.1:7000', '[::1]:7001'])
 * // [{ socket: { host: '127.0.0.1', port: 7000 } }, { socket: { host: '::1', port: 7001 } }]
 * ```
 * @category Adapters
 */
export const nodeRedisRootNodes = (
  seeds: Iterable<AddressInput>,
  keyer?: AddressKeyer,
): NodeRedisRootNode[] =>
  uniqueEndpoints(seeds, readKeyer(keyer, 'nodeRedisRootNodes'), 'nodeRedisRootNodes').map((socket) => ({
    socket,
  }))
