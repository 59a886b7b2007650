/**
 * The node-redis adapter (`canonical-node-key/node-redis`): its values, its errors, and its types against
 * `redis` 5 and 6's own `RedisClusterOptions` (checked by `tsc -p tsconfig.check.json`). Against a real
 * cluster, see test/integration/client-adapters.test.ts.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RedisClusterOptions as Redis5ClusterOptions } from 'redis'
import type { RedisClusterOptions as Redis6ClusterOptions } from 'redis6'
import {
  type NodeRedisAddressMapFunction,
  nodeRedisAddressMap,
  nodeRedisRootNodes,
} from '../src/adapters/node-redis.ts'
import { createNodeKeyer, loopbackResolver, type NodeKeyError, staticResolver } from '../src/index.ts'
import { readClusterSlots } from '../src/topology/index.ts'

// The adapters fit node-redis's own option types, in both major versions.
const options5: Redis5ClusterOptions = {
  rootNodes: nodeRedisRootNodes(['LOCALHOST:7000']),
  nodeAddressMap: nodeRedisAddressMap(),
}
const options6: Redis6ClusterOptions = {
  rootNodes: nodeRedisRootNodes(['LOCALHOST:7000'], createNodeKeyer()),
  nodeAddressMap: nodeRedisAddressMap(createNodeKeyer(), { onInvalid: () => {} }),
}
// @ts-expect-error node-redis wants undefined for "no mapping", not null
const wrong: NodeRedisAddressMapFunction = () => null

test('nodeRedisAddressMap: every spelling dials one canonical endpoint', () => {
  const map = nodeRedisAddressMap()
  for (const address of ['127.0.0.1:7000', 'LOCALHOST:7000', 'localhost:7000']) {
    assert.deepEqual(map(address), { host: '127.0.0.1', port: 7000 }, address)
  }
  for (const address of ['::1:7001', '[::1]:7001', '0:0:0:0:0:0:0:1:7001']) {
    assert.deepEqual(map(address), { host: '::1', port: 7001 }, address)
  }
})

test('nodeRedisAddressMap: a NAT table matches every spelling the cluster reports', () => {
  const keyer = createNodeKeyer({
    resolver: staticResolver({ '172.18.0.2:6379': { host: 'localhost', port: 7000 } }),
  })
  const map = nodeRedisAddressMap(keyer)
  for (const address of ['172.18.0.2:6379', '::ffff:172.18.0.2:6379', '[::ffff:ac12:2]:6379']) {
    assert.deepEqual(map(address), { host: 'localhost', port: 7000 }, address)
  }
  const dualStack = nodeRedisAddressMap(createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) }))
  assert.deepEqual(dualStack('::1:7002'), { host: '127.0.0.1', port: 7002 })
})

test('nodeRedisAddressMap: a refused address maps to undefined and is reported', () => {
  const refused: [string, NodeKeyError][] = []
  const map = nodeRedisAddressMap(undefined, {
    onInvalid: (address, error) => refused.push([address, error]),
  })
  assert.equal(map(':7002'), undefined)
  assert.deepEqual(
    refused.map(([address, error]) => [address, error.reason]),
    [[':7002', 'empty-host']],
  )
  assert.throws(() => nodeRedisAddressMap({} as never), { name: 'TypeError', message: /nodeRedisAddressMap/ })
  assert.throws(() => nodeRedisAddressMap(undefined, { onInvalid: 'x' as never }), { name: 'TypeError' })
})

test('nodeRedisRootNodes: canonical sockets, one per node, in order', () => {
  assert.deepEqual(
    nodeRedisRootNodes(['LOCALHOST:7000', '127.0.0.1:7000', '[::1]:7001', 'redis://localhost:7002']),
    [
      { socket: { host: '127.0.0.1', port: 7000 } },
      { socket: { host: '::1', port: 7001 } },
      { socket: { host: '127.0.0.1', port: 7002 } },
    ],
  )
  assert.throws(() => nodeRedisRootNodes([]), { name: 'TypeError', message: /nodeRedisRootNodes/ })
  assert.throws(() => nodeRedisRootNodes(['localhost']), { name: 'InvalidPortError' })
})

test('the type checks above hold values too', () => {
  assert.equal(options5.rootNodes.length, 1)
  assert.equal(typeof options6.nodeAddressMap, 'function')
  assert.equal(wrong('x'), null)
})

// With TLS, the answers and root nodes still fit node-redis's own option types.
const tlsOptions6: Redis6ClusterOptions = {
  rootNodes: nodeRedisRootNodes(['node-a.localhost:7000'], undefined, { tls: true }),
  nodeAddressMap: nodeRedisAddressMap(undefined, { tls: { rejectUnauthorized: true } }),
  defaults: { socket: { tls: true, rejectUnauthorized: true } },
}

test('nodeRedisAddressMap with tls: true: the socket gets the name the node was announced by', () => {
  const map = nodeRedisAddressMap(undefined, { tls: true })
  for (const address of ['node-a.localhost:7000', 'NODE-A.localhost.:7000']) {
    assert.deepEqual(map(address), { host: '127.0.0.1', port: 7000, servername: 'node-a.localhost' }, address)
  }
  assert.deepEqual(map('127.0.0.1:7000'), { host: '127.0.0.1', port: 7000 })
  // tls: false is no TLS at all.
  assert.deepEqual(nodeRedisAddressMap(undefined, { tls: false })('node-a.localhost:7000'), {
    host: '127.0.0.1',
    port: 7000,
  })
})

test('nodeRedisAddressMap with TLS options: in every socket, with tls: true, under host, port and servername', () => {
  const ca = Buffer.from('the CA')
  const options = { ca, rejectUnauthorized: true, host: 'elsewhere', servername: 'fallback.example' }
  const map = nodeRedisAddressMap(undefined, { tls: options })
  assert.deepEqual(map('node-b.localhost:7001'), {
    ca,
    rejectUnauthorized: true,
    host: '127.0.0.1',
    port: 7001,
    servername: 'node-b.localhost',
    tls: true,
  })
  // A node announced by IP keeps the caller's servername.
  assert.equal((map('127.0.0.1:7001') as { servername?: string }).servername, 'fallback.example')
  options.rejectUnauthorized = false
  assert.equal((map('127.0.0.1:7001') as { rejectUnauthorized?: boolean }).rejectUnauthorized, true)
})

test('nodeRedisAddressMap with a topology and preferredEndpoint', () => {
  const topology = readClusterSlots(
    [0, 1, 2].map((i) => [
      i * 5000,
      i * 5000 + 4999,
      ['127.0.0.1', 7000 + i, String(i + 1).repeat(40), ['hostname', `node-${'abc'[i]}.localhost`]],
    ]),
  )
  const map = nodeRedisAddressMap(undefined, { tls: true, topology: () => topology })
  assert.deepEqual(map('127.0.0.1:7002'), { host: '127.0.0.1', port: 7002, servername: 'node-c.localhost' })
  const names = nodeRedisAddressMap(createNodeKeyer({ resolver: null }), {
    tls: true,
    topology: () => topology,
    preferredEndpoint: 'hostname',
  })
  assert.deepEqual(names('127.0.0.1:7002'), {
    host: 'node-c.localhost',
    port: 7002,
    servername: 'node-c.localhost',
  })
})

test('nodeRedisRootNodes with tls', () => {
  assert.deepEqual(
    nodeRedisRootNodes(['node-a.localhost:7000', '127.0.0.1:7001'], undefined, {
      tls: { rejectUnauthorized: true },
    }),
    [
      {
        socket: {
          rejectUnauthorized: true,
          tls: true,
          host: '127.0.0.1',
          port: 7000,
          servername: 'node-a.localhost',
        },
      },
      { socket: { rejectUnauthorized: true, tls: true, host: '127.0.0.1', port: 7001 } },
    ],
  )
  assert.deepEqual(tlsOptions6.rootNodes, [
    { socket: { host: '127.0.0.1', port: 7000, servername: 'node-a.localhost' } },
  ])
})

test('the node-redis adapters refuse bad TLS and endpoint options with a TypeError', () => {
  for (const [options, message] of [
    [{ tls: 'yes' }, /`tls` of nodeRedisAddressMap to be a boolean or an object of TLS options, got "yes"/],
    [{ tls: [true] }, /`tls` of nodeRedisAddressMap to be a boolean or an object of TLS options/],
    [{ preferredEndpoint: 'hostname' }, /`topology` of nodeRedisAddressMap with `preferredEndpoint`/],
    [{ preferredEndpoint: 'both', topology: () => undefined }, /'ip' or 'hostname', got "both"/],
  ] as const) {
    assert.throws(() => nodeRedisAddressMap(undefined, options as never), { name: 'TypeError', message })
  }
  assert.throws(() => nodeRedisRootNodes(['127.0.0.1:7000'], undefined, { tls: 1 } as never), {
    name: 'TypeError',
    message: /`tls` of nodeRedisRootNodes/,
  })
  assert.throws(
    () => nodeRedisRootNodes(['127.0.0.1:7000'], undefined, { topology: () => undefined } as never),
    {
      name: 'TypeError',
      message: /Unknown option "topology" of nodeRedisRootNodes/,
    },
  )
  assert.equal(typeof tlsOptions6.nodeAddressMap, 'function')
})
