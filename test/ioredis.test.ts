/**
 * The ioredis adapter (`canonical-node-key/ioredis`): its values, its errors, and its types against ioredis
 * 5 and 6's own `ClusterOptions` (checked by `tsc -p tsconfig.check.json`). Against a real cluster, see
 * test/integration/client-adapters.test.ts.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { NatMap as Ioredis5NatMap, ClusterOptions as Ioredis5Options } from 'ioredis'
import type { Cluster as Ioredis6Cluster, ClusterOptions as Ioredis6Options } from 'ioredis6'
import {
  type IoredisNatMapFunction,
  type IoredisNode,
  ioredisNatMap,
  ioredisNatMapTable,
  ioredisStartupNodes,
} from '../src/adapters/ioredis.ts'
import {
  canonicalNodeKey,
  chainResolvers,
  createNodeKeyer,
  loopbackResolver,
  type NodeKeyError,
  staticResolver,
} from '../src/index.ts'
import { readClusterSlots } from '../src/topology/index.ts'

// The adapters fit ioredis's own option types, in both major versions.
const options5: Ioredis5Options = { natMap: ioredisNatMap() }
const options6: Ioredis6Options = { natMap: ioredisNatMap(createNodeKeyer(), { onInvalid: () => {} }) }
const table5: Ioredis5NatMap = ioredisNatMapTable(['localhost:7000'])
const table6: Ioredis6Options['natMap'] = ioredisNatMapTable(['localhost:7000'])
type StartupNodes6 = ConstructorParameters<typeof Ioredis6Cluster>[0]
const startup6: StartupNodes6 = ioredisStartupNodes(['localhost:7000'])
// @ts-expect-error natMap answers objects, not keys
const wrong: IoredisNatMapFunction = (address: string) => canonicalNodeKey(address)

test('ioredisNatMap: every spelling ioredis passes maps to one canonical node', () => {
  const natMap = ioredisNatMap()
  for (const address of ['127.0.0.1:7000', 'LOCALHOST:7000', 'localhost.:7000', '127.1:7000']) {
    assert.deepEqual(natMap(address), { host: '127.0.0.1', port: 7000 }, address)
  }
  // IPv6 as Redis writes it (bare) and as people write it; the answer is bare, as ioredis dials it.
  for (const address of ['::1:7001', '[::1]:7001', '0:0:0:0:0:0:0:1:7001', '[0::1]:7001']) {
    assert.deepEqual(natMap(address), { host: '::1', port: 7001 }, address)
  }
  // Without the dual-stack policy, ::1 is its own server.
  assert.notDeepEqual(natMap('::1:7000'), natMap('127.0.0.1:7000'))
  // Fresh objects: ioredis amends what it is given (readOnly).
  assert.notEqual(natMap('127.0.0.1:7000'), natMap('127.0.0.1:7000'))
})

test('ioredisNatMap with the dual-stack policy and a NAT table, through one keyer', () => {
  const keyer = createNodeKeyer({
    resolver: chainResolvers(
      loopbackResolver({ dualStack: true }),
      staticResolver({ '10.0.0.5:6379': { host: 'localhost', port: 7005 } }),
    ),
  })
  const natMap = ioredisNatMap(keyer)
  for (const address of ['::1:7000', '[::1]:7000', '127.0.0.1:7000', 'LOCALHOST:7000']) {
    assert.deepEqual(natMap(address), { host: '127.0.0.1', port: 7000 }, address)
  }
  assert.deepEqual(natMap('10.0.0.5:6379'), { host: '127.0.0.1', port: 7005 })
})

test('ioredisNatMap: an address the keyer refuses maps to null and is reported', () => {
  const refused: [string, NodeKeyError][] = []
  const natMap = ioredisNatMap(undefined, { onInvalid: (address, error) => refused.push([address, error]) })
  assert.equal(natMap(':7002'), null)
  assert.equal(natMap('bad host:7000'), null)
  assert.equal(natMap('127.0.0.1:0'), null)
  assert.deepEqual(
    refused.map(([address, error]) => [address, error.code]),
    [
      [':7002', 'ERR_NODE_KEY_INVALID_HOST'],
      ['bad host:7000', 'ERR_NODE_KEY_INVALID_HOST'],
      ['127.0.0.1:0', 'ERR_NODE_KEY_INVALID_PORT'],
    ],
  )
  // Silent without onInvalid.
  assert.equal(ioredisNatMap()(':7002'), null)
  // A keyer that fails for another reason (a bug) is not hidden.
  const broken = ioredisNatMap(() => {
    throw new RangeError('bug')
  })
  assert.throws(() => broken('127.0.0.1:7000'), RangeError)
})

test('ioredisNatMap rejects bad arguments with a TypeError', () => {
  assert.throws(() => ioredisNatMap('keyer' as never), {
    name: 'TypeError',
    message: /keyer of ioredisNatMap to be a keyer function/,
  })
  assert.throws(() => ioredisNatMap(undefined, { onInvalid: 1 as never }), {
    name: 'TypeError',
    message: /`onInvalid` of ioredisNatMap to be a function, got 1/,
  })
  assert.throws(() => ioredisNatMap(undefined, 'x' as never), { name: 'TypeError', message: /options/ })
})

test('ioredisStartupNodes: canonical seeds, one per node, in order', () => {
  const seeds = ['LOCALHOST:7000', '[::1]:7001', 'redis://127.0.0.1:7000', '127.0.0.1:7002']
  seeds.push('::1:7001', 'redis://localhost:7002')
  const nodes: IoredisNode[] = ioredisStartupNodes([...seeds, { host: 'Localhost', port: '7003' }])
  assert.deepEqual(nodes, [
    { host: '127.0.0.1', port: 7000 },
    { host: '::1', port: 7001 },
    { host: '127.0.0.1', port: 7002 },
    { host: '127.0.0.1', port: 7003 },
  ])
  const dualStack = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
  assert.deepEqual(ioredisStartupNodes(['[::1]:7000', '127.0.0.1:7000'], dualStack), [
    { host: '127.0.0.1', port: 7000 },
  ])
  assert.throws(() => ioredisStartupNodes(['localhost:7000', 'a b:7000']), {
    name: 'InvalidHostError',
  })
  assert.throws(() => ioredisStartupNodes([]), { name: 'TypeError', message: /at least one seed/ })
  assert.throws(() => ioredisStartupNodes('localhost:7000' as never), {
    name: 'TypeError',
    message: /seeds of ioredisStartupNodes to be an array/,
  })
})

test('ioredisNatMapTable: the exact strings ioredis looks up, each to its canonical node', () => {
  const table = ioredisNatMapTable(['localhost:7000', 'LOCALHOST:7000', '[::1]:7001', '::1:7002'])
  assert.deepEqual(table, {
    'localhost:7000': { host: '127.0.0.1', port: 7000 },
    'LOCALHOST:7000': { host: '127.0.0.1', port: 7000 },
    '::1:7001': { host: '::1', port: 7001 },
    '::1:7002': { host: '::1', port: 7002 },
  })
  const dualStack = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
  assert.deepEqual(ioredisNatMapTable(['::1:7000'], dualStack), {
    '::1:7000': { host: '127.0.0.1', port: 7000 },
  })
  assert.throws(() => ioredisNatMapTable(['redis://localhost:7000']), {
    name: 'TypeError',
    message: /ioredis looks up no URL/,
  })
  assert.throws(() => ioredisNatMapTable([':7000']), { name: 'InvalidHostError' })
  assert.throws(() => ioredisNatMapTable(7 as never), { name: 'TypeError', message: /spellings/ })
})

test('the type checks above hold values too', () => {
  assert.equal(typeof options5.natMap, 'function')
  assert.equal(typeof options6.natMap, 'function')
  assert.deepEqual(
    [table5, table6, startup6].map((x) => Object.keys(x).length),
    [1, 1, 1],
  )
  assert.equal(typeof wrong, 'function')
})

// With TLS and a topology, the answers still fit ioredis's own option types.
const tlsOptions5: Ioredis5Options = {
  natMap: ioredisNatMap(undefined, { tls: { rejectUnauthorized: true }, topology: () => undefined }),
}
const tlsStartup6: StartupNodes6 = ioredisStartupNodes(['node-a.localhost:7000'], undefined, { tls: {} })

/** A `CLUSTER SLOTS` reply (RESP2, as ioredis gives it) of three masters announced by IP, with hostnames. */
const slotsReply = (
  hostnames: readonly string[],
  ips: readonly string[] = ['127.0.0.1', '127.0.0.1', '127.0.0.1'],
) =>
  hostnames.map((hostname, i) => [
    i * 5000,
    i * 5000 + 4999,
    [ips[i], 7000 + i, String(i + 1).repeat(40), ['hostname', hostname]],
  ])

