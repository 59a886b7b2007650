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
