/** `CLUSTER SHARDS` (Redis 7+). */
import { Builder } from './builder.js'
import { array, Bad, describe, edge, fields, nodeId, optionalText, port, slot, text } from './resp.js'
import type { ClusterNodeRole, ClusterTopology, ReadTopologyOptions } from './types.js'

const ROLES: Readonly<Record<string, ClusterNodeRole>> = { master: 'master', replica: 'replica' }

/** The body of {@link readClusterShards}; throws Bad. */
const readShards = (reply: unknown, builder: Builder): ClusterTopology => {
  const { tls } = builder
  for (const [index, value] of array(reply, 'the reply').entries()) {
    const shard = fields(value, `shard ${index}`)
    const slotList = array(shard.get('slots'), `the slots of shard ${index}`)
    if (slotList.length % 2 !== 0) {
      throw new Bad(
        `Expected the slots of shard ${index} to be [start, end, …] pairs, got ${slotList.length} element(s).`,
        slotList,
      )
    }
    const ids: { id: string; role: ClusterNodeRole }[] = []
    for (const [position, item] of array(shard.get('nodes'), `the nodes of shard ${index}`).entries()) {
      const what = `node ${position} of shard ${index}`
      const node = fields(item, what)
      const id = nodeId(node.get('id'), `the id of ${what}`)
      const roleText = text(node.get('role'), `the role of ${what}`)
      // Own names only: `constructor` or `__proto__` is no role.
      const role = Object.hasOwn(ROLES, roleText) ? ROLES[roleText] : undefined
      if (role === undefined) {
        throw new Bad(
          `Expected the role of ${what} to be "master" or "replica", got ${describe(roleText)}.`,
          roleText,
        )
      }
      const plain = node.get('port')
      const secure = node.get('tls-port')
      const chosen = (tls && secure !== undefined) || plain === undefined ? secure : plain
      if (chosen === undefined) throw new Bad(`Expected ${what} to have a port or a tls-port.`, item)
      const nodePort = port(chosen, `the ${chosen === secure ? 'tls-port' : 'port'} of ${what}`)
      const endpoint = node.get('endpoint')
      ids.push({ id, role })
      builder.add({
        id,
        role,
        announced: endpoint === null ? null : text(endpoint, `the endpoint of ${what}`),
        port: nodePort,
        hostname: optionalText(node.get('hostname'), `the hostname of ${what}`),
        ip: optionalText(node.get('ip'), `the ip of ${what}`),
      })
    }
    const masters = ids.filter((node) => node.role === 'master')
    if (masters.length > 1) {
      throw new Bad(
        `Expected at most one master in shard ${index}, got ${masters.length}: ${masters.map((node) => describe(node.id)).join(', ')}.`,
        value,
      )
    }
    const master = masters[0]?.id
    const replicas = ids.filter((node) => node.role === 'replica').map((node) => node.id)
    for (let i = 0; i < slotList.length; i += 2) {
      const start = slot(slotList[i], `a slot of shard ${index}`)
      const end = slot(slotList[i + 1], `a slot of shard ${index}`)
      builder.range(start, end, `a slot range of shard ${index}`)
      builder.slots.push(master === undefined ? { start, end, replicas } : { start, end, master, replicas })
    }
  }
  return builder.result()
}

/**
 * Read a `CLUSTER SHARDS` reply (Redis 7+): a list of shards, each a map of `slots` (`[start, end, …]`) and
 * `nodes` (maps of `id`, `port`, `tls-port`, `ip`, `endpoint`, `hostname`, `role`, `health`, …), as a
 * flat array under RESP2 or objects or `Map`s under RESP3. A node's key is its `endpoint` (the preferred
 * endpoint) with its `port` (or its `tls-port`, with `tls: true` or when it has no `port`).
 *
 * @throws {@link InvalidTopologyError} when the reply does not have that shape; `TypeError` for bad options.
 * @example
 * ```ts
 * const reply = [{ slots: [0, 16383], nodes: [
 *   { id: '8bb6…95', port: 7000, ip: '::1', endpoint: '::1', role: 'master', health: 'online' },
 * ] }] // node-redis, RESP3
 * readClusterShards(reply).nodes[0].key // '[::1]:7000'
 * ```
 * @category Topology
 */
export const readClusterShards = (reply: unknown, options?: ReadTopologyOptions): ClusterTopology => {
  const builder = new Builder(options, 'readClusterShards')
  return edge('CLUSTER SHARDS', () => readShards(reply, builder))
}