test('ioredisNatMap with tls: every answer carries the TLS options and the name the node was announced by', () => {
  const ca = Buffer.from('the CA')
  const tls = { ca, rejectUnauthorized: true }
  const natMap = ioredisNatMap(undefined, { tls })
  for (const address of ['node-a.localhost:7000', 'Node-A.LOCALHOST.:7000', 'NODE-A.localhost:7000']) {
    assert.deepEqual(
      natMap(address),
      {
        host: '127.0.0.1',
        port: 7000,
        tls: { ca, rejectUnauthorized: true, servername: 'node-a.localhost' },
      },
      address,
    )
  }
  // An IP address gives no name: the TLS options go as they are, a servername of the caller's kept.
  assert.deepEqual(natMap('127.0.0.1:7001'), { host: '127.0.0.1', port: 7001, tls })
  const named = ioredisNatMap(undefined, { tls: { servername: 'cluster.example' } })
  assert.deepEqual(named('127.0.0.1:7001')?.tls, { servername: 'cluster.example' })
  assert.deepEqual(named('node-b.localhost:7001')?.tls, { servername: 'node-b.localhost' })
  // Punycode, as SNI wants it; the NAT table's answer is dialled, the name verified.
  const keyer = createNodeKeyer({ resolver: staticResolver({ 'bücher.example': '10.0.0.9' }) })
  assert.deepEqual(ioredisNatMap(keyer, { tls: {} })('BÜCHER.example:6380'), {
    host: '10.0.0.9',
    port: 6380,
    tls: { servername: 'xn--bcher-kva.example' },
  })
  // Fresh TLS objects each answer, read once: changing the caller's object later changes nothing.
  const first = natMap('node-a.localhost:7000')
  const second = natMap('node-a.localhost:7000')
  assert.notEqual(first?.tls, second?.tls)
  tls.rejectUnauthorized = false
  assert.equal(natMap('node-a.localhost:7000')?.tls?.rejectUnauthorized, true)
  // Without tls, no answer carries any.
  assert.deepEqual(ioredisNatMap()('node-a.localhost:7000'), { host: '127.0.0.1', port: 7000 })
})

