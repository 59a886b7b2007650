/**
 * ioredis 5 and 6 and node-redis (`redis`) 5 and 6 against a real 3-master cluster, with and without the
 * adapters of `canonical-node-key/ioredis` and `canonical-node-key/node-redis`. Connections are counted by
 * the servers (`CLIENT LIST`, by connection name), reconnects from the clients' own events (a pool
 * connection's `connect` for ioredis, `node-connect` for node-redis): each node needs one connect, every
 * further one is a reconnect.
 *
 * Scenarios: seeds in mixed spellings with one ASK, one MOVED and 5 refreshes (ip mode); the same seeds in
 * hostname mode with 5 refreshes; and 20 refreshes after one node is re-announced as `::1` in ip mode, so
 * peers report it (and, from it, each other) as `::1` or `127.0.0.1` depending on who is asked. Asserted: with
 * the ioredis adapter (the function or the table) and the dual-stack policy, 1 connection per node and 0
 * reconnects; every other row is measured and printed (`# client-adapters` lines), not asserted. And a lone
 * master, whose CLUSTER SLOTS gives an empty host: node-redis passes `:port` to `nodeAddressMap`, which
 * reports it to `onInvalid` and leaves it to node-redis. Last, the two examples of the README run against
 * the hostname-mode cluster.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Cluster as Ioredis5Cluster } from 'ioredis'
import { Cluster as Ioredis6Cluster } from 'ioredis6'
import { createCluster as createCluster5 } from 'redis'
import { createCluster as createCluster6 } from 'redis6'
import { keyHashSlot } from '../../examples/redis-cluster/hash-slot.ts'
import type { Reply } from '../../examples/redis-cluster/resp.ts'
import {
  type AddressKeyer,
  ioredisNatMap,
  ioredisNatMapTable,
  ioredisStartupNodes,
} from '../../src/adapters/ioredis.ts'
import { nodeRedisAddressMap, nodeRedisRootNodes } from '../../src/adapters/node-redis.ts'
import { canonicalNodeKey, createNodeKeyer, loopbackResolver } from '../../src/index.ts'
import { type Cluster, skipUnlessRedis, startCluster, waitFor } from './redis-cluster-harness.ts'

const skip = skipUnlessRedis()
const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

type ClientName = 'ioredis 5' | 'ioredis 6' | 'node-redis 5' | 'node-redis 6'
const CLIENTS: readonly ClientName[] = ['ioredis 5', 'ioredis 6', 'node-redis 5', 'node-redis 6']

/**
 * `none`: the client as it is; `adapter`: the adapter with the default keyer; `dual-stack`: with the policy;
 * `table`: ioredis only, `ioredisNatMapTable` (the object `natMap` of ioredis before 5.5.0, which later
 * versions still accept) with the policy, listing both loopback spellings of every seed.
 */
type Adapter = 'none' | 'adapter' | 'dual-stack' | 'table'

/** A client under test, driven the same way whatever it is. */
interface Driver {
  set(key: string, value: string): Promise<unknown>
  get(key: string): Promise<string | null>
  /** One topology refresh, as the client does it. */
  refresh(round: number): Promise<void>
  /** Pool connections established so far (the client's events). */
  connects(): number
  /** How many times the adapter was asked (0 without one). */
  mapped(): number
  close(): Promise<void>
}

const keyerFor = (adapter: Adapter): AddressKeyer =>
  adapter === 'dual-stack' || adapter === 'table'
    ? createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
    : canonicalNodeKey

