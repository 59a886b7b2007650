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
 * What it cannot do: a MOVED target is written into ioredis's slot table as Redis spelled it, before the
 * mapping, so after a MOVED that spells a node differently from the pool, that slot's commands go to a
 * random pool member (which redirects them) until the refresh the MOVED triggers rewrites the table with
 * mapped keys. It opens no connection.
 *
 * No runtime dependency on ioredis: the types here are structural, and the tests check them against
 * ioredis 5 and 6's own `ClusterOptions`.
 */

import type { AddressInput, AddressKeyer } from '../key/internal.js'
import { preview } from '../key/internal.js'
import {
  type AddressMapOptions,
  addressMapper,
  endpointThrough,
  readKeyer,
  readOnInvalid,
  uniqueEndpoints,
} from './address-map.js'

export type { AddressKeyer } from '../key/internal.js'
export type { AddressMapOptions } from './address-map.js'

/**
 * A node as ioredis takes it in `startupNodes` and answers from `natMap`: a host (IPv6 bare) and a port.
 * @category Adapters
 */
export interface IoredisNode {
  /** The host, canonical: an IPv6 address bare, without brackets. */
  host: string
  /** The port. */
  port: number
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
 * @category Adapters
 */
export interface IoredisNatMapOptions extends AddressMapOptions {}

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
 * @param keyer - The keyer; default `canonicalNodeKey` (`localhost` is `127.0.0.1`).
 * @throws TypeError for a keyer that is not a function or a bad option.
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
 * ```
 * @category Adapters
 */
export const ioredisNatMap = (
  keyer?: AddressKeyer,
  options?: IoredisNatMapOptions,
): IoredisNatMapFunction => {
  const map = addressMapper(readKeyer(keyer, 'ioredisNatMap'), readOnInvalid(options, 'ioredisNatMap'))
  return (address) => map(address) ?? null
}

/**
 * ioredis `startupNodes` from seeds in any spelling: canonical `{ host, port }` objects, one per node (the
 * first spelling of a node kept), in the order given. ioredis does not pass its startup nodes through
 * `natMap`, and looks names up with DNS itself, so seeds spelled `LOCALHOST` or `[::1]` would otherwise be
 * keyed apart from the topology's `127.0.0.1`.
 *
 * @param keyer - The keyer; use the one given to {@link ioredisNatMap}. Default `canonicalNodeKey`.
 * @throws The keyer's `NodeKeyError` for a seed that is not an address; TypeError for no seeds at all.
 * @example
 * ```ts
 * ioredisStartupNodes(['LOCALHOST:7000', 'redis://127.0.0.1:7000', '[::1]:7001'])
 * // [{ host: '127.0.0.1', port: 7000 }, { host: '::1', port: 7001 }]
 * ```
 * @category Adapters
 */
export const ioredisStartupNodes = (seeds: Iterable<AddressInput>, keyer?: AddressKeyer): IoredisNode[] =>
  uniqueEndpoints(seeds, readKeyer(keyer, 'ioredisStartupNodes'), 'ioredisStartupNodes')

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