test('ioredisStartupNodes with tls: each seed with its name', () => {
  const nodes = ioredisStartupNodes(
    ['node-a.localhost:7000', 'rediss://NODE-A.localhost:7000', '127.0.0.1:7001', 'node-c.localhost:7002'],
    undefined,
    { tls: { rejectUnauthorized: true } },
  )
  assert.deepEqual(nodes, [
    { host: '127.0.0.1', port: 7000, tls: { rejectUnauthorized: true, servername: 'node-a.localhost' } },
    { host: '127.0.0.1', port: 7001, tls: { rejectUnauthorized: true } },
    { host: '127.0.0.1', port: 7002, tls: { rejectUnauthorized: true, servername: 'node-c.localhost' } },
  ])
  assert.throws(() => ioredisStartupNodes(['127.0.0.1:7000'], undefined, { tls: 'on' as never }), {
    name: 'TypeError',
    message: /`tls` of ioredisStartupNodes to be an object of TLS options/,
  })
  assert.throws(() => ioredisStartupNodes(['127.0.0.1:7000'], undefined, { onInvalid: () => {} } as never), {
    name: 'TypeError',
    message: /Unknown option "onInvalid" of ioredisStartupNodes/,
  })
})

test('ioredisNatMap with a topology: the hostname of a node announced by IP becomes its servername', () => {
  const topology = readClusterSlots(slotsReply(['node-a.localhost', 'node-b.localhost', 'node-c.localhost']))
  const natMap = ioredisNatMap(undefined, { tls: {}, topology: () => topology })
  assert.deepEqual(
    ['127.0.0.1:7000', '127.0.0.1:7001', '127.1:7002'].map((address) => natMap(address)),
    [0, 1, 2].map((i) => ({
      host: '127.0.0.1',
      port: 7000 + i,
      tls: { servername: `node-${'abc'[i]}.localhost` },
    })),
  )
  // A node the topology does not list maps as it would without one.
  assert.deepEqual(natMap('127.0.0.1:7003'), { host: '127.0.0.1', port: 7003, tls: {} })
  // No topology yet: as without one.
  assert.deepEqual(ioredisNatMap(undefined, { tls: {}, topology: () => undefined })('127.0.0.1:7000'), {
    host: '127.0.0.1',
    port: 7000,
    tls: {},
  })
})

