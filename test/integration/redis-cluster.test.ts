/**
 * The example cluster client against a real Redis Cluster: one connection per node whatever the spelling,
 * through a slot migration and through topology replies that spell one node two ways; and the naive
 * `Map`-keyed client leaking on the same cluster. Connections are counted by the servers (`CLIENT LIST`).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ClusterClient } from '../../examples/redis-cluster/cluster-client.ts'
import type { ClusterRouter } from '../../examples/redis-cluster/cluster-router.ts'
import { keyHashSlot } from '../../examples/redis-cluster/hash-slot.ts'
import { NaiveClusterClient } from '../../examples/redis-cluster/naive-cluster-client.ts'
import type { Reply } from '../../examples/redis-cluster/resp.ts'
import { type Cluster, skipUnlessRedis, splitSlots, startCluster, waitFor } from './redis-cluster-harness.ts'

const skip = skipUnlessRedis()
const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

let names = 0
const uniqueName = (scenario: string): string => `cnk-${scenario}-${process.pid}-${++names}`

const ONE_PER_NODE = [1, 1, 1]
const NONE = [0, 0, 0]

/** Write `count` keys, read them all back and check every value; pipelined in batches. */
const roundTrip = async (client: ClusterRouter, count: number, tag: string): Promise<void> => {
  const batch = 500
  const value = (i: number): string => `${tag}-value-${i}-${(i * 2654435761) % 1000003}`
  for (let start = 0; start < count; start += batch) {
    const writes: Promise<void>[] = []
    for (let i = start; i < Math.min(count, start + batch); i++)
      writes.push(client.set(`${tag}:key:${i}`, value(i)))
    await Promise.all(writes)
  }
  let checked = 0
  for (let start = 0; start < count; start += batch) {
    const reads: Promise<void>[] = []
    for (let i = start; i < Math.min(count, start + batch); i++) {
      reads.push(
        client.get(`${tag}:key:${i}`).then((got) => {
          assert.equal(got, value(i), `value of ${tag}:key:${i}`)
          checked++
        }),
      )
    }
    await Promise.all(reads)
  }
  assert.equal(checked, count)
}

/** `id host` of each range's master, as node `index` reports them. */
const slotEndpoints = async (cluster: Cluster, index: number): Promise<string[]> =>
  ((await cluster.command(index, ['CLUSTER', 'SLOTS'])) as Reply[][]).map((range) => {
    const master = range[2] as Reply[]
    return `${String(master[2]).slice(0, 8)} ${String(master[0])}`
  })

const slotHosts = async (cluster: Cluster, index: number): Promise<string[]> =>
  ((await cluster.command(index, ['CLUSTER', 'SLOTS'])) as Reply[][]).map((range) =>
    String((range[2] as Reply[])[0]),
  )

