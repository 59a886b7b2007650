/**
 * node-redis (`redis`) with canonical-node-key: `npm run example:node-redis [-- seed ...]`.
 *
 * Seeds in any spelling go in as canonical root nodes, and `nodeAddressMap` makes every spelling of a node
 * dial one canonical endpoint (so a NAT table in the keyer matches whatever the cluster reports). What it
 * cannot do: node-redis keys its nodes by the spelling of the topology reply before it asks
 * `nodeAddressMap`, so a node reported two ways is two nodes to it. Without seeds, this starts a cluster of
 * its own, re-announces one node as `::1`, rediscovers 20 times and prints what that costs.
 *
 * In an application, import from 'canonical-node-key' and 'canonical-node-key/node-redis'.
 */

import { createNodeKeyer, loopbackResolver } from 'canonical-node-key'
import { nodeRedisAddressMap, nodeRedisRootNodes } from 'canonical-node-key/node-redis'
import { createCluster } from 'redis'
import { announceNode2AsIPv6, exampleCluster } from './cluster-for-examples.ts'

const { seeds, own } = await exampleCluster()
const keyer = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
const rootNodes = nodeRedisRootNodes(seeds, keyer)
console.log('seeds', seeds, '\n-> rootNodes', JSON.stringify(rootNodes))

const name = 'canonical-node-key-example'
let connects = 0
const cluster = createCluster({
  rootNodes,
  nodeAddressMap: nodeRedisAddressMap(keyer, {
    onInvalid: (address, error) =>
      console.warn(`nodeAddressMap: no mapping for ${address}: ${error.message}`),
  }),
  defaults: { name },
})
cluster.on('error', (error) => console.error('cluster error:', error))
cluster.on('node-connect', () => connects++)

try {
  await cluster.connect()
  for (let i = 0; i < 30; i++) await cluster.set(`example:${i}`, String(i))
  console.log(
    'masters:',
    cluster.masters.map((master) => master.address),
  )

  if (own !== undefined) {
    await announceNode2AsIPv6(own)
    for (let round = 0; round < 20; round++) {
      // node-redis rediscovers on MOVED; here from each master in turn.
      const master = cluster.masters[round % cluster.masters.length]!
      await cluster._slots.rediscover(await cluster.nodeClient(master))
      for (let i = 0; i < 30; i++) await cluster.get(`example:${i}`)
    }
    console.log('after 20 rediscoveries with node 2 announced as ::1:')
    console.log('  connections per node (CLIENT LIST):', await own.connectionsNamed(name))
    console.log('  connects reported by node-redis:', connects, `(reconnects: ${connects - 3})`)
    console.log(
      '  masters as node-redis keys them:',
      cluster.masters.map((master) => master.address),
    )
  }
} finally {
  await cluster.close()
  await own?.stop()
}
