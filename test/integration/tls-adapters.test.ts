/**
 * ioredis 5 and 6 and node-redis (`redis`) 5 and 6 against a real three-master TLS cluster (tls-cluster.ts)
 * whose certificates name each node's `.localhost` name only, with certificate checks on
 * (`rejectUnauthorized: true`, the throwaway CA the one trust anchor). One seed is given, so the other two
 * nodes are dialled only as the client's map (`natMap`, `nodeAddressMap`) answers.
 *
 * - Announced by hostname (`cluster-preferred-endpoint-type hostname`): with the adapters' `tls` option,
 *   every node is dialled at 127.0.0.1 (the keyer's loopback answer for a `.localhost` name) and verified
 *   against its name: commands succeed, one connection per node after three topology refreshes, and three
 *   connects in all. The same answers without the `servername` fail the certificate check of the nodes the
 *   seed is not (`ERR_TLS_CERT_ALTNAME_INVALID`): that is what the servername fixes.
 * - Announced by IP (hostnames only in the `CLUSTER SLOTS` metadata, which both clients drop): `tls` alone
 *   cannot name the other nodes, and their certificate check fails; with `topology` (the seed's
 *   `CLUSTER SLOTS`, read by `readClusterSlots`), and with `preferredEndpoint: 'hostname'`, commands succeed
 *   with one connection per node.
 *
 * Connections are counted by the servers (`CLIENT LIST`, by connection name); every wait is bounded.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Redis as Ioredis5, Cluster as Ioredis5Cluster } from 'ioredis'
import { Cluster as Ioredis6Cluster } from 'ioredis6'
import { createCluster as createCluster5 } from 'redis'
import { createCluster as createCluster6 } from 'redis6'
import {
  type IoredisNatMapOptions,
  type IoredisNode,
  ioredisNatMap,
  ioredisStartupNodes,
} from '../../src/adapters/ioredis.ts'
import {
  type NodeRedisAddress,
  type NodeRedisAddressMapOptions,
  nodeRedisAddressMap,
  nodeRedisRootNodes,
} from '../../src/adapters/node-redis.ts'
import { type ClusterTopology, readClusterSlots } from '../../src/topology/index.ts'
import { skipUnlessRedis, waitFor } from './redis-cluster-harness.ts'
import { startTlsCluster, type TlsCluster } from './tls-cluster.ts'

const skip = skipUnlessRedis()

type ClientName = 'ioredis 5' | 'ioredis 6' | 'node-redis 5' | 'node-redis 6'
const CLIENTS: readonly ClientName[] = ['ioredis 5', 'ioredis 6', 'node-redis 5', 'node-redis 6']

/** The node's certificate does not name what the client checked it against. */
const ALTNAME = 'ERR_TLS_CERT_ALTNAME_INVALID'

/** How the adapters are set up in a run. */
interface Setup {
  /** Leave the adapter's servername out of every map answer (the seed keeps its own). */
  readonly stripServername?: boolean
  readonly topology?: () => ClusterTopology | undefined
  readonly preferredEndpoint?: 'ip' | 'hostname'
}

/** A client under test, driven the same way whatever it is. */
interface Driver {
  set(key: string, value: string): Promise<unknown>
  get(key: string): Promise<string | null>
  refresh(round: number): Promise<void>
  /** Node connections established so far (the client's events). */
  connects(): number
  /** Every error the client reported, its own and its nodes'. */
  errors(): readonly unknown[]
  close(): Promise<void>
}

