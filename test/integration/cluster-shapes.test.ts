/**
 * A cluster that changes shape, on a real 3-master, 3-replica cluster (cluster-node-timeout 1000 ms): the
 * example NodeMap client, ioredis 5 and 6 through `canonical-node-key/ioredis`, and node-redis 5 and 6 with and
 * without `canonical-node-key/node-redis`, all under one steady SET/GET workload each, side by side, through
 * one scenario at a time:
 *
 * 1. `CLUSTER FAILOVER` on a replica, then back on the old master;
 * 2. kill -9 of a master, its replica promoted, the old master restarted (it rejoins as a replica);
 * 3. 100 slots resharded from one master to another under the load (ASK and MOVED);
 * 4. a replica removed with `del-node` (its server left running, outside the cluster), and a new replica added
 *    on a new port;
 * 5. a replica restarted on its port with a new id (nodes.conf removed), introduced again and made a replica.
 *
 * After each: connections per server by `CLIENT LIST` (by each client's connection name), connections to
 * servers no longer in the cluster (orphans), failed commands, and the time from the fault until the keys it
 * hit were served again. Asserted for the example and for ioredis through the adapter: exactly one connection
 * per master, at most one per replica, none to a server outside the cluster; and for the example, every
 * connection it opened closed exactly once by `close()`. node-redis is measured, with and without the adapter.
 * Every figure is printed as a `# cluster-shapes` line.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Cluster as Ioredis5Cluster } from 'ioredis'
import { Cluster as Ioredis6Cluster } from 'ioredis6'
import { createCluster as createCluster5 } from 'redis'
import { createCluster as createCluster6 } from 'redis6'
import { ClusterClient } from '../../examples/redis-cluster/cluster-client.ts'
import { keyHashSlot } from '../../examples/redis-cluster/hash-slot.ts'
import { ioredisNatMap, ioredisStartupNodes } from '../../src/adapters/ioredis.ts'
import { nodeRedisAddressMap, nodeRedisRootNodes } from '../../src/adapters/node-redis.ts'
import {
  type Cluster,
  type ClusterMember,
  skipUnlessRedis,
  startCluster,
  waitFor,
} from './redis-cluster-harness.ts'
import { keysOf, keysOver, startWorkload, type Tally } from './workload.ts'

const skip = skipUnlessRedis()

let serial = 0
const uniqueName = (what: string): string => `shapes-${what}-${process.pid}-${serial++}`

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** How strictly a client's connections are checked after each scenario. */
type Check = 'example' | 'strict' | 'measured'

/** A client under test with its workload. */
interface Contender {
  readonly label: string
  readonly name: string
  readonly check: Check
  readonly load: ReturnType<typeof startWorkload>
  close(): Promise<void>
  /** For the example: connections opened and closed. */
  stats?(): { created: number; disposed: number }
}

const load = (name: string) => ({ loops: 2, pause: 4, namespace: name })

const exampleContender = async (seeds: readonly string[], keys: readonly string[]): Promise<Contender> => {
  const name = uniqueName('example')
  const client = new ClusterClient({ seeds, connectionName: name, timeout: 2000 })
  await client.connect()
  return {
    label: 'example (NodeMap)',
    name,
    check: 'example',
    load: startWorkload(client, keys, load(name)),
    close: () => client.close(),
    stats: () => client.stats(),
  }
}

const ioredisContender = async (
  version: 5 | 6,
  seeds: readonly string[],
  keys: readonly string[],
  scaleReads: 'master' | 'all' = 'master',
): Promise<Contender> => {
  const name = uniqueName(`ioredis${version}-${scaleReads}`)
  // `scaleReads: 'all'` sends reads to replicas too, so ioredis holds a connection to every node.
  const options = { redisOptions: { connectionName: name }, natMap: ioredisNatMap(), scaleReads }
  const startupNodes = ioredisStartupNodes(seeds)
  const client =
    version === 5 ? new Ioredis5Cluster(startupNodes, options) : new Ioredis6Cluster(startupNodes, options)
  client.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve())
    client.once('end', () => reject(new Error(`ioredis ${version} ended before ready`)))
  })
  return {
    label: `ioredis ${version} + adapter${scaleReads === 'all' ? ', reads on replicas' : ''}`,
    name,
    check: 'strict',
    load: startWorkload(client, keys, load(name)),
    close: async () => {
      await client.quit().catch(() => client.disconnect())
    },
  }
}