test('ioredisNatMap preferredEndpoint: the endpoint asked for, whichever Redis prefers', () => {
  // No resolver, so a name stays a name and the two endpoints of a node are two keys.
  const keyer = createNodeKeyer({ resolver: null })
  const byIp = readClusterSlots(
    slotsReply(['node-a.example', 'node-b.example', 'node-c.example'], ['10.0.0.1', '10.0.0.2', '10.0.0.3']),
  )
  const byName = readClusterSlots(
    [0, 1, 2].map((i) => [
      i * 5000,
      i * 5000 + 4999,
      [`node-${'abc'[i]}.example`, 7000 + i, String(i + 1).repeat(40), ['ip', `10.0.0.${i + 1}`]],
    ]),
  )
  for (const topology of [byIp, byName]) {
    const hostname = ioredisNatMap(keyer, {
      tls: {},
      topology: () => topology,
      preferredEndpoint: 'hostname',
    })
    const ip = ioredisNatMap(keyer, { tls: {}, topology: () => topology, preferredEndpoint: 'ip' })
    for (const address of ['10.0.0.2:7001', 'NODE-B.example:7001']) {
      assert.deepEqual(hostname(address), {
        host: 'node-b.example',
        port: 7001,
        tls: { servername: 'node-b.example' },
      })
      assert.deepEqual(ip(address), { host: '10.0.0.2', port: 7001, tls: { servername: 'node-b.example' } })
    }
  }
  // The chosen endpoint goes through the keyer's resolver.
  const nat = createNodeKeyer({ resolver: staticResolver({ '10.0.0.2:7001': '203.0.113.2:17001' }) })
  assert.deepEqual(
    ioredisNatMap(nat, { topology: () => byName, preferredEndpoint: 'ip' })('node-b.example:7001'),
    {
      host: '203.0.113.2',
      port: 17001,
    },
  )
  // A node without the endpoint asked for is dialled as announced.
  const onlyIp = readClusterSlots([[0, 16383, ['10.0.0.1', 7000, '1'.repeat(40)]]])
  assert.deepEqual(
    ioredisNatMap(keyer, { topology: () => onlyIp, preferredEndpoint: 'hostname' })('10.0.0.1:7000'),
    {
      host: '10.0.0.1',
      port: 7000,
    },
  )
})