const ioredisDriver = async (
  version: 5 | 6,
  seeds: readonly string[],
  adapter: Adapter,
  name: string,
): Promise<Driver> => {
  let connects = 0
  let mapped = 0
  const keyer = keyerFor(adapter)
  const natMap = ioredisNatMap(keyer)
  // The table's lookups are counted through a proxy: ioredis reads it with `natMap[key]`.
  const table = () =>
    new Proxy(
      ioredisNatMapTable(
        seeds.flatMap((seed) => [seed, seed.replace('127.0.0.1', '::1')]),
        keyer,
      ),
      {
        get: (target, key) => {
          mapped++
          return Reflect.get(target, key)
        },
      },
    )
  const options = {
    redisOptions: { connectionName: name },
    // Refreshes happen when the test says, so each run sees the same number.
    slotsRefreshInterval: 0,
    ...(adapter === 'none'
      ? {}
      : {
          natMap:
            adapter === 'table'
              ? table()
              : (address: string) => {
                  mapped++
                  return natMap(address)
                },
        }),
  }
  const startupNodes = adapter === 'none' ? [...seeds] : ioredisStartupNodes(seeds, keyer)
  const cluster =
    version === 5 ? new Ioredis5Cluster(startupNodes, options) : new Ioredis6Cluster(startupNodes, options)
  const errors: unknown[] = []
  cluster.on('error', (error: unknown) => errors.push(error))
  cluster.on('+node', (redis: { on(event: 'connect', listener: () => void): unknown }) => {
    redis.on('connect', () => connects++)
  })
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', () => resolve())
    cluster.once('end', () => reject(new Error(`ioredis ${version} ended before ready: ${errors}`)))
  })
  return {
    set: (key, value) => cluster.set(key, value),
    get: (key) => cluster.get(key),
    refresh: () =>
      new Promise<void>((resolve, reject) =>
        cluster.refreshSlotsCache((error?: Error | null) => (error ? reject(error) : resolve())),
      ),
    connects: () => connects,
    mapped: () => mapped,
    close: async () => {
      await cluster.quit().catch(() => cluster.disconnect())
    },
  }
}

const nodeRedisDriver = async (
  version: 5 | 6,
  seeds: readonly string[],
  adapter: Adapter,
  name: string,
): Promise<Driver> => {
  let connects = 0
  let mapped = 0
  const keyer = keyerFor(adapter)
  const addressMap = nodeRedisAddressMap(keyer)
  // Without the adapter, seeds as node-redis users write them: URLs (brackets for IPv6).
  const rootNodes =
    adapter === 'none'
      ? seeds.map((seed) => ({ url: seed.includes('://') ? seed : `redis://${seed}` }))
      : nodeRedisRootNodes(seeds, keyer)
  const options = {
    rootNodes,
    defaults: { name },
    ...(adapter === 'none'
      ? {}
      : {
          nodeAddressMap: (address: string) => {
            mapped++
            return addressMap(address)
          },
        }),
  }
  // The two versions' cluster types do not unify; the driver needs only this much of either.
  const cluster = (version === 5 ? createCluster5(options) : createCluster6(options)) as unknown as {
    on(event: string, listener: (...args: unknown[]) => void): unknown
    connect(): Promise<unknown>
    set(key: string, value: string): Promise<unknown>
    get(key: string): Promise<string | null>
    readonly masters: readonly unknown[]
    nodeClient(node: unknown): Promise<unknown>
    readonly _slots: { rediscover(client: unknown): Promise<void> }
    close(): Promise<void>
  }
  const errors: unknown[] = []
  cluster.on('error', (error: unknown) => errors.push(error))
  cluster.on('node-error', () => {})
  cluster.on('node-connect', () => connects++)
  await cluster.connect()
  return {
    set: (key, value) => cluster.set(key, value),
    get: (key) => cluster.get(key),
    refresh: async (round) => {
      // node-redis refreshes on MOVED only; its own rediscovery, started from each master in turn.
      const masters = cluster.masters
      const client = await cluster.nodeClient(masters[round % masters.length]!)
      await cluster._slots.rediscover(client)
    },
    connects: () => connects,
    mapped: () => mapped,
    close: () => cluster.close(),
  }
}

const open = (client: ClientName, seeds: readonly string[], adapter: Adapter, name: string) => {
  switch (client) {
    case 'ioredis 5':
      return ioredisDriver(5, seeds, adapter, name)
    case 'ioredis 6':
      return ioredisDriver(6, seeds, adapter, name)
    case 'node-redis 5':
      return nodeRedisDriver(5, seeds, adapter, name)
    case 'node-redis 6':
      return nodeRedisDriver(6, seeds, adapter, name)
  }
}

