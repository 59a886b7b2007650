/**
 * The Valkey clients against real servers: Valkey GLIDE (`@valkey/valkey-glide`, its cluster client) with
 * and without the adapter of `canonical-node-key/valkey-glide`, and iovalkey's `Cluster` with the ioredis
 * adapter's functions as they are (iovalkey 0.4 reads `natMap` as ioredis 5.5 does: a `host:port` string
 * in, `{ host, port }` out, the answer keying its pool; `built/cluster/index.js` `natMapper`).
 *
 * GLIDE keeps two connections a node: a user connection, which carries the client's name, and one named
 * `glide_management_connection`. Counted here: both, by name, on every node at every check, and the
 * connections each node accepted while the client lived (`total_connections_received`, the harness's own
 * connections being long-lived), so a connection opened and closed between checks still counts. Topology
 * refreshes are GLIDE's periodic checks, every second.
 *
 * Scenarios: seeds that alias (`LOCALHOST` and `127.0.0.1` for one node, `localhost`, `::1`) with one MOVED,
 * in ip mode; the same seeds in hostname mode (nodes announced as `localhost`); and, in ip mode, node 2
 * re-announced as `::1`, so the nodes spell some nodes two ways. Asserted with the adapter (dual-stack
 * policy): 2 connections opened a node, 1 user and 1 management connection on each at every check. The
 * rows without it are measured and printed (`# valkey-clients` lines). Then TLS: a standalone server whose
 * certificate names `localhost` only, to show that GLIDE checks the host it dials (the adapter's `tls`
 * option keeps the name; without it the keyer's `127.0.0.1` fails verification), and a TLS cluster whose
 * certificates name the IP address too, through the adapter.
 */
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { GlideClient, GlideClusterClient } from '@valkey/valkey-glide'
import { Cluster as IovalkeyCluster, type ClusterOptions as IovalkeyOptions } from 'iovalkey'
import { keyHashSlot } from '../../examples/redis-cluster/hash-slot.ts'
import type { Reply } from '../../examples/redis-cluster/resp.ts'
import { ioredisNatMap, ioredisStartupNodes } from '../../src/adapters/ioredis.ts'
import { valkeyGlideAddresses, valkeyGlideAddressResolver } from '../../src/adapters/valkey-glide.ts'
import { createNodeKeyer, loopbackResolver } from '../../src/index.ts'
import { type Cluster, skipUnlessRedis, startCluster, waitFor } from './redis-cluster-harness.ts'
import { startTlsCluster, type TlsCluster } from './tls-cluster.ts'

const skip = skipUnlessRedis()
const run = promisify(execFile)

// The ioredis adapter's functions fit iovalkey's own option types.
const iovalkeyOptions: IovalkeyOptions = { natMap: ioredisNatMap() }

const MANAGEMENT = 'glide_management_connection'
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const dualStack = () => createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })

let names = 0
const uniqueName = (scenario: string): string => `cnk-valkey-${scenario}-${process.pid}-${++names}`

/** Connections each node has accepted since it started. */
const accepted = async (cluster: Cluster): Promise<number[]> =>
  Promise.all(
    cluster.nodes.map(async (_, index) => {
      const info = String(await cluster.command(index, ['INFO', 'stats']))
      return Number(/total_connections_received:(\d+)/.exec(info)?.[1])
    }),
  )

/** Connections named `name` a node, once closed ones have left `CLIENT LIST` (bounded: 2 s). */
const settled = async (cluster: Cluster, name: string, expected: readonly number[]): Promise<number[]> => {
  let counts = await cluster.connectionsNamed(name)
  for (let i = 0; i < 40 && counts.join() !== expected.join(); i++) {
    await sleep(50)
    counts = await cluster.connectionsNamed(name)
  }
  return counts
}

/** One measured row. */
interface Row {
  client: string
  scenario: string
  adapter: 'none' | 'dual-stack'
  /** The most user (or pool) connections any node held at a check, and their counts at the last. */
  maxPerNode: number
  final: number[]
  /** GLIDE: the most management connections a node held at a check. */
  maxManagement?: number
  /** The connections each node accepted while the client lived (GLIDE), or the pool's connects (iovalkey). */
  opened: number[] | number
  /** How many times the adapter was asked. */
  asked: number
  /** GLIDE with a MOVED: the index of the node the slot moved to. */
  movedTo?: number
}