test('ioredisNatMap with a topology: a new topology is read as soon as the function returns it', () => {
  const keyer = createNodeKeyer({ resolver: null })
  let topology = readClusterSlots(
    slotsReply(['old.example', 'b.example', 'c.example'], ['10.0.0.1', '10.0.0.2', '10.0.0.3']),
  )
  const natMap = ioredisNatMap(keyer, { topology: () => topology, preferredEndpoint: 'hostname' })
  assert.equal(natMap('10.0.0.1:7000')?.host, 'old.example')
  topology = readClusterSlots(
    slotsReply(['new.example', 'b.example', 'c.example'], ['10.0.0.1', '10.0.0.2', '10.0.0.3']),
  )
  assert.equal(natMap('10.0.0.1:7000')?.host, 'new.example')
})

test('ioredisNatMap with a topology: an endpoint two nodes announce tells neither apart', () => {
  // Two nodes on one port under one hostname (a proxy in front): that key names no single node.
  const keyer = createNodeKeyer({ resolver: null })
  const topology = {
    nodes: [
      { port: 7000, hostname: 'proxy.example', ip: '10.0.0.1' },
      { port: 7000, hostname: 'proxy.example', ip: '10.0.0.2' },
    ],
  }
  const natMap = ioredisNatMap(keyer, { topology: () => topology, preferredEndpoint: 'ip' })
  assert.deepEqual(natMap('proxy.example:7000'), { host: 'proxy.example', port: 7000 })
  assert.deepEqual(natMap('10.0.0.2:7000'), { host: '10.0.0.2', port: 7000 })
  // A `?` node (in `unkeyed`) still pairs its IP with nothing: no name to take.
  const unkeyed = readClusterSlots([[0, 16383, ['?', 7000, '1'.repeat(40), ['ip', '10.0.0.1']]]])
  assert.deepEqual(ioredisNatMap(keyer, { tls: {}, topology: () => unkeyed })('10.0.0.1:7000'), {
    host: '10.0.0.1',
    port: 7000,
    tls: {},
  })
})

test('ioredisNatMap refuses bad TLS and endpoint options with a TypeError that says what was expected', () => {
  const topology = () => undefined
  for (const [options, message] of [
    [{ tls: true }, /`tls` of ioredisNatMap to be an object of TLS options .*got true/],
    [{ tls: [] }, /`tls` of ioredisNatMap to be an object of TLS options/],
    [{ tls: null }, /`tls` of ioredisNatMap to be an object of TLS options .*got null/],
    [
      { preferredEndpoint: 'IP', topology },
      /`preferredEndpoint` of ioredisNatMap to be 'ip' or 'hostname', got "IP"/,
    ],
    [{ preferredEndpoint: 'ip' }, /`topology` of ioredisNatMap with `preferredEndpoint`/],
    [{ topology: {} }, /`topology` of ioredisNatMap to be a function/],
    [{ servername: 'x' }, /Unknown option "servername" of ioredisNatMap/],
  ] as const) {
    assert.throws(
      () => ioredisNatMap(undefined, options as never),
      { name: 'TypeError', message },
      String(message),
    )
  }
  // A topology function that returns something else is a TypeError when it is read.
  const natMap = ioredisNatMap(undefined, { topology: () => ({ nodes: 7 }) as never })
  assert.throws(() => natMap('127.0.0.1:7000'), {
    name: 'TypeError',
    message: /`topology` of ioredisNatMap to return a topology reader's result/,
  })
})

test('the TLS type checks above hold values too', () => {
  assert.equal(typeof tlsOptions5.natMap, 'function')
  assert.deepEqual(tlsStartup6, [{ host: '127.0.0.1', port: 7000, tls: { servername: 'node-a.localhost' } }])
})