const within = <T>(what: string, ms: number, promise: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}.`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const mapOptions = (setup: Setup) => ({
  ...(setup.topology === undefined ? {} : { topology: setup.topology }),
  ...(setup.preferredEndpoint === undefined ? {} : { preferredEndpoint: setup.preferredEndpoint }),
})

const ioredisDriver = async (
  version: 5 | 6,
  cluster: TlsCluster,
  setup: Setup,
  name: string,
  ready: boolean,
): Promise<Driver> => {
  let connects = 0
  const errors: unknown[] = []
  const tls = { ca: cluster.ca, rejectUnauthorized: true }
  const options: IoredisNatMapOptions = { tls, ...mapOptions(setup) }
  const natMap = ioredisNatMap(undefined, options)
  const seed = cluster.nodes[0]!
  const startupNodes = ioredisStartupNodes([`${seed.name}:${seed.port}`], undefined, { tls })
  const clusterOptions = {
    redisOptions: { connectionName: name },
    slotsRefreshInterval: 0,
    // A failed start ends the client instead of trying again for ever.
    clusterRetryStrategy: () => null,
    natMap: (address: string): IoredisNode | null => {
      const node = natMap(address)
      if (setup.stripServername === true && node?.tls !== undefined) delete node.tls.servername
      return node
    },
  }
  const client =
    version === 5
      ? new Ioredis5Cluster(startupNodes, clusterOptions)
      : new Ioredis6Cluster(startupNodes, clusterOptions)
  client.on('error', (error: unknown) => errors.push(error))
  client.on('node error', (error: unknown) => errors.push(error))
  client.on('+node', (redis: { on(event: 'connect', listener: () => void): unknown }) => {
    redis.on('connect', () => connects++)
  })
  if (ready) {
    await within(
      `ioredis ${version} to be ready`,
      20_000,
      new Promise<void>((resolve, reject) => {
        client.once('ready', () => resolve())
        client.once('end', () => reject(new Error(`ioredis ${version} ended before ready: ${errors}`)))
      }),
    )
  }
  return {
    set: (key, value) => client.set(key, value),
    get: (key) => client.get(key),
    refresh: () =>
      new Promise<void>((resolve, reject) =>
        client.refreshSlotsCache((error?: Error | null) => (error ? reject(error) : resolve())),
      ),
    connects: () => connects,
    errors: () => errors,
    close: async () => {
      await within('ioredis to quit', 10_000, client.quit()).catch(() => client.disconnect())
    },
  }
}

const nodeRedisDriver = async (
  version: 5 | 6,
  cluster: TlsCluster,
  setup: Setup,
  name: string,
  ready: boolean,
): Promise<Driver> => {
  let connects = 0
  const errors: unknown[] = []
  const seed = cluster.nodes[0]!
  const trust = { ca: cluster.ca, rejectUnauthorized: true }
  // Both forms of the option: node-redis 5 takes the TLS options from `defaults.socket` (tls: true),
  // node-redis 6 from the adapter (the options themselves).
  const tls = version === 5 ? true : trust
  const options: NodeRedisAddressMapOptions = { tls, ...mapOptions(setup) }
  const addressMap = nodeRedisAddressMap(undefined, options)
  const socket = {
    ...(version === 5 ? { tls: true as const, ...trust } : {}),
    // A failed start rejects connect() instead of trying again for ever.
    ...(ready ? {} : { reconnectStrategy: false as const }),
  }
  const clusterOptions = {
    rootNodes: nodeRedisRootNodes([`${seed.name}:${seed.port}`], undefined, { tls }),
    defaults: { name, socket },
    nodeAddressMap: (address: string): NodeRedisAddress | undefined => {
      const answer = addressMap(address)
      if (setup.stripServername === true && answer !== undefined) delete answer.servername
      return answer
    },
  }
  const client = (version === 5
    ? createCluster5(clusterOptions)
    : createCluster6(clusterOptions)) as unknown as {
    on(event: string, listener: (...args: unknown[]) => void): unknown
    connect(): Promise<unknown>
    set(key: string, value: string): Promise<unknown>
    get(key: string): Promise<string | null>
    readonly masters: readonly unknown[]
    nodeClient(node: unknown): Promise<unknown>
    readonly _slots: { rediscover(client: unknown): Promise<void> }
    close(): Promise<void>
    destroy(): void
  }
  client.on('error', (error: unknown) => errors.push(error))
  client.on('node-error', (error: unknown) => errors.push(error))
  client.on('node-connect', () => connects++)
  const connecting = within(`node-redis ${version} to connect`, 20_000, client.connect())
  if (ready) await connecting
  else await connecting.catch((error: unknown) => errors.push(error))
  return {
    set: (key, value) => client.set(key, value),
    get: (key) => client.get(key),
    refresh: async (round) => {
      const masters = client.masters
      const node = await client.nodeClient(masters[round % masters.length]!)
      await client._slots.rediscover(node)
    },
    connects: () => connects,
    errors: () => errors,
    close: async () => {
      await within('node-redis to close', 10_000, client.close()).catch(() => client.destroy())
    },
  }
}

const open = (client: ClientName, cluster: TlsCluster, setup: Setup, name: string, ready: boolean) =>
  client.startsWith('ioredis')
    ? ioredisDriver(client === 'ioredis 5' ? 5 : 6, cluster, setup, name, ready)
    : nodeRedisDriver(client === 'node-redis 5' ? 5 : 6, cluster, setup, name, ready)

let names = 0
const uniqueName = (scenario: string): string => `cnk-tls-${scenario}-${process.pid}-${++names}`

/** Write and read back `count` keys, which fall in every node's slots. */
const traffic = async (driver: Driver, tag: string, count = 30): Promise<void> => {
  await Promise.all(Array.from({ length: count }, (_, i) => driver.set(`${tag}:${i}`, `v${i}`)))
  const values = await Promise.all(Array.from({ length: count }, (_, i) => driver.get(`${tag}:${i}`)))
  assert.deepEqual(
    values,
    Array.from({ length: count }, (_, i) => `v${i}`),
  )
}

/** Connections named `name` per node, once closed ones have left `CLIENT LIST` (bounded: 20 looks). */
const settledConnections = async (
  cluster: TlsCluster,
  name: string,
  expected: number[],
): Promise<number[]> => {
  let counts = await cluster.connectionsNamed(name)
  for (let i = 0; i < 20 && counts.join() !== expected.join(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    counts = await cluster.connectionsNamed(name)
  }
  return counts
}

const codeOf = (error: unknown): unknown =>
  typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined

/**
 * Commands succeed with certificate checks on; after 3 refreshes with traffic, one connection per node and
 * one connect per node.
 */
const succeeds = async (client: ClientName, cluster: TlsCluster, setup: Setup, scenario: string) => {
  const name = uniqueName(scenario)
  const driver = await open(client, cluster, setup, name, true)
  try {
    await traffic(driver, name)
    const counts: number[][] = [await settledConnections(cluster, name, [1, 1, 1])]
    for (let round = 0; round < 3; round++) {
      await driver.refresh(round)
      await traffic(driver, `${name}:r${round}`)
      counts.push(await settledConnections(cluster, name, [1, 1, 1]))
    }
    console.log(
      `# tls-adapters | ${client} | ${scenario} | connections per node ${JSON.stringify(counts.at(-1))} | connects ${driver.connects()}`,
    )
    assert.deepEqual(
      counts,
      Array.from({ length: 4 }, () => [1, 1, 1]),
      'one connection per node at every check',
    )
    assert.equal(driver.connects(), 3, 'one connect per node')
    assert.deepEqual(
      driver.errors().filter((error) => codeOf(error) === ALTNAME),
      [],
    )
  } finally {
    await driver.close()
  }
  assert.deepEqual(await settledConnections(cluster, name, [0, 0, 0]), [0, 0, 0])
}

