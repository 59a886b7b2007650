/**
 * ioredis with canonical-node-key: `npm run example:ioredis [-- seed ...]`.
 *
 * Seeds in any spelling go in as canonical startup nodes; `natMap` maps every address ioredis meets (CLUSTER
 * SLOTS entries, MOVED and ASK targets) to its canonical endpoint, which becomes the pool's key. With the
 * dual-stack policy, a node reported as `::1` by one peer and `127.0.0.1` by another keeps one connection.
 * Without seeds, it starts a cluster of its own, re-announces one node as `::1`, refreshes the topology 20
 * times and prints the connections the servers count and the reconnects ioredis reported.
 *
 * In an application, import from 'canonical-node-key' and 'canonical-node-key/ioredis'.
 */

import { createNodeKeyer, loopbackResolver } from 'canonical-node-key'
import { ioredisNatMap, ioredisStartupNodes } from 'canonical-node-key/ioredis'
import { Cluster } from 'ioredis'
import { announceNode2AsIPv6, exampleCluster } from './cluster-for-examples.ts'

const { seeds, own } = await exampleCluster()
// The servers listen on both 127.0.0.1 and ::1, so say so: that is the dual-stack policy.
const keyer = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
const startupNodes = ioredisStartupNodes(seeds, keyer)
console.log('seeds', seeds, '\n-> startupNodes', startupNodes)

const name = 'canonical-node-key-example'
let connects = 0
const cluster = new Cluster(startupNodes, {
  natMap: ioredisNatMap(keyer, {
    onInvalid: (address, error) => console.warn(`natMap: no mapping for ${address}: ${error.message}`),
  }),
  redisOptions: { connectionName: name },
  slotsRefreshInterval: 0,
})
cluster.on('+node', (redis) => redis.on('connect', () => connects++))
cluster.on('error', (error) => console.error('cluster error:', error.message))

try {
  await new Promise<void>((resolve) => cluster.once('ready', () => resolve()))
  for (let i = 0; i < 30; i++) await cluster.set(`example:${i}`, String(i))
  console.log(
    'pool:',
    cluster.nodes('master').map((node) => `${node.options.host}:${node.options.port}`),
  )

  if (own !== undefined) {
    await announceNode2AsIPv6(own)
    for (let round = 0; round < 20; round++) {
      await new Promise<void>((resolve, reject) =>
        cluster.refreshSlotsCache((error) => (error ? reject(error) : resolve())),
      )
      for (let i = 0; i < 30; i++) await cluster.get(`example:${i}`)
    }
    console.log('after 20 refreshes with node 2 announced as ::1:')
    console.log('  connections per node (CLIENT LIST):', await own.connectionsNamed(name))
    console.log('  connects reported by ioredis:', connects, `(reconnects: ${connects - 3})`)
  }
} finally {
  await cluster.quit()
  await own?.stop()
}
