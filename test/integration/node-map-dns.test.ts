/**
 * A NodeMap of real connections to a real three-master Redis Cluster, keyed through `createDnsTable` over
 * names a real dnsmasq answers, while a record moves: `node-a.test` goes from 127.0.0.1 to 127.0.0.2 (an
 * address the same servers listen on) and back. At every step the servers' own `CLIENT LIST` is counted:
 * exactly one connection per live key of the map, none open that no spelling reaches, every disposal once. A
 * plain `Map` keyed by the raw spellings runs beside it, as a client without canonical keys would.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { RespConnection } from '../../examples/redis-cluster/connection.ts'
import { createDnsTable, type DnsTable } from '../../src/dns/index.ts'
import { createNodeKeyer, type NodeKey, type NodeKeyer } from '../../src/index.ts'
import { NodeMap, type NodeMapDisposeReason } from '../../src/node-map/index.ts'
import { type DnsServer, type HostsRecord, skipUnlessDnsmasq, startDnsServer } from './dns-server.ts'
import { type Cluster, skipUnlessRedis, startCluster, waitFor } from './redis-cluster-harness.ts'

const skip = skipUnlessRedis() || skipUnlessDnsmasq()
const NAMES = ['node-a.test', 'node-b.test', 'node-c.test'] as const

/** For each node, the connections named `name`, by the local address they reached (CLIENT LIST `laddr`). */
const connections = async (cluster: Cluster, name: string): Promise<string[][]> => {
  const perNode: string[][] = []
  for (let i = 0; i < cluster.nodes.length; i++) {
    const list = String(await cluster.command(i, ['CLIENT', 'LIST']))
    perNode.push(
      list
        .split('\n')
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /\bladdr=(\S+)/.exec(line)?.[1] ?? '?')
        .sort(),
    )
  }
  return perNode
}