/** The nodes the seed is not fail their certificate check: `ERR_TLS_CERT_ALTNAME_INVALID`, within 20 s. */
const failsTheNameCheck = async (client: ClientName, cluster: TlsCluster, setup: Setup, scenario: string) => {
  const name = uniqueName(scenario)
  const driver = await open(client, cluster, setup, name, false)
  try {
    // ioredis connects to a node when a command is first sent to it; node-redis at once.
    const sent = Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => within('a command', 20_000, driver.set(`${name}:${i}`, 'v'))),
    )
    const error = await waitFor(
      `an ${ALTNAME} error from ${client}`,
      async () => driver.errors().find((candidate) => codeOf(candidate) === ALTNAME),
      20_000,
    )
    console.log(`# tls-adapters | ${client} | ${scenario} | ${String((error as Error).message)}`)
    assert.match(
      (error as Error).message,
      /Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1/,
    )
    const results = await sent
    assert.ok(
      results.some((result) => result.status === 'rejected'),
      'commands to the nodes that failed the check do not succeed',
    )
  } finally {
    await driver.close()
  }
}

describe('the adapters against a real TLS cluster, certificates for names only', { skip }, () => {
  describe('announced by hostname', () => {
    let cluster: TlsCluster
    before(async () => {
      cluster = await startTlsCluster({ announce: 'hostname' })
    })
    after(() => cluster?.stop())

    test('CLUSTER SLOTS gives the names, and the certificates name nothing else', async () => {
      const slots = await cluster.cli(0, ['CLUSTER', 'SLOTS'])
      for (const node of cluster.nodes) assert.ok(slots.includes(`${node.name}\n${node.port}\n`), node.name)
    })

    for (const client of CLIENTS) {
      test(`${client}: with tls, every node verified against its name`, () =>
        succeeds(client, cluster, {}, 'hostname'))
      test(`${client}: the same answers without the servername fail the name check`, () =>
        failsTheNameCheck(client, cluster, { stripServername: true }, 'hostname-no-servername'))
    }
  })

  describe('announced by IP, hostnames in the metadata', () => {
    let cluster: TlsCluster
    let topology: ClusterTopology
    before(async () => {
      cluster = await startTlsCluster({ announce: 'ip' })
      // The seed's CLUSTER SLOTS, read over TLS with the seed's own name, as an application would.
      const seed = cluster.nodes[0]!
      const [node] = ioredisStartupNodes([`${seed.name}:${seed.port}`], undefined, {
        tls: { ca: cluster.ca, rejectUnauthorized: true },
      })
      const redis = new Ioredis5({ ...node, lazyConnect: true, retryStrategy: () => null })
      try {
        topology = readClusterSlots(await within('CLUSTER SLOTS', 10_000, redis.cluster('SLOTS')))
      } finally {
        redis.disconnect()
      }
    })
    after(() => cluster?.stop())

    test('CLUSTER SLOTS gives IP addresses, the names only as metadata', () => {
      assert.deepEqual(
        topology.nodes.map((node) => [node.announced, node.hostname, node.port]).sort(),
        cluster.nodes.map((node) => ['127.0.0.1', node.name, node.port]).sort(),
      )
    })

    for (const client of CLIENTS) {
      test(`${client}: tls alone cannot name the nodes the client is given by IP`, () =>
        failsTheNameCheck(client, cluster, {}, 'ip-no-topology'))
      const preferredEndpoint = client.endsWith('6') ? ('hostname' as const) : undefined
      const label = preferredEndpoint === undefined ? 'topology' : "topology and preferredEndpoint 'hostname'"
      test(`${client}: with tls and ${label}, every node verified against its name`, () =>
        succeeds(
          client,
          cluster,
          { topology: () => topology, ...(preferredEndpoint === undefined ? {} : { preferredEndpoint }) },
          'ip-topology',
        ))
    }
  })
})
