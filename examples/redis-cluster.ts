/**
 * The two cluster clients of `redis-cluster/` side by side: `npm run example:redis-cluster [-- seed ...]`.
 *
 * `NaiveClusterClient` keeps its connections in a plain `Map` keyed by the raw `host:port`; `ClusterClient`
 * keeps them in a `NodeMap`. Each is given the same seeds in mixed spellings, connects, answers 100 SET and
 * GET and refreshes the topology 3 times; the servers then say how many connections each left open per node
 * (`CLIENT LIST`, by connection name), before and after `close()`. Without seeds, the example starts a
 * cluster whose nodes announce themselves as `localhost` and serve their slots in 27 ranges: the naive client
 * stores a node as `127.0.0.1` but looks it up as the topology spells it, once per range.
 */
import { parseAddress } from 'canonical-node-key'
import { readClusterSlots } from 'canonical-node-key/topology'
import { splitSlots } from '../test/integration/redis-cluster-harness.ts'
import { exampleCluster } from './cluster-for-examples.ts'
import { ClusterClient } from './redis-cluster/cluster-client.ts'
import type { ClusterRouter } from './redis-cluster/cluster-router.ts'
import { RespConnection } from './redis-cluster/connection.ts'
import { NaiveClusterClient } from './redis-cluster/naive-cluster-client.ts'

const REFRESHES = 3
const KEYS = 100

/** One connection of our own to each master, to ask it who is connected. */
interface Counter {
  masters: string[]
  /** Per master, the connections named `name`. */
  count(name: string): Promise<number[]>
  close(): Promise<void>
}

/** The masters, from the first seed that answers `CLUSTER SLOTS` (read by the library's `readClusterSlots`). */
const openCounter = async (seeds: readonly string[]): Promise<Counter> => {
  const name = `canonical-node-key-count-${process.pid}`
  let lastError: unknown
  for (const seed of seeds) {
    let first: RespConnection | undefined
    try {
      first = await RespConnection.open({ ...parseAddress(seed), name })
      const topology = readClusterSlots(await first.command(['CLUSTER', 'SLOTS']), { origin: first.host })
      await first.close()
      const masters = topology.nodes.filter((node) => node.role === 'master')
      const connections = await Promise.all(
        masters.map(({ host, port }) => RespConnection.open({ host, port, name })),
      )
      return {
        masters: masters.map((node) => node.key),
        count: async (counted) =>
          Promise.all(
            connections.map(async (connection) => {
              const list = String(await connection.command(['CLIENT', 'LIST']))
              return list.split('\n').filter((line) => line.includes(` name=${counted} `)).length
            }),
          ),
        close: async () => {
          await Promise.all(connections.map((connection) => connection.close()))
        },
      }
    } catch (error) {
      await first?.close()
      lastError = error
    }
  }
  throw new AggregateError([lastError], 'Expected a seed to answer CLUSTER SLOTS.')
}

/** Connect, write and read back {@link KEYS} keys, refresh {@link REFRESHES} times. */
const exercise = async (client: ClusterRouter, counter: Counter): Promise<void> => {
  await client.connect()
  console.log(`  after connect():      ${(await counter.count(client.connectionName)).join(' ')}`)
  for (let i = 0; i < KEYS; i++) await client.set(`example:${i}`, String(i))
  for (let i = 0; i < KEYS; i++) {
    const value = await client.get(`example:${i}`)
    if (value !== String(i)) throw new Error(`Expected example:${i} to read back ${i}, got ${String(value)}.`)
  }
  for (let i = 0; i < REFRESHES; i++) await client.refresh()
  const after = await counter.count(client.connectionName)
  console.log(`  after ${REFRESHES} refreshes:    ${after.join(' ')} (${KEYS} SET and GET read back)`)
}

const { seeds, own } = await exampleCluster({ mode: 'hostname', slots: splitSlots(27, 3) })
const counter = await openCounter(seeds)
const naive = new NaiveClusterClient({ seeds, connectionName: `canonical-node-key-naive-${process.pid}` })
const client = new ClusterClient({ seeds, connectionName: `canonical-node-key-nodemap-${process.pid}` })

try {
  console.log(`seeds: ${seeds.join(' ')}`)
  console.log(`connections per master (CLIENT LIST) of ${counter.masters.join(' ')}:`)

  console.log('NaiveClusterClient, a Map keyed by the raw host:port')
  await exercise(naive, counter)
  const opened = naive.stats().created
  console.log(
    `  opened ${opened}; its Map holds ${naive.nodes().length} (${naive.nodes().join(' ')}); ${naive.leaked()} more are open, held by nothing`,
  )
  const lost = naive.leaked()
  await naive.close()
  console.log(`  after close():        ${(await counter.count(naive.connectionName)).join(' ')}`)
  if (lost === 0) {
    console.log(
      '  (nothing lost: the Map loses a connection when the topology spells a node otherwise than the Map stores it,\n' +
        '  as when nodes announce themselves as localhost; without seeds this example starts such a cluster)',
    )
  }

  console.log('ClusterClient, a NodeMap')
  await exercise(client, counter)
  const { created, disposed } = client.stats()
  console.log(`  opened ${created}, closed ${disposed}; it holds ${client.nodes().length}, reached as:`)
  for (const [key, spellings] of client.aliases()) console.log(`    ${key} <- ${spellings.join(', ')}`)
  await client.close()
  console.log(`  after close():        ${(await counter.count(client.connectionName)).join(' ')}`)
} finally {
  // The naive client cannot close what its Map lost; the example can, since it kept count.
  await naive.close().catch(() => undefined)
  await naive.closeLeaked()
  await client.close().catch(() => undefined)
  await counter.close()
  await own?.stop()
}