describe('NodeMap over DNS names while a record moves (real dnsmasq, real Redis Cluster)', { skip }, () => {
  let cluster: Cluster
  let server: DnsServer
  let dns: DnsTable
  let keyer: NodeKeyer
  let nodes: NodeMap<RespConnection>
  const plain = new Map<string, RespConnection>()
  const disposals: [connection: RespConnection, key: NodeKey, reason: NodeMapDisposeReason][] = []
  const closing: Promise<void>[] = []
  const steps: string[] = []

  const records = (a: string): HostsRecord[] => [
    [a, 'node-a.test'],
    ['127.0.0.1', 'node-b.test'],
    ['127.0.0.1', 'node-c.test'],
  ]
  const portOf = (index: number): number => cluster.nodes[index]!.port
  const spellings = (): string[] =>
    NAMES.flatMap((name, i) => [`${name}:${portOf(i)}`, `127.0.0.1:${portOf(i)}`])

  /** Reach every node by name and by IP, through the NodeMap and through the plain Map. */
  const reachAll = async (): Promise<void> => {
    for (const spelling of spellings()) {
      await nodes.getOrCreateAsync(spelling, (_key, dial) =>
        RespConnection.open({ host: dial.host, port: dial.port, name: 'nodemap' }),
      )
      if (!plain.has(spelling)) {
        // As a client without canonical keys does: file a connection under each spelling as written. The OS
        // resolver does not know the test zone, so a name is dialled at what the DNS server answers when the
        // client first meets it.
        const colon = spelling.lastIndexOf(':')
        const host = spelling.slice(0, colon)
        const address = host.endsWith('.test') ? (await dns.prime([host]))[0] : host
        assert.ok(address !== undefined, `${host} resolves`)
        plain.set(
          spelling,
          await RespConnection.open({
            host: address,
            port: Number(spelling.slice(colon + 1)),
            name: 'plainmap',
          }),
        )
      }
    }
  }

  /**
   * What the servers say, against what the map holds: exactly one connection per live key, at the address
   * the key names, and none besides (an open connection no key reaches would be an orphan).
   */
  const expectOnePerKey = async (step: string): Promise<void> => {
    const expected: string[][] = cluster.nodes.map(() => [])
    for (const key of nodes.keys()) {
      const colon = key.lastIndexOf(':')
      const index = cluster.nodes.findIndex((node) => node.port === Number(key.slice(colon + 1)))
      assert.notEqual(index, -1, `${key} is a node of the cluster`)
      expected[index]!.push(key)
    }
    for (const list of expected) list.sort()
    // A closed connection leaves CLIENT LIST when the server reads the close: wait (bounded) for it.
    let seen: string[][] = []
    await waitFor(
      `one connection per live key ${JSON.stringify(expected)}`,
      async () => {
        seen = await connections(cluster, 'nodemap')
        return JSON.stringify(seen) === JSON.stringify(expected) ? true : undefined
      },
      10_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message} (seen ${JSON.stringify(seen)})`)
    })
    // Every value in the map is open; every disposed one was disposed once and is not in the map.
    const live = new Set(nodes.values())
    assert.equal(live.size, nodes.size)
    const disposed = disposals.map(([connection]) => connection)
    assert.equal(new Set(disposed).size, disposed.length, 'every disposal once')
    for (const connection of disposed) assert.equal(live.has(connection), false)
    const plainSeen = (await connections(cluster, 'plainmap')).map((list) => list.length)
    steps.push(
      `${step}: NodeMap keys ${nodes.size}, CLIENT LIST ${seen.map((list) => list.length).join('+')} = ${seen.flat().length} (${seen.flat().join(', ')}); disposals ${disposals.map(([, key, reason]) => `${key} ${reason}`).join(', ') || 'none'}; plain Map ${plain.size} entries, CLIENT LIST ${plainSeen.join('+')}`,
    )
  }

  /** Point node-a.test at `address`, reload dnsmasq, and wait until the keyer gives the new answer. */
  const move = async (address: string): Promise<void> => {
    server.writeHosts(records(address))
    await server.reload()
    const want = `${address}:${portOf(0)}`
    await waitFor(
      `node-a.test to key as ${want}`,
      async () => (keyer(`node-a.test:${portOf(0)}`) === want ? true : undefined),
      15_000,
    )
  }

  before(async () => {
    cluster = await startCluster('ip', { alsoBind: ['127.0.0.2'] })
    server = await startDnsServer(records('127.0.0.1'), 1)
    dns = createDnsTable({ servers: [server.address], timeout: 2, negativeTtl: 0.3 })
    keyer = createNodeKeyer({ resolver: dns.resolver })
    nodes = new NodeMap<RespConnection>({
      keyer,
      dispose: (connection, key, reason) => {
        disposals.push([connection, key, reason])
        closing.push(connection.close().catch(() => undefined))
      },
    })
    await dns.prime([...NAMES])
  })

  after(async () => {
    nodes?.clear()
    for (const connection of plain.values()) closing.push(connection.close().catch(() => undefined))
    await Promise.all(closing)
    dns?.close()
    keyer?.close()
    await server?.dispose()
    await cluster?.stop()
    console.log(steps.map((step) => `# ${step}`).join('\n'))
  })

  test('by name and by IP: one connection per node', async () => {
    await reachAll()
    assert.deepEqual(
      [...nodes.keys()],
      cluster.nodes.map((node) => `127.0.0.1:${node.port}`),
    )
    await expectOnePerKey('reached by name and by IP')
    assert.equal(disposals.length, 0)
    // The plain Map holds a connection per spelling: two per node.
    assert.deepEqual(
      (await connections(cluster, 'plainmap')).map((list) => list.length),
      [2, 2, 2],
    )
  })

  test('node-a.test moves to 127.0.0.2: the IP keeps its connection, the name gets one at the new address', async () => {
    await move('127.0.0.2')
    await reachAll()
    const a = portOf(0)
    assert.deepEqual(new Set(nodes.keys()), new Set([...spellings().map((s) => keyer(s)), `127.0.0.1:${a}`]))
    assert.equal(nodes.size, 4)
    assert.equal(nodes.get(`node-a.test:${a}`)?.host, '127.0.0.2')
    assert.equal(nodes.get(`127.0.0.1:${a}`)?.host, '127.0.0.1')
    await expectOnePerKey('node-a.test moved to 127.0.0.2')
    assert.equal(disposals.length, 0)
  })

  test('node-a.test moves back: the two entries are one node again, the older stays, the other is disposed once', async () => {
    const a = portOf(0)
    // Read without `get`: a `get` by 127.0.0.2 would make that IP a spelling of the newer entry, and an IP
    // spelling keeps its entry where it is (127.0.0.2 is not 127.0.0.1), so no merge would follow.
    const entries = new Map(nodes.entries())
    const older = entries.get(`127.0.0.1:${a}` as NodeKey)
    const newer = entries.get(`127.0.0.2:${a}` as NodeKey)
    assert.ok(older !== undefined && newer !== undefined && older !== newer)
    await move('127.0.0.1')
    await reachAll()
    assert.equal(nodes.size, 3)
    assert.equal(nodes.get(`node-a.test:${a}`), older)
    assert.deepEqual(
      disposals.map(([connection, key, reason]) => [connection, key, reason]),
      [[newer, `127.0.0.2:${a}`, 'rekeyed']],
    )
    await expectOnePerKey('node-a.test moved back to 127.0.0.1')
  })

  test('clear disposes every connection once', async () => {
    nodes.clear()
    await Promise.all(closing)
    await expectOnePerKey('cleared')
    assert.equal(disposals.length, 4)
    assert.deepEqual(
      disposals.slice(1).map(([, , reason]) => reason),
      ['clear', 'clear', 'clear'],
    )
  })
})
