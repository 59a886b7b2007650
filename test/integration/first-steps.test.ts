/**
 * What a newcomer's first samples do on real servers: the README's NodeMap sample with ioredis dialling an
 * IPv6 node, and the topology readers on the reply node-redis's typed `clusterSlots()` hands back, in RESP2
 * and RESP3, agreeing with the raw reply of the same cluster.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Redis as Redis5 } from 'ioredis'
import { Redis as Redis6 } from 'ioredis6'
import { createClient as createClient5 } from 'redis'
import { createClient as createClient6 } from 'redis6'
import { NodeMap } from '../../src/node-map/index.ts'
import { readClusterSlots } from '../../src/topology/index.ts'
import { type Cluster, skipUnlessRedis, startCluster } from './redis-cluster-harness.ts'

const skip = skipUnlessRedis()

/** What these tests use of an ioredis client, the same in 5 and 6. */
interface IoredisClient {
  connect(): Promise<unknown>
  ping(): Promise<string>
  disconnect(): void
}
type IoredisConstructor = {
  new (options: {
    host: string
    port: number
    lazyConnect: boolean
    maxRetriesPerRequest: number
  }): IoredisClient
  new (port: number, host: string): IoredisClient
}

/** What these tests use of a node-redis client, the same in 5 and 6. */
interface NodeRedisClient {
  connect(): Promise<unknown>
  clusterSlots(): Promise<unknown>
  sendCommand(args: string[]): Promise<unknown>
  quit(): Promise<unknown>
  disconnect(): unknown
}
type CreateClient = (options: { socket: { host: string; port: number }; RESP: 2 | 3 }) => NodeRedisClient

describe("the README's NodeMap sample dials an IPv6 node (ioredis 5 and 6)", { skip }, () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster('ipv6', { masters: 3 })
  })
  after(() => cluster?.stop())

  for (const [name, Redis] of [
    ['ioredis 5', Redis5 as unknown as IoredisConstructor],
    ['ioredis 6', Redis6 as unknown as IoredisConstructor],
  ] as const) {
    test(`${name}: new Redis({ host: dial.host, port: dial.port }) reaches [::1]`, async () => {
      const { port } = cluster.nodes[0]!
      const nodes = new NodeMap<IoredisClient>({ dispose: (client) => client.disconnect() })
      // The spellings a cluster gives an IPv6 node: Redis's bare form, brackets, and a URL.
      const client = nodes.getOrCreate(
        `::1:${port}`,
        (_key, dial) =>
          new Redis({ host: dial.host, port: dial.port, lazyConnect: true, maxRetriesPerRequest: 1 }),
      )
      assert.equal(nodes.get(`[::1]:${port}`), client)
      assert.equal(nodes.get(`redis://[0:0::1]:${port}`), client)
      await client.connect()
      assert.equal(await client.ping(), 'PONG')
      // The form the sample had before: ioredis reads (port, host) as a URL, which a bare IPv6 host breaks.
      assert.throws(
        () => nodes.getOrCreate(`::1:${port + 1}`, (_key, dial) => new Redis(dial.port, dial.host)),
        {
          name: 'TypeError',
        },
      )
      nodes.clear()
    })
  }
})

describe("the topology readers take node-redis's typed clusterSlots() (redis 5 and 6, RESP2 and RESP3)", {
  skip,
}, () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster('ip', { masters: 3 })
  })
  after(() => cluster?.stop())

  for (const [name, createClient] of [
    ['redis 5', createClient5 as unknown as CreateClient],
    ['redis 6', createClient6 as unknown as CreateClient],
  ] as const) {
    for (const RESP of [2, 3] as const) {
      test(`${name}, RESP${RESP}`, async () => {
        const { port } = cluster.nodes[0]!
        const client = createClient({ socket: { host: '127.0.0.1', port }, RESP })
        await client.connect()
        try {
          const typed = await client.clusterSlots()
          const raw = await client.sendCommand(['CLUSTER', 'SLOTS'])
          const fromTyped = readClusterSlots(typed, { origin: '127.0.0.1' })
          const fromRaw = readClusterSlots(raw, { origin: '127.0.0.1' })
          assert.equal(fromTyped.nodes.length, 3)
          assert.deepEqual(fromTyped.slots, fromRaw.slots)
          // The typed reply drops each node's metadata (its hostname and ip); the keys agree.
          assert.deepEqual(
            fromTyped.nodes.map((node) => [node.id, node.key, node.role]),
            fromRaw.nodes.map((node) => [node.id, node.key, node.role]),
          )
          assert.deepEqual(fromTyped.unkeyed, [])
        } finally {
          await client.quit().catch(() => client.disconnect())
        }
      })
    }
  }
})