let names = 0
const uniqueName = (scenario: string): string => `cnk-adapters-${scenario}-${process.pid}-${++names}`

/** Write and read back `count` keys spread over every node. */
const traffic = async (driver: Driver, tag: string, count = 30): Promise<void> => {
  await Promise.all(Array.from({ length: count }, (_, i) => driver.set(`${tag}:${i}`, `v${i}`)))
  const values = await Promise.all(Array.from({ length: count }, (_, i) => driver.get(`${tag}:${i}`)))
  assert.deepEqual(
    values,
    Array.from({ length: count }, (_, i) => `v${i}`),
  )
}

/**
 * Connections named `name` per node, once closed connections have left `CLIENT LIST` (a client closes its
 * discovery connection just before it returns; the server may list it a moment longer).
 */
const settledConnections = async (cluster: Cluster, name: string, expected: number[]): Promise<number[]> => {
  let counts = await cluster.connectionsNamed(name)
  for (let i = 0; i < 10 && counts.join() !== expected.join(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    counts = await cluster.connectionsNamed(name)
  }
  return counts
}

/** One row of the measured table. */
interface Row {
  client: ClientName
  scenario: string
  adapter: Adapter
  /** The most connections any node held at a check, and the sum over nodes at the last check. */
  maxPerNode: number
  final: number[]
  connects: number
  reconnects: number
}
const rows: Row[] = []

const record = (row: Row): void => {
  rows.push(row)
  console.log(
    `# client-adapters | ${row.client} | ${row.scenario} | ${row.adapter} | max per node ${row.maxPerNode} | final ${JSON.stringify(row.final)} | connects ${row.connects} | reconnects ${row.reconnects}`,
  )
}

/** Refresh `rounds` times with traffic after each, checking connections; returns the most seen on a node. */
const churn = async (
  cluster: Cluster,
  driver: Driver,
  name: string,
  rounds: number,
): Promise<{ maxPerNode: number; final: number[] }> => {
  let maxPerNode = 0
  let final: number[] = []
  for (let round = 0; round < rounds; round++) {
    await driver.refresh(round)
    await traffic(driver, `${name}:r${round}`)
    final = await settledConnections(cluster, name, [1, 1, 1])
    maxPerNode = Math.max(maxPerNode, ...final)
  }
  return { maxPerNode, final }
}

const errorStat = async (cluster: Cluster, index: number, error: string): Promise<number> => {
  const info = String(await cluster.command(index, ['INFO', 'errorstats']))
  const match = new RegExp(`errorstat_${error}:count=(\\d+)`).exec(info)
  return match === null ? 0 : Number(match[1])
}

/** The adapter rows that must hold: the ioredis adapter with the dual-stack policy. */
const mustHold = (client: ClientName, adapter: Adapter): boolean =>
  client.startsWith('ioredis') && (adapter === 'dual-stack' || adapter === 'table')

/**
 * Refresh `rounds` times with traffic, record the row, and assert it where it must hold: 1 connection per
 * node at every check and no connect beyond the first per node.
 */
const measure = async (run: {
  cluster: Cluster
  driver: Driver
  name: string
  rounds: number
  client: ClientName
  adapter: Adapter
  scenario: string
}): Promise<void> => {
  const { cluster, driver, name, rounds, client, adapter, scenario } = run
  const { maxPerNode, final } = await churn(cluster, driver, name, rounds)
  const connects = driver.connects()
  record({ client, scenario, adapter, maxPerNode, final, connects, reconnects: connects - 3 })
  if (adapter !== 'none') assert.ok(driver.mapped() > 0, 'the adapter was asked')
  if (mustHold(client, adapter)) {
    assert.deepEqual({ maxPerNode, final, connects }, { maxPerNode: 1, final: [1, 1, 1], connects: 3 })
  }
}

describe('ioredis and node-redis with the adapters (real servers)', { skip }, () => {
  after(() => {
    console.log(`# client-adapters: ${rows.length} rows`)
  })

  describe('ip mode', () => {
    let cluster: Cluster
    let ports: number[]
    before(async () => {
      cluster = await startCluster('ip')
      ports = cluster.nodes.map((node) => node.port)
    })
    after(() => cluster?.stop())

    const mixedSeeds = (): string[] => [
      `LOCALHOST:${ports[0]}`,
      `[::1]:${ports[1]}`,
      `redis://localhost:${ports[2]}`,
      `127.0.0.1:${ports[0]}`,
    ]

    let migrations = 0
    for (const client of CLIENTS) {
      for (const adapter of ['none', 'dual-stack'] as const) {
        test(`${client}, ${adapter}: mixed seeds, one ASK, one MOVED, 5 refreshes`, async () => {
          const name = uniqueName('ip')
          const tag = `{mig${++migrations}}`
          const slot = keyHashSlot(tag)
          const from = await cluster.ownerOf(slot)
          const to = (from + 1) % 3
          const driver = await open(client, mixedSeeds(), adapter, name)
          try {
            await traffic(driver, name)
            await driver.set(`${tag}a`, 'alpha')
            await driver.set(`${tag}b`, 'beta')
            const source = cluster.nodes[from]!
            const target = cluster.nodes[to]!
            const askBefore = await errorStat(cluster, from, 'ASK')
            await cluster.command(to, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id])
            await cluster.command(from, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id])
            await cluster.command(from, [
              'MIGRATE',
              cluster.host,
              target.port,
              '',
              0,
              5000,
              'KEYS',
              `${tag}a`,
            ])
            assert.equal(await driver.get(`${tag}a`), 'alpha', 'read through ASK')
            assert.equal(await errorStat(cluster, from, 'ASK'), askBefore + 1, 'the source answered one ASK')

            for (;;) {
              const keys = (await cluster.command(from, ['CLUSTER', 'GETKEYSINSLOT', slot, 1000])) as string[]
              if (keys.length === 0) break
              await cluster.command(from, [
                'MIGRATE',
                cluster.host,
                target.port,
                '',
                0,
                5000,
                'KEYS',
                ...keys,
              ])
            }
            for (const index of [to, from, 3 - from - to]) {
              await cluster.command(index, ['CLUSTER', 'SETSLOT', slot, 'NODE', target.id])
            }
            const movedBefore = await errorStat(cluster, from, 'MOVED')
            assert.equal(await driver.get(`${tag}b`), 'beta', 'read through MOVED')
            assert.ok((await errorStat(cluster, from, 'MOVED')) > movedBefore, 'the source answered MOVED')

            await measure({
              cluster,
              driver,
              name,
              rounds: 5,
              client,
              adapter,
              scenario: 'ip: mixed seeds, ASK, MOVED, 5 refreshes',
            })
          } finally {
            await driver.close()
            await cluster.settle()
          }
          assert.deepEqual(await settledConnections(cluster, name, [0, 0, 0]), [0, 0, 0])
        })
      }
    }

    // Last in this cluster: it re-announces node 2 and leaves it so.
    test('node 2 re-announced as ::1: nodes come to spell some nodes two ways', async (t) => {
      await cluster.command(2, ['CONFIG', 'SET', 'cluster-announce-ip', '::1'])
      let views: string[][] = []
      await waitFor(
        'one node id under two spellings',
        async () => {
          views = await Promise.all(
            [0, 1, 2].map(async (i) =>
              ((await cluster.command(i, ['CLUSTER', 'SLOTS'])) as Reply[][]).map((range) => {
                const master = range[2] as Reply[]
                return `${String(master[2]).slice(0, 8)} ${String(master[0])}`
              }),
            ),
          )
          const spellings = new Map<string, Set<string>>()
          for (const entry of views.flat()) {
            const [id, host] = entry.split(' ') as [string, string]
            spellings.set(id, (spellings.get(id) ?? new Set()).add(host))
          }
          // Node 2 reports itself as ::1 at once; wait until a peer has learned it too.
          const node2 = cluster.nodes[2]!.id.slice(0, 8)
          return [...spellings.values()].some((hosts) => hosts.size > 1) && views[0]!.includes(`${node2} ::1`)
            ? true
            : undefined
        },
        30_000,
      )
      t.diagnostic(`views (node id, host) from nodes 0, 1, 2: ${JSON.stringify(views)}`)
    })

    for (const client of CLIENTS) {
      const adapters: Adapter[] = ['none', 'adapter', 'dual-stack']
      if (client.startsWith('ioredis')) adapters.push('table')
      for (const adapter of adapters) {
        test(`${client}, ${adapter}: 20 refreshes with node 2 announced as ::1`, async () => {
          const name = uniqueName('announce')
          const driver = await open(
            client,
            ports.map((port) => `127.0.0.1:${port}`),
            adapter,
            name,
          )
          try {
            await traffic(driver, name)
            await measure({
              cluster,
              driver,
              name,
              rounds: 20,
              client,
              adapter,
              scenario: 'ip, node 2 announced as ::1: 20 refreshes',
            })
          } finally {
            await driver.close()
          }
          assert.deepEqual(await settledConnections(cluster, name, [0, 0, 0]), [0, 0, 0])
        })
      }
    }
  })

  describe('a lone master (CLUSTER SLOTS gives an empty host)', () => {
    let cluster: Cluster
    before(async () => {
      cluster = await startCluster('ip', { masters: 1 })
    })
    after(() => cluster?.stop())

    for (const version of [5, 6] as const) {
      test(`node-redis ${version}: ':port' reaches nodeAddressMap, is reported to onInvalid, and dialled as it is`, async () => {
        const port = cluster.nodes[0]!.port
        const name = uniqueName('lone')
        const refused: string[] = []
        const options = {
          rootNodes: nodeRedisRootNodes([`LOCALHOST:${port}`]),
          nodeAddressMap: nodeRedisAddressMap(undefined, {
            onInvalid: (address, error) => refused.push(`${address} ${error.reason}`),
          }),
          defaults: { name },
        }
        const client = version === 5 ? createCluster5(options) : createCluster6(options)
        client.on('error', () => {})
        await client.connect()
        try {
          await client.set('lone', 'value')
          assert.equal(await client.get('lone'), 'value')
          assert.deepEqual([...new Set(refused)], [`:${port} empty-host`])
          assert.deepEqual(await settledConnections(cluster, name, [1]), [1])
        } finally {
          await client.close()
        }
      })
    }
  })

  describe('hostname mode', () => {
    let cluster: Cluster
    let ports: number[]
    before(async () => {
      cluster = await startCluster('hostname')
      ports = cluster.nodes.map((node) => node.port)
    })
    after(() => cluster?.stop())

    for (const client of CLIENTS) {
      for (const adapter of ['none', 'dual-stack'] as const) {
        test(`${client}, ${adapter}: mixed seeds, nodes announced as localhost, 5 refreshes`, async () => {
          const name = uniqueName('hostname')
          const seeds = [`LOCALHOST:${ports[0]}`, `[::1]:${ports[1]}`, `redis://localhost:${ports[2]}`]
          seeds.push(`127.0.0.1:${ports[0]}`)
          const driver = await open(client, seeds, adapter, name)
          try {
            await traffic(driver, name)
            await measure({
              cluster,
              driver,
              name,
              rounds: 5,
              client,
              adapter,
              scenario: 'hostname: mixed seeds, 5 refreshes',
            })
          } finally {
            await driver.close()
          }
          assert.deepEqual(await settledConnections(cluster, name, [0, 0, 0]), [0, 0, 0])
        })
      }
    }

    // The README's examples, run as a user runs them (their npm scripts), against this cluster's seeds.
    for (const [example, expected] of [
      ['ioredis', /pool: \[ '127\.0\.0\.1:\d+', '127\.0\.0\.1:\d+', '127\.0\.0\.1:\d+' \]/],
      ['node-redis', /masters: \[ 'localhost:\d+', 'localhost:\d+', 'localhost:\d+' \]/],
    ] as const) {
      test(`npm run example:${example} runs`, async () => {
        const seeds = [`LOCALHOST:${ports[0]}`, `redis://localhost:${ports[1]}`]
        const { stdout } = await run(npm, ['run', '--silent', `example:${example}`, '--', ...seeds], {
          cwd: root,
          timeout: 60_000,
        })
        assert.match(stdout, expected)
      })
    }
  })
})