describe('Redis Cluster (real servers)', { skip }, () => {
  describe('ip mode', () => {
    let cluster: Cluster
    let ports: number[]
    before(async () => {
      cluster = await startCluster('ip')
      ports = cluster.nodes.map((node) => node.port)
    })
    after(() => cluster?.stop())

    test('hash slots match CLUSTER KEYSLOT, hash tags included', async () => {
      const keys = [
        'foo',
        '123456789',
        '{user1000}.following',
        'foo{}{bar}',
        'foo{{bar}}zap',
        'foo{bar}{zap}',
      ]
      keys.push('{', '}{', '{}', 'ключ', '鍵{標籤}x', '')
      for (let i = 0; i < 200; i++) keys.push(`key:${i}`, `{tag${i % 7}}:${i}`)
      for (const key of keys) {
        assert.equal(
          keyHashSlot(key),
          await cluster.command(0, ['CLUSTER', 'KEYSLOT', key]),
          `slot of ${key}`,
        )
      }
    })

    const spellings = (port: number): string[] => [
      `LOCALHOST:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `redis://localhost:${port}`,
    ]
    for (const [label, pick] of [
      ['LOCALHOST:port', (port: number) => [spellings(port)[0]!]],
      ['127.0.0.1:port', (port: number) => [spellings(port)[1]!]],
      ['[::1]:port', (port: number) => [spellings(port)[2]!]],
      ['redis://localhost:port', (port: number) => [spellings(port)[3]!]],
    ] as const) {
      test(`seeds spelled ${label}: 10,000 SET and GET, 1 connection per node, 3 entries`, async () => {
        const name = uniqueName('seeds')
        const client = new ClusterClient({ seeds: pick(ports[0]!), connectionName: name })
        try {
          await client.connect()
          await roundTrip(client, 10_000, name)
          assert.deepEqual(await cluster.connectionsNamed(name), ONE_PER_NODE)
          assert.equal(client.nodes().length, 3)
          assert.equal(client.stats().moved, 0, 'CRC16 routing needs no MOVED')
          assert.equal(client.stats().created, 3)
        } finally {
          await client.close()
        }
        assert.deepEqual(await cluster.connectionsNamed(name), NONE)
      })
    }

    test('every spelling of every node as seeds together: 1 connection per node, 3 entries', async (t) => {
      const name = uniqueName('all-seeds')
      const client = new ClusterClient({ seeds: ports.flatMap(spellings), connectionName: name })
      try {
        await client.connect()
        await roundTrip(client, 10_000, name)
        assert.deepEqual(await cluster.connectionsNamed(name), ONE_PER_NODE)
        assert.equal(client.nodes().length, 3)
        // Only a connection tells that [::1]:port is the node already held as 127.0.0.1:port (same node
        // id): each [::1] seed opens one, learns the id, is linked to the held node and closed.
        assert.deepEqual([client.stats().created, client.stats().disposed], [6, 3])
        t.diagnostic(`aliases: ${JSON.stringify([...client.aliases()])}`)
      } finally {
        await client.close()
      }
      assert.deepEqual(await cluster.connectionsNamed(name), NONE)
    })

    test('without linkByNodeId, an [::1] seed is replaced by the topology address: still 1 per node', async () => {
      const name = uniqueName('seed-nolink')
      const client = new ClusterClient({
        seeds: [`[::1]:${ports[0]}`],
        connectionName: name,
        linkByNodeId: false,
      })
      try {
        await client.connect()
        await roundTrip(client, 1000, name)
        assert.deepEqual(await cluster.connectionsNamed(name), ONE_PER_NODE)
        assert.deepEqual(client.stats().created - client.stats().disposed, 3)
        assert.equal(client.stats().disposed, 1)
      } finally {
        await client.close()
      }
      assert.deepEqual(await cluster.connectionsNamed(name), NONE)
    })

    test('slot migration: ASK is followed without touching the slot table, then MOVED refreshes it', async () => {
      const name = uniqueName('migrate')
      const client = new ClusterClient({ seeds: [`localhost:${ports[1]}`], connectionName: name })
      const slot = keyHashSlot('{mig}')
      const from = await cluster.ownerOf(slot)
      const to = (from + 1) % 3
      const source = cluster.nodes[from]!
      const target = cluster.nodes[to]!
      try {
        await client.connect()
        await client.set('{mig}a', 'alpha')
        await client.set('{mig}b', 'beta')
        await cluster.command(to, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id])
        await cluster.command(from, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id])
        await cluster.command(from, ['MIGRATE', cluster.host, target.port, '', 0, 5000, 'KEYS', '{mig}a'])

        // {mig}a has moved: the source answers ASK, the client asks the target once.
        assert.equal(await client.get('{mig}a'), 'alpha')
        assert.deepEqual([client.stats().asked, client.stats().moved], [1, 0])
        // {mig}b is still on the source, and the slot table still says so: no redirection.
        assert.equal(await client.get('{mig}b'), 'beta')
        assert.deepEqual([client.stats().asked, client.stats().moved], [1, 0])
        // A new key in a migrating slot is created on the target, through ASK.
        await client.set('{mig}c', 'gamma')
        assert.deepEqual([client.stats().asked, client.stats().moved], [2, 0])
        // The importing node answers for the slot only after ASKING.
        const [, exists] = await Promise.all([
          cluster.command(to, ['ASKING']),
          cluster.command(to, ['EXISTS', '{mig}c']),
        ])
        assert.equal(exists, 1)

        // Finish: every key left in the slot ({mig}b, and whatever earlier tests wrote there) moves over.
        for (;;) {
          const keys = (await cluster.command(from, ['CLUSTER', 'GETKEYSINSLOT', slot, 1000])) as string[]
          if (keys.length === 0) break
          await cluster.command(from, ['MIGRATE', cluster.host, target.port, '', 0, 5000, 'KEYS', ...keys])
        }
        await cluster.command(to, ['CLUSTER', 'SETSLOT', slot, 'NODE', target.id])
        await cluster.command(from, ['CLUSTER', 'SETSLOT', slot, 'NODE', target.id])
        await cluster.command(3 - from - to, ['CLUSTER', 'SETSLOT', slot, 'NODE', target.id])

        // The slot table is stale now: MOVED, refresh, retry.
        assert.equal(await client.get('{mig}b'), 'beta')
        assert.deepEqual([client.stats().asked, client.stats().moved], [2, 1])
        assert.deepEqual(
          [await client.get('{mig}a'), await client.get('{mig}c')],
          ['alpha', 'gamma'],
          'served by the new owner without further redirection',
        )
        assert.deepEqual([client.stats().asked, client.stats().moved], [2, 1])
        assert.deepEqual(await cluster.connectionsNamed(name), ONE_PER_NODE)
        assert.equal(client.stats().created, 3)
      } finally {
        await client.close()
      }
      assert.deepEqual(await cluster.connectionsNamed(name), NONE)
      await cluster.settle()
    })

    // Last in this cluster: it re-announces a node and leaves it so.
    test('20 refreshes while one node is announced as ::1: 1 per node, no reconnects with linkByNodeId', async (t) => {
      await cluster.command(2, ['CONFIG', 'SET', 'cluster-announce-ip', '::1'])
      // As recorded in test/fixtures/redis-cli/ip-announce-ipv6: the peers come to report node 2 as ::1, and
      // node 2, reached by them over ::1, comes to report them as ::1 while they report themselves as
      // 127.0.0.1. Wait until some node id is spelled two ways, depending on which node is asked.
      let views: string[][] = []
      await waitFor(
        'one node id under two spellings',
        async () => {
          views = await Promise.all([0, 1, 2].map((i) => slotEndpoints(cluster, i)))
          const spellings = new Map<string, Set<string>>()
          for (const view of views) {
            for (const entry of view) {
              const [id, host] = entry.split(' ') as [string, string]
              spellings.set(id, (spellings.get(id) ?? new Set()).add(host))
            }
          }
          return [...spellings.values()].some((hosts) => hosts.size > 1) &&
            views[0]!.some((e) => e.endsWith(' ::1'))
            ? true
            : undefined
        },
        30_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; views: ${JSON.stringify(views)}`)
      })
      t.diagnostic(`views (node id, host) from nodes 0, 1, 2: ${JSON.stringify(views)}`)
      const churn: Record<string, { created: number; disposed: number }> = {}
      for (const linkByNodeId of [true, false]) {
        const name = uniqueName(`announce-${linkByNodeId}`)
        const client = new ClusterClient({
          seeds: ports.map((port) => `127.0.0.1:${port}`),
          connectionName: name,
          linkByNodeId,
        })
        try {
          await client.connect()
          for (let i = 0; i < 20; i++) {
            await client.refresh()
            assert.deepEqual(await cluster.connectionsNamed(name), ONE_PER_NODE, `after refresh ${i + 1}`)
            assert.equal(client.nodes().length, 3)
          }
          await roundTrip(client, 1000, name)
          const { created, disposed, refreshes } = client.stats()
          churn[String(linkByNodeId)] = { created, disposed }
          t.diagnostic(
            `linkByNodeId ${linkByNodeId}: ${refreshes} refreshes, created ${created}, disposed ${disposed}`,
          )
          if (linkByNodeId) {
            // Both spellings were met (so the test could fail), and linked to the connections held.
            const spellings = [...client.aliases().values()].flat()
            assert.ok(
              spellings.some((s) => s.startsWith('::1:')) && spellings.some((s) => s.startsWith('127.')),
            )
            assert.deepEqual({ created, disposed }, { created: 3, disposed: 0 })
          } else {
            // Every flip of spelling closes a connection and opens another.
            assert.ok(
              disposed > 0 && created === 3 + disposed,
              `churn: ${JSON.stringify({ created, disposed })}`,
            )
          }
        } finally {
          await client.close()
        }
        assert.deepEqual(await cluster.connectionsNamed(name), NONE)
      }
      console.log(`# redis-cluster ip announce ::1, 20 refreshes: ${JSON.stringify(churn)}`)
    })
  })

  describe('hostname mode', () => {
    let cluster: Cluster
    let ports: number[]
    before(async () => {
      // 27 slot ranges, nine per node (as in redis/redis-py#3163, where a node owning several ranges is
      // looked up once per range).
      cluster = await startCluster('hostname', { slots: splitSlots(27, 3) })
      ports = cluster.nodes.map((node) => node.port)
    })
    after(() => cluster?.stop())

    test('seeds in every spelling: 10,000 SET and GET, 1 connection per node', async () => {
      const name = uniqueName('hostname-seeds')
      const seeds = ports.flatMap((port) => [
        `LOCALHOST:${port}`,
        `localhost:${port}`,
        `redis://127.0.0.1:${port}`,
      ])
      const client = new ClusterClient({ seeds, connectionName: name })
      try {
        await client.connect()
        await roundTrip(client, 10_000, name)
        assert.deepEqual(await cluster.connectionsNamed(name), ONE_PER_NODE)
        assert.deepEqual(client.stats().created, 3)
        assert.equal(client.nodes().length, 3)
      } finally {
        await client.close()
      }
      assert.deepEqual(await cluster.connectionsNamed(name), NONE)
    })

    test('27 slot ranges: the naive Map leaks on every refresh; the NodeMap client holds 1 per node', async (t) => {
      const ranges = (await cluster.command(0, ['CLUSTER', 'SLOTS'])) as Reply[]
      assert.equal(ranges.length, 27)

      const naiveName = uniqueName('naive')
      const naive = new NaiveClusterClient({ seeds: [`localhost:${ports[0]}`], connectionName: naiveName })
      const growth: number[][] = []
      try {
        await naive.connect()
        growth.push(await cluster.connectionsNamed(naiveName))
        for (let i = 0; i < 5; i++) {
          await naive.refresh()
          growth.push(await cluster.connectionsNamed(naiveName))
        }
        // It still works, which is why the leak goes unnoticed.
        await roundTrip(naive, 1000, naiveName)
        for (let i = 1; i < growth.length; i++) {
          for (let node = 0; node < 3; node++) {
            assert.ok(growth[i]![node]! > growth[i - 1]![node]!, `node ${node} grows at refresh ${i}`)
          }
        }
        assert.ok(growth.at(-1)!.every((count) => count > 1))
        t.diagnostic(`naive connections per node after connect and each refresh: ${JSON.stringify(growth)}`)
      } catch (error) {
        await naive.close()
        await naive.closeLeaked()
        throw error
      }
      await naive.close()
      const left = await cluster.connectionsNamed(naiveName)
      t.diagnostic(`naive after close(): ${JSON.stringify(left)} still open`)
      console.log(
        `# redis-cluster naive 27 ranges: per refresh ${JSON.stringify(growth)}, after close ${JSON.stringify(left)}`,
      )
      await naive.closeLeaked()
      assert.ok(
        left.every((count) => count > 0),
        'the leaked connections outlive close()',
      )
      assert.deepEqual(await cluster.connectionsNamed(naiveName), NONE)

      const name = uniqueName('nodemap-27')
      const client = new ClusterClient({ seeds: [`localhost:${ports[0]}`], connectionName: name })
      try {
        await client.connect()
        for (let i = 0; i < 5; i++) {
          await client.refresh()
          assert.deepEqual(await cluster.connectionsNamed(name), ONE_PER_NODE)
        }
        await roundTrip(client, 1000, name)
        assert.deepEqual([client.stats().created, client.nodes().length], [3, 3])
      } finally {
        await client.close()
      }
      assert.deepEqual(await cluster.connectionsNamed(name), NONE)
    })

    test('npm run example:redis-cluster: the naive client leaves connections open, the NodeMap one 1 per node', async () => {
      const seeds = [`LOCALHOST:${ports[0]}`, `redis://localhost:${ports[1]}`]
      const { stdout } = await run(npm, ['run', '--silent', 'example:redis-cluster', '--', ...seeds], {
        cwd: root,
        timeout: 60_000,
      })
      const [naive, nodeMap] = stdout.split('ClusterClient, a NodeMap')
      const counts = (section: string | undefined, step: string): number[] => {
        const line = section?.split('\n').find((text) => text.trimStart().startsWith(step))
        assert.ok(line !== undefined, `a line "${step}" in:\n${stdout}`)
        return line
          .slice(line.indexOf(':') + 1)
          .trim()
          .split(/\s+/)
          .slice(0, 3)
          .map(Number)
      }
      assert.ok(
        counts(naive, 'after close()').every((count) => count > 0),
        stdout,
      )
      assert.deepEqual(counts(nodeMap, 'after 3 refreshes'), ONE_PER_NODE, stdout)
      assert.deepEqual(counts(nodeMap, 'after close()'), NONE, stdout)
      // It closed what it opened, leaked connections included.
      await waitFor("the example's connections to close", async () => {
        const lists = await Promise.all([0, 1, 2].map((i) => cluster.command(i, ['CLIENT', 'LIST'])))
        return lists.some((list) => String(list).includes(' name=canonical-node-key-')) ? undefined : true
      })
    })

    // Last in this cluster: it re-announces a node.
    test('20 refreshes while one node is re-announced as LOCALHOST: 1 per node, no reconnects', async () => {
      const name = uniqueName('hostname-announce')
      const client = new ClusterClient({
        seeds: [`localhost:${ports[0]}`],
        connectionName: name,
        linkByNodeId: false,
      })
      try {
        await client.connect()
        await cluster.command(2, ['CONFIG', 'SET', 'cluster-announce-hostname', 'LOCALHOST'])
        for (let i = 0; i < 20; i++) {
          await client.refresh()
          assert.deepEqual(await cluster.connectionsNamed(name), ONE_PER_NODE, `after refresh ${i + 1}`)
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
        await waitFor('every node to report LOCALHOST', async () =>
          (await Promise.all([0, 1, 2].map((i) => slotHosts(cluster, i)))).every((hosts) =>
            hosts.includes('LOCALHOST'),
          )
            ? true
            : undefined,
        )
        await client.refresh()
        const spellings = [...client.aliases().values()].flat()
        assert.ok(spellings.includes(`LOCALHOST:${ports[2]}`) && spellings.includes(`localhost:${ports[2]}`))
        // The keyer alone makes both spellings one node: no link needed, no reconnect.
        assert.deepEqual([client.stats().created, client.stats().disposed], [3, 0])
      } finally {
        await client.close()
        await cluster.command(2, ['CONFIG', 'SET', 'cluster-announce-hostname', 'localhost'])
      }
      assert.deepEqual(await cluster.connectionsNamed(name), NONE)
    })
  })

  describe('ipv6 mode', () => {
    let cluster: Cluster
    let ports: number[]
    before(async () => {
      cluster = await startCluster('ipv6')
      ports = cluster.nodes.map((node) => node.port)
    })
    after(() => cluster?.stop())

    test('seeds in every IPv6 spelling: 10,000 SET and GET, 1 connection per node', async () => {
      const name = uniqueName('ipv6-seeds')
      const seeds = ports.flatMap((port) => [
        `[::1]:${port}`,
        `::1:${port}`,
        `[0:0:0:0:0:0:0:1]:${port}`,
        `redis://[0::1]:${port}`,
        { host: '::1', port },
      ])
      const client = new ClusterClient({ seeds, connectionName: name })
      try {
        await client.connect()
        await roundTrip(client, 10_000, name)
        assert.deepEqual(await cluster.connectionsNamed(name), ONE_PER_NODE)
        assert.deepEqual(client.nodes().sort(), ports.map((port) => `[::1]:${port}`).sort())
        assert.equal(client.stats().created, 3)
      } finally {
        await client.close()
      }
      assert.deepEqual(await cluster.connectionsNamed(name), NONE)
    })
  })

  describe('a lone master', () => {
    let cluster: Cluster
    before(async () => {
      cluster = await startCluster('ip', { masters: 1 })
    })
    after(() => cluster?.stop())

    test("its empty-host endpoint (':port') is read as the node asked", async () => {
      const [range] = (await cluster.command(0, ['CLUSTER', 'SLOTS'])) as Reply[][]
      assert.equal((range![2] as Reply[])[0], '', 'the server really sends an empty host')
      const name = uniqueName('empty-host')
      const port = cluster.nodes[0]!.port
      const client = new ClusterClient({ seeds: [`LOCALHOST:${port}`], connectionName: name })
      try {
        await client.connect()
        await roundTrip(client, 1000, name)
        assert.deepEqual(client.nodes(), [`127.0.0.1:${port}`])
        assert.deepEqual(await cluster.connectionsNamed(name), [1])
        assert.equal(client.stats().created, 1)
      } finally {
        await client.close()
      }
      assert.deepEqual(await cluster.connectionsNamed(name), [0])
    })
  })
})