const nodeRedisContender = async (
  version: 5 | 6,
  seeds: readonly string[],
  keys: readonly string[],
  adapter: boolean,
): Promise<Contender> => {
  const name = uniqueName(`node-redis${version}-${adapter ? 'adapter' : 'none'}`)
  const options = adapter
    ? { rootNodes: nodeRedisRootNodes(seeds), defaults: { name }, nodeAddressMap: nodeRedisAddressMap() }
    : {
        rootNodes: seeds.map((seed) => ({ url: seed.includes('://') ? seed : `redis://${seed}` })),
        defaults: { name },
      }
  // The two versions' cluster types do not unify; the workload needs only this much of either.
  const client = (version === 5 ? createCluster5(options) : createCluster6(options)) as unknown as {
    on(event: string, listener: (...args: unknown[]) => void): unknown
    connect(): Promise<unknown>
    set(key: string, value: string): Promise<unknown>
    get(key: string): Promise<string | null>
    close(): Promise<void>
  }
  client.on('error', () => undefined)
  client.on('node-error', () => undefined)
  await client.connect()
  return {
    label: `node-redis ${version}${adapter ? ' + adapter' : ''}`,
    name,
    check: 'measured',
    load: startWorkload(client, keys, load(name)),
    close: () => client.close().catch(() => undefined),
  }
}

interface Row {
  scenario: string
  client: string
  tally: Tally
  masters: number[]
  replicas: number[]
  orphans: number
}
const rows: Row[] = []

/** Counts of one client's connections, sorted into masters, replicas and servers outside the cluster. */
const classify = (counts: Map<number, number>, members: readonly ClusterMember[]) => {
  const live = members.filter((member) => !member.failing)
  const masters = new Set(live.filter((member) => member.role === 'master').map((member) => member.port))
  const replicas = new Set(live.filter((member) => member.role === 'replica').map((member) => member.port))
  const sorted = { masters: [] as number[], replicas: [] as number[], orphans: 0 }
  for (const [port, count] of [...counts].sort(([a], [b]) => a - b)) {
    if (masters.has(port)) sorted.masters.push(count)
    else if (replicas.has(port)) sorted.replicas.push(count)
    else sorted.orphans += count
  }
  return sorted
}