const record = (row: Row): void => {
  console.log(
    `# valkey-clients | ${row.client} | ${row.scenario} | ${row.adapter} | max per node ${row.maxPerNode} | final ${JSON.stringify(row.final)}${row.maxManagement === undefined ? '' : ` | max management ${row.maxManagement}`} | opened ${JSON.stringify(row.opened)}${row.movedTo === undefined ? '' : ` | moved to node ${row.movedTo}`} | asked ${row.asked}`,
  )
}

/** Write and read back `count` keys spread over every node. */
const traffic = async (
  client: { set(key: string, value: string): Promise<unknown>; get(key: string): Promise<unknown> },
  tag: string,
  count = 30,
): Promise<void> => {
  await Promise.all(Array.from({ length: count }, (_, i) => client.set(`${tag}:${i}`, `v${i}`)))
  const values = await Promise.all(Array.from({ length: count }, (_, i) => client.get(`${tag}:${i}`)))
  assert.deepEqual(
    values.map(String),
    Array.from({ length: count }, (_, i) => `v${i}`),
  )
}

/** Move `slot`'s keys and ownership from its owner to the next node; resolves with both nodes' indexes. */
const moveSlot = async (cluster: Cluster, slot: number): Promise<[from: number, to: number]> => {
  const from = await cluster.ownerOf(slot)
  const to = (from + 1) % cluster.nodes.length
  const source = cluster.nodes[from]!
  const target = cluster.nodes[to]!
  await cluster.command(to, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id])
  await cluster.command(from, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id])
  for (;;) {
    const keys = (await cluster.command(from, ['CLUSTER', 'GETKEYSINSLOT', slot, 1000])) as string[]
    if (keys.length === 0) break
    await cluster.command(from, ['MIGRATE', cluster.host, target.port, '', 0, 5000, 'KEYS', ...keys])
  }
  for (let index = 0; index < cluster.nodes.length; index++) {
    await cluster.command(index, ['CLUSTER', 'SETSLOT', slot, 'NODE', target.id])
  }
  return [from, to]
}

const movedCount = async (cluster: Cluster, index: number): Promise<number> => {
  const info = String(await cluster.command(index, ['INFO', 'errorstats']))
  return Number(/errorstat_MOVED:count=(\d+)/.exec(info)?.[1] ?? 0)
}

/**
 * A GLIDE cluster client on `seeds` (`host:port`, IPv6 bare), with the adapter or without, under `rounds`
 * rounds of traffic a second apart (each after a periodic check); with `moved`, a key's slot is moved
 * after the first round and the key read through the MOVED. Records and returns the row.
 */
const glideRun = async (run: {
  cluster: Cluster
  scenario: string
  seeds: readonly { host: string; port: number }[]
  adapter: Row['adapter']
  rounds: number
  moved?: boolean
}): Promise<Row> => {
  const { cluster, scenario, seeds, adapter, rounds } = run
  const name = uniqueName('glide')
  const keyer = dualStack()
  const resolve = valkeyGlideAddressResolver(keyer)
  let asked = 0
  const before = await accepted(cluster)
  const client = await GlideClusterClient.createClient({
    addresses: adapter === 'none' ? [...seeds] : valkeyGlideAddresses(seeds, keyer),
    clientName: name,
    requestTimeout: 2000,
    advancedConfiguration: { connectionTimeout: 2000 },
    periodicChecks: { duration_in_sec: 1 },
    ...(adapter === 'none'
      ? {}
      : {
          addressResolver: (host: string, port: number) => {
            asked++
            return resolve(host, port)
          },
        }),
  })
  let maxPerNode = 0
  let maxManagement = 0
  let final: number[] = []
  let movedTo: number | undefined
  try {
    await traffic(client, name)
    if (run.moved === true) {
      const tag = `{${name}}`
      await client.set(`${tag}x`, 'moved')
      const [from, to] = await moveSlot(cluster, keyHashSlot(tag))
      movedTo = to
      const movedBefore = await movedCount(cluster, from)
      assert.equal(String(await client.get(`${tag}x`)), 'moved', 'read through MOVED')
      assert.ok((await movedCount(cluster, from)) > movedBefore, 'the old owner answered MOVED')
    }
    for (let round = 0; round < rounds; round++) {
      await sleep(1000)
      await traffic(client, `${name}:r${round}`)
      final = await settled(cluster, name, [1, 1, 1])
      maxPerNode = Math.max(maxPerNode, ...final)
      maxManagement = Math.max(maxManagement, ...(await settled(cluster, MANAGEMENT, [1, 1, 1])))
    }
  } finally {
    client.close()
  }
  const opened = (await accepted(cluster)).map((count, i) => count - before[i]!)
  assert.deepEqual(await settled(cluster, name, [0, 0, 0]), [0, 0, 0], 'closed with the client')
  assert.deepEqual(await settled(cluster, MANAGEMENT, [0, 0, 0]), [0, 0, 0], 'closed with the client')
  const row: Row = {
    client: 'valkey-glide',
    scenario,
    adapter,
    maxPerNode,
    final,
    maxManagement,
    opened,
    asked,
  }
  if (movedTo !== undefined) row.movedTo = movedTo
  record(row)
  return row
}

