/** `CLUSTER SLOTS`. */
import { DEFAULT_HOST_POLICY, hostOrFailure, isCanonicalIp, isFailure } from '../key/internal.js'
import { Builder } from './builder.js'
import {
  array,
  Bad,
  describe,
  edge,
  fields,
  isPlainObject,
  nodeId,
  optionalText,
  port,
  slot,
  text,
} from './resp.js'
import type { ClusterTopology, ReadTopologyOptions } from './types.js'

/**
 * A slot range as node-redis's typed `clusterSlots()` hands it back, `{ from, to, master, replicas }` with
 * nodes as `{ host, port, id }` (node-redis 5 and 6, `CLUSTER_SLOTS.transformReply`; it drops the metadata),
 * turned back into the reply's own shape; anything else as it is.
 */
const rangeOf = (value: unknown, index: number): unknown[] => {
  if (Array.isArray(value) || !isPlainObject(value) || !('from' in value)) {
    return array(value, `slot range ${index}`)
  }
  const nodeOf = (node: unknown, what: string): unknown[] => {
    if (!isPlainObject(node)) {
      throw new Bad(
        `Expected ${what} of slot range ${index} to be { host, port, id }, got ${describe(node)}.`,
        node,
      )
    }
    return [node['host'], node['port'], node['id']]
  }
  const replicas =
    value['replicas'] === undefined ? [] : array(value['replicas'], `the replicas of slot range ${index}`)
  return [
    value['from'],
    value['to'],
    nodeOf(value['master'], 'the master'),
    ...replicas.map((replica, position) => nodeOf(replica, `replica ${position}`)),
  ]
}

/** The body of {@link readClusterSlots}; throws Bad. */
const readSlots = (reply: unknown, builder: Builder): ClusterTopology => {
  for (const [index, value] of array(reply, 'the reply').entries()) {
    const range = rangeOf(value, index)
    if (range.length < 3) {
      throw new Bad(
        `Expected slot range ${index} to be [start, end, master, replica…], got ${range.length} element(s).`,
        value,
      )
    }
    const start = slot(range[0], `the start of slot range ${index}`)
    const end = slot(range[1], `the end of slot range ${index}`)
    builder.range(start, end, `slot range ${index}`)
    const ids: string[] = []
    for (const [position, item] of range.slice(2).entries()) {
      const what = `node ${position} of slot range ${start}-${end}`
      const node = array(item, what)
      if (node.length < 3) {
        throw new Bad(
          `Expected ${what} to be [host, port, id, metadata?], got ${node.length} element(s).`,
          item,
        )
      }
      const announced = node[0] === null ? null : text(node[0], `the host of ${what}`)
      const nodePort = port(node[1], `the port of ${what}`)
      const id = nodeId(node[2], `the id of ${what}`)
      const metadata =
        node[3] === undefined ? new Map<string, unknown>() : fields(node[3], `the metadata of ${what}`)
      ids.push(id)
      builder.add({
        id,
        role: position === 0 ? 'master' : 'replica',
        announced,
        port: nodePort,
        // The preferred endpoint is the IP or the hostname; the metadata names the other.
        hostname:
          optionalText(metadata.get('hostname'), `the hostname of ${what}`) ??
          (isAName(announced) ? announced : undefined),
        ip:
          optionalText(metadata.get('ip'), `the ip of ${what}`) ??
          (isAnIp(announced) ? announced : undefined),
      })
    }
    const [master, ...replicas] = ids as [string, ...string[]]
    builder.slots.push({ start, end, master, replicas })
  }
  return builder.result()
}

/** Whether a host as written is an IP address. */
const isAnIp = (host: string | null): host is string => {
  if (host === null || host === '' || host === '?') return false
  const canonical = hostOrFailure(host, DEFAULT_HOST_POLICY)
  return !isFailure(canonical) && isCanonicalIp(canonical)
}

/** Whether a host as written is a name (not an IP address, not empty, not `?`). */
const isAName = (host: string | null): host is string =>
  host !== null && host !== '' && host !== '?' && !isAnIp(host)

/**
 * Read a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, metadata?], …replicas], …]`, where metadata
 * (Redis 7) is a map that may give the node's `ip` and `hostname`, as a flat array under RESP2 or an object
 * or `Map` under RESP3. The shape node-redis's typed `clusterSlots()` returns (`[{ from, to, master: { host,
 * port, id }, replicas }]`, RESP2 or RESP3) is read too; it carries no metadata. A node that serves several
 * ranges is listed once.
 *
 * @throws {@link InvalidTopologyError} when the reply does not have that shape; `TypeError` for bad options.
 * @example
 * ```ts
 * const reply = [[0, 16383, ['127.0.0.1', 7000, '8bb6…95', ['hostname', 'redis-1']]]] // ioredis, RESP2
 * readClusterSlots(reply).nodes[0]
 * // { id: '8bb6…95', key: '127.0.0.1:7000', host: '127.0.0.1', port: 7000, announced: '127.0.0.1',
 * //   hostname: 'redis-1', ip: '127.0.0.1', role: 'master' }
 * ```
 * @category Topology
 */
export const readClusterSlots = (reply: unknown, options?: ReadTopologyOptions): ClusterTopology => {
  const builder = new Builder(options, 'readClusterSlots')
  return edge('CLUSTER SLOTS', () => readSlots(reply, builder))
}