describe('a cluster that changes shape (real 3+3 cluster)', { skip }, () => {
  let cluster: Cluster
  let contenders: Contender[] = []
  const keys = keysOver('shapes', 400)

  const indexOf = (id: string): number => cluster.nodes.findIndex((node) => node.id === id)
  const members = () => cluster.members()
  const masterOf = async (replica: number): Promise<number> => {
    const me = (await members()).find((member) => member.id === cluster.nodes[replica]!.id)
    return indexOf(me!.masterId!)
  }
  const replicaIndexes = async (): Promise<number[]> =>
    (await members())
      .filter((member) => member.role === 'replica' && !member.failing)
      .map((member) => indexOf(member.id))
      .filter((index) => index !== -1 && cluster.nodes[index]!.member)
      .sort((a, b) => a - b)

  before(async () => {
    cluster = await startCluster('ip', { replicas: 1, nodeTimeout: 1000 })
    const ports = cluster.nodes.slice(0, 3).map((node) => node.port)
    // One node in three spellings, the others in one each: the clients must see one node per server.
    const seeds = [
      `localhost:${ports[0]}`,
      `127.0.0.1:${ports[0]}`,
      `redis://LOCALHOST:${ports[1]}`,
      `127.0.0.1:${ports[2]}`,
    ]
    contenders = [
      await exampleContender(seeds, keys),
      await ioredisContender(5, seeds, keys),
      await ioredisContender(6, seeds, keys),
      await ioredisContender(5, seeds, keys, 'all'),
      await ioredisContender(6, seeds, keys, 'all'),
      await nodeRedisContender(5, seeds, keys, true),
      await nodeRedisContender(6, seeds, keys, true),
      await nodeRedisContender(5, seeds, keys, false),
      await nodeRedisContender(6, seeds, keys, false),
    ]
  })

  after(async () => {
    await Promise.all(contenders.map((contender) => contender.load.stop()))
    await Promise.all(contenders.map((contender) => contender.close()))
    await cluster?.stop()
    for (const row of rows) {
      const { commands, failed, lost, recovery } = row.tally
      console.log(
        `# cluster-shapes | ${row.scenario} | ${row.client} | ${commands} commands | ${failed} failed | ${lost} lost | recovered in ${recovery ?? 'never'} ms | masters ${row.masters.join(' ')} | replicas ${row.replicas.join(' ')} | orphans ${row.orphans}`,
      )
    }
  })

  // After a scenario: the cluster settles, every client serves the hit keys again (bounded), the clients get a
  // moment to let go of what left; then each client's connections are counted and checked.
  const measure = async (scenario: string, faultAt: number, hit: readonly string[]) => {
    await cluster.settle()
    await waitFor(
      'every client to serve the keys the scenario hit',
      async () =>
        contenders.every((contender) => contender.load.tally(faultAt, hit).recovery !== undefined)
          ? true
          : undefined,
      15_000,
    ).catch(() => undefined)
    await sleep(1500)
    const seen = await members()
    const failures: string[] = []
    for (const contender of contenders) {
      let sorted = classify(await cluster.connectionsByPort(contender.name), seen)
      const good = () =>
        contender.check === 'measured' ||
        (sorted.masters.every((count) => count === 1) &&
          sorted.replicas.every((count) => count <= (contender.check === 'example' ? 0 : 1)) &&
          sorted.orphans === 0)
      // Closed connections leave CLIENT LIST a moment after the client closes them.
      for (let i = 0; i < 20 && !good(); i++) {
        await sleep(100)
        sorted = classify(await cluster.connectionsByPort(contender.name), seen)
      }
      rows.push({ scenario, client: contender.label, tally: contender.load.tally(faultAt, hit), ...sorted })
      if (!good()) failures.push(`${contender.label}: ${JSON.stringify(sorted)}`)
    }
    assert.deepEqual(failures, [], `connections after "${scenario}"`)
  }

  test('1. CLUSTER FAILOVER on a replica, and back', async () => {
    const [replica] = await replicaIndexes()
    const master = await masterOf(replica!)
    const hit = keysOf(keys, await cluster.slotOwners(), cluster.nodes[master]!.id)
    const faultAt = Date.now()
    await cluster.failover(replica!)
    await cluster.settle()
    await sleep(1000)
    await cluster.failover(master)
    await measure('CLUSTER FAILOVER and back', faultAt, hit)
  })

  test('2. kill -9 of a master, replica promoted, old master restarted as a replica', async () => {
    const table = await cluster.slotOwners()
    const victim = indexOf(table[keyHashSlot(keys[0]!)]!)
    const hit = keysOf(keys, table, cluster.nodes[victim]!.id)
    await cluster.kill(victim)
    // From the moment the server has exited: a command sent before may still have been answered.
    const faultAt = Date.now()
    await waitFor(
      'a replica to take the killed master’s slots',
      async () =>
        (await cluster.slotOwners())[keyHashSlot(keys[0]!)] !== cluster.nodes[victim]!.id ? true : undefined,
      20_000,
    )
    await cluster.restart(victim)
    await measure('kill -9, promotion, restart as replica', faultAt, hit)
  })

  test('3. 100 slots resharded between masters under load', async () => {
    const before = await cluster.slotOwners()
    const from = indexOf(before[keyHashSlot(keys[0]!)]!)
    const to = indexOf(before.find((id) => id !== cluster.nodes[from]!.id)!)
    const faultAt = Date.now()
    await cluster.reshard(from, to, 100)
    const after = await cluster.slotOwners()
    const moved = keys.filter((key) => before[keyHashSlot(key)] !== after[keyHashSlot(key)])
    assert.ok(moved.length > 0, 'some workload keys were in the resharded slots')
    await measure('100 slots resharded', faultAt, moved)
  })

  test('4. a replica removed with del-node, a new replica added on a new port', async () => {
    const [replica] = await replicaIndexes()
    const master = await masterOf(replica!)
    const faultAt = Date.now()
    await cluster.removeNode(replica!, { keepRunning: true })
    await cluster.addNode({ replicaOf: master })
    await measure('del-node a replica, add-node a new one', faultAt, keys)
  })

  test('5. a replica restarted on its port with a new id', async () => {
    const [replica] = await replicaIndexes()
    const master = await masterOf(replica!)
    const oldId = cluster.nodes[replica!]!.id
    await cluster.kill(replica!)
    // From the moment the server has exited: a command sent before may still have been answered.
    const faultAt = Date.now()
    await cluster.restart(replica!, { freshId: true })
    assert.notEqual(cluster.nodes[replica!]!.id, oldId)
    const masterId = cluster.nodes[master]!.id
    // The new node learns the others by gossip; it can follow its master once it knows it.
    await waitFor('the restarted node to know its master', async () =>
      (await cluster.members(replica!)).some((member) => member.id === masterId) ? true : undefined,
    )
    await cluster.command(replica!, ['CLUSTER', 'REPLICATE', masterId])
    await measure('replica restarted with a new id', faultAt, keys)
  })

  test('the example closes every connection it opened, once', async () => {
    const example = contenders.find((contender) => contender.check === 'example')!
    await example.load.stop()
    await example.close()
    const { created, disposed } = example.stats!()
    assert.equal(disposed, created, `opened ${created}, closed ${disposed}`)
    const counts = await cluster.connectionsByPort(example.name)
    await waitFor(
      'the example’s connections to leave CLIENT LIST',
      async () => {
        const now = await cluster.connectionsByPort(example.name)
        return [...now.values()].every((count) => count === 0) ? true : undefined
      },
      5000,
    ).catch(() => undefined)
    assert.deepEqual(
      [...(await cluster.connectionsByPort(example.name)).values()].filter((count) => count > 0),
      [],
      `connections left after close: ${JSON.stringify([...counts])}`,
    )
  })
})