/**
 * The adapter's rows must hold: a connection pair a node, opened once. A MOVED sometimes costs GLIDE one
 * more connection to the slot's new owner, closed again before the next check, with the adapter or without
 * (measured: rows without it show it too), so that node may have opened 3.
 */
const assertOnePair = (row: Row): void => {
  assert.ok(row.asked > 0, 'the adapter was asked')
  const opened = row.opened as number[]
  const extra = row.movedTo === undefined ? 0 : Math.min(1, Math.max(0, opened[row.movedTo]! - 2))
  const expected = [2, 2, 2].map((count, i) => (i === row.movedTo ? count + extra : count))
  assert.deepEqual(
    { maxPerNode: row.maxPerNode, final: row.final, maxManagement: row.maxManagement, opened },
    { maxPerNode: 1, final: [1, 1, 1], maxManagement: 1, opened: expected },
  )
}

/**
 * iovalkey's `Cluster` on `seeds`, with the ioredis adapter's functions or without, under `rounds` slot
 * refreshes with traffic after each. Records and returns the row; `opened` is the pool's connects.
 */
const iovalkeyRun = async (run: {
  cluster: Cluster
  scenario: string
  seeds: readonly string[]
  adapter: Row['adapter']
  rounds: number
}): Promise<Row> => {
  const { cluster, scenario, seeds, adapter, rounds } = run
  const name = uniqueName('iovalkey')
  const keyer = dualStack()
  const natMap = ioredisNatMap(keyer)
  let asked = 0
  let connects = 0
  const client = new IovalkeyCluster(adapter === 'none' ? [...seeds] : ioredisStartupNodes(seeds, keyer), {
    redisOptions: { connectionName: name },
    slotsRefreshInterval: 0,
    ...(adapter === 'none'
      ? {}
      : {
          natMap: (address: string) => {
            asked++
            return natMap(address)
          },
        }),
  })
  const errors: unknown[] = []
  client.on('error', (error: unknown) => errors.push(error))
  client.on('+node', (redis: { on(event: 'connect', listener: () => void): unknown }) => {
    redis.on('connect', () => connects++)
  })
  let maxPerNode = 0
  let final: number[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`iovalkey not ready in 10 s: ${errors}`)), 10_000)
      client.once('ready', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    await traffic(client, name)
    for (let round = 0; round < rounds; round++) {
      await new Promise<void>((resolve, reject) =>
        client.refreshSlotsCache((error?: Error | null) => (error ? reject(error) : resolve())),
      )
      await traffic(client, `${name}:r${round}`)
      final = await settled(cluster, name, [1, 1, 1])
      maxPerNode = Math.max(maxPerNode, ...final)
    }
  } finally {
    await client.quit().catch(() => client.disconnect())
  }
  assert.deepEqual(await settled(cluster, name, [0, 0, 0]), [0, 0, 0], 'closed with the client')
  const row: Row = { client: 'iovalkey', scenario, adapter, maxPerNode, final, opened: connects, asked }
  record(row)
  return row
}

