/**
 * One process of the fleet test (fleet.test.ts): reads its configuration (its spellings of the servers, a
 * connection name, how many keys) as JSON from argv, builds a ring and keeps one ioredis client per ring
 * server in a NodeMap (so per canonical key), places every key, SETs it on its owner, and prints one JSON
 * line: the owner of each key. It then stays connected until its stdin closes, so that the test can count
 * its connections on the servers (`CLIENT LIST`), and disconnects.
 */

import { NodeMap } from 'canonical-node-key/node-map'
import { createNodeRing } from 'canonical-node-key/ring'
import { Redis } from 'ioredis'

interface FleetConfig {
  servers: string[]
  name: string
  keys: number
}

const config = JSON.parse(process.argv[2] ?? '{}') as FleetConfig
const ring = createNodeRing(config.servers)
const clients = new NodeMap<Redis>({ dispose: (client) => client.disconnect() })
const clientFor = (server: string): Redis =>
  clients.getOrCreate(
    server,
    (_key, dial) =>
      new Redis({
        host: dial.host,
        port: dial.port,
        connectionName: config.name,
        lazyConnect: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 5000,
      }),
  )

// Connect to every server as configured first, as a client does at start; the ring's answers (canonical
// keys) then find those connections.
for (const server of config.servers) clientFor(server)

const owners: string[] = []
const writes: Promise<unknown>[] = []
for (let i = 0; i < config.keys; i++) {
  const key = `fleet:${i}`
  const owner = ring.get(key)
  owners.push(owner)
  writes.push(clientFor(owner).set(key, owner))
}
await Promise.all(writes)
process.stdout.write(`${JSON.stringify({ owners, clients: clients.size })}\n`)

process.stdin.resume()
process.stdin.once('end', () => {
  clients.clear()
})