describe('Valkey GLIDE and iovalkey with the adapters (real servers)', { skip }, () => {
  test('the ioredis adapter type-checks as iovalkey options', () => {
    assert.equal(typeof iovalkeyOptions.natMap, 'function')
  })

  describe('ip mode', () => {
    let cluster: Cluster
    let ports: number[]
    before(async () => {
      cluster = await startCluster('ip')
      ports = cluster.nodes.map((node) => node.port)
    })
    after(() => cluster?.stop())

    // Two spellings of node 0, a name for node 1, and node 2 over IPv6 (bound to both, so one server).
    const aliasing = () => [
      { host: 'LOCALHOST', port: ports[0]! },
      { host: '127.0.0.1', port: ports[0]! },
      { host: 'localhost', port: ports[1]! },
      { host: '::1', port: ports[2]! },
    ]

    for (const adapter of ['none', 'dual-stack'] as const) {
      test(`valkey-glide, ${adapter}: aliasing seeds, one MOVED, 5 periodic checks`, async () => {
        const row = await glideRun({
          cluster,
          scenario: 'ip: aliasing seeds, MOVED, 5 checks',
          seeds: aliasing(),
          adapter,
          rounds: 5,
          moved: true,
        })
        if (adapter !== 'none') assertOnePair(row)
        await cluster.settle()
      })
    }

    for (const adapter of ['none', 'dual-stack'] as const) {
      test(`iovalkey, ${adapter}: aliasing seeds, 5 refreshes`, async () => {
        const row = await iovalkeyRun({
          cluster,
          scenario: 'ip: aliasing seeds, 5 refreshes',
          seeds: [
            `LOCALHOST:${ports[0]}`,
            `127.0.0.1:${ports[0]}`,
            `localhost:${ports[1]}`,
            `[::1]:${ports[2]}`,
          ],
          adapter,
          rounds: 5,
        })
        if (adapter !== 'none') {
          assert.ok(row.asked > 0, 'the adapter was asked')
          assert.deepEqual(
            { maxPerNode: row.maxPerNode, final: row.final, opened: row.opened },
            { maxPerNode: 1, final: [1, 1, 1], opened: 3 },
          )
        }
      })
    }

    // Last in this cluster: it re-announces node 2 and leaves it so.
    test('node 2 re-announced as ::1: nodes come to spell some nodes two ways', async () => {
      await cluster.command(2, ['CONFIG', 'SET', 'cluster-announce-ip', '::1'])
      await waitFor(
        'a peer to report node 2 as ::1',
        async () => {
          const slots = (await cluster.command(0, ['CLUSTER', 'SLOTS'])) as Reply[][]
          return slots.some((range) => String((range[2] as Reply[])[0]) === '::1') ? true : undefined
        },
        30_000,
      )
    })

    for (const adapter of ['none', 'dual-stack'] as const) {
      test(`valkey-glide, ${adapter}: node 2 announced as ::1, 6 periodic checks`, async () => {
        const row = await glideRun({
          cluster,
          scenario: 'ip, node 2 announced as ::1: 6 checks',
          seeds: ports.map((port) => ({ host: '127.0.0.1', port })),
          adapter,
          rounds: 6,
        })
        if (adapter !== 'none') assertOnePair(row)
      })
    }

    for (const adapter of ['none', 'dual-stack'] as const) {
      test(`iovalkey, ${adapter}: node 2 announced as ::1, 20 refreshes`, async () => {
        const row = await iovalkeyRun({
          cluster,
          scenario: 'ip, node 2 announced as ::1: 20 refreshes',
          seeds: ports.map((port) => `127.0.0.1:${port}`),
          adapter,
          rounds: 20,
        })
        if (adapter !== 'none') {
          assert.deepEqual(
            { maxPerNode: row.maxPerNode, final: row.final, opened: row.opened },
            { maxPerNode: 1, final: [1, 1, 1], opened: 3 },
          )
        }
      })
    }
  })

  describe('hostname mode (nodes announced as localhost)', () => {
    let cluster: Cluster
    let ports: number[]
    before(async () => {
      cluster = await startCluster('hostname')
      ports = cluster.nodes.map((node) => node.port)
    })
    after(() => cluster?.stop())

    for (const adapter of ['none', 'dual-stack'] as const) {
      test(`valkey-glide, ${adapter}: aliasing seeds, 4 periodic checks`, async () => {
        const row = await glideRun({
          cluster,
          scenario: 'hostname: aliasing seeds, 4 checks',
          seeds: [
            { host: 'LOCALHOST', port: ports[0]! },
            { host: '127.0.0.1', port: ports[0]! },
            { host: '127.0.0.1', port: ports[1]! },
            { host: '::1', port: ports[2]! },
          ],
          adapter,
          rounds: 4,
        })
        if (adapter !== 'none') assertOnePair(row)
      })
    }
  })

  describe('TLS', () => {
    test('valkey-glide checks the host it dials: with tls the name is kept and verified, without it the address fails', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'cnk-valkey-tls-'))
      let pid: number | undefined
      try {
        // A throwaway CA and a certificate for DNS:localhost only.
        const openssl = (args: string[]) => run('openssl', args, { cwd: dir, timeout: 30_000 })
        await openssl(
          ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
            '-keyout',
            'ca.key',
            '-out',
            'ca.crt',
            '-days',
            '1',
            '-subj',
            '/CN=cnk test CA',
          ]),
        )
        await openssl(
          ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
            '-keyout',
            'server.key',
            '-out',
            'server.csr',
            '-subj',
            '/CN=localhost',
          ]),
        )
        writeFileSync(
          join(dir, 'ext.cnf'),
          'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
        )
        await openssl(
          ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key'].concat([
            '-CAcreateserial',
            '-out',
            'server.crt',
            '-days',
            '1',
            '-extfile',
            'ext.cnf',
          ]),
        )
        const port = 20_000 + Math.floor(Math.random() * 25_000)
        const server = spawn(
          'redis-server',
          [
            '--port',
            '0',
            '--tls-port',
            String(port),
            '--bind',
            '127.0.0.1 ::1',
            '--save',
            '',
            '--appendonly',
            'no',
          ]
            .concat([
              '--tls-cert-file',
              'server.crt',
              '--tls-key-file',
              'server.key',
              '--tls-ca-cert-file',
              'ca.crt',
            ])
            .concat(['--tls-auth-clients', 'no', '--dir', dir, '--logfile', join(dir, 'redis.log')]),
          { cwd: dir, stdio: 'ignore' },
        )
        pid = server.pid
        const ca = readFileSync(join(dir, 'ca.crt'))
        await waitFor('the TLS server', async () => {
          const { stdout } = await run(
            'redis-cli',
            ['--tls', '--cacert', join(dir, 'ca.crt')].concat([
              '-h',
              'localhost',
              '-p',
              String(port),
              'PING',
            ]),
            { timeout: 5000 },
          )
          return stdout.trim() === 'PONG' ? true : undefined
        })
        const connect = (tls: boolean) =>
          GlideClient.createClient({
            addresses: valkeyGlideAddresses([`LOCALHOST:${port}`], undefined, { tls }),
            addressResolver: valkeyGlideAddressResolver(undefined, { tls }),
            useTLS: true,
            requestTimeout: 1500,
            advancedConfiguration: {
              connectionTimeout: 1500,
              tlsAdvancedConfiguration: { rootCertificates: ca },
            },
          })
        const secure = await connect(true)
        try {
          assert.equal(String(await secure.ping()), 'PONG')
        } finally {
          secure.close()
        }
        // Answered 127.0.0.1 (the keyer's localhost), the certificate does not name the host dialled.
        const refused = await connect(false).then(
          (client) => {
            client.close()
            return undefined
          },
          (error: unknown) => error,
        )
        assert.ok(refused instanceof Error, 'no connection without the name')
        t.diagnostic(`without tls: ${String(refused).split('\n')[0]}`)
      } finally {
        if (pid !== undefined) process.kill(pid, 'SIGTERM')
        await sleep(100)
        rmSync(dir, { recursive: true, force: true })
      }
    })

    describe('a TLS cluster whose certificates name 127.0.0.1 too', () => {
      let cluster: TlsCluster
      before(async () => {
        cluster = await startTlsCluster({ announce: 'hostname', ipInCertificates: true })
      })
      after(() => cluster?.stop())

      test('valkey-glide with the adapter: the nodes announced by name, dialled at 127.0.0.1, one pair a node', async () => {
        const name = uniqueName('glide-tls')
        const keyer = createNodeKeyer()
        let asked = 0
        const resolve = valkeyGlideAddressResolver(keyer)
        const client = await GlideClusterClient.createClient({
          addresses: valkeyGlideAddresses(
            cluster.nodes.map((node) => `${node.name}:${node.port}`),
            keyer,
          ),
          addressResolver: (host, port) => {
            asked++
            return resolve(host, port)
          },
          clientName: name,
          useTLS: true,
          requestTimeout: 2000,
          advancedConfiguration: {
            connectionTimeout: 2000,
            tlsAdvancedConfiguration: { rootCertificates: cluster.ca },
          },
          periodicChecks: { duration_in_sec: 1 },
        })
        try {
          await traffic(client, name)
          await sleep(1500)
          await traffic(client, `${name}:again`)
          assert.ok(asked > 0, 'the adapter was asked')
          assert.deepEqual(await cluster.connectionsNamed(name), [1, 1, 1])
          assert.deepEqual(await cluster.connectionsNamed(MANAGEMENT), [1, 1, 1])
        } finally {
          client.close()
        }
      })
    })
  })
})
