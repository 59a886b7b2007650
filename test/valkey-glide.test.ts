/**
 * The Valkey GLIDE adapter (`canonical-node-key/valkey-glide`): its values, its errors, and its types against
 * `@valkey/valkey-glide`'s own client configurations (checked by `tsc -p tsconfig.check.json`). Against a
 * real cluster, see test/integration/valkey-clients.test.ts.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { GlideClientConfiguration, GlideClusterClientConfiguration } from '@valkey/valkey-glide'
import {
  type ValkeyGlideAddress,
  type ValkeyGlideAddressResolver,
  valkeyGlideAddresses,
  valkeyGlideAddressResolver,
} from '../src/adapters/valkey-glide.ts'
import {
  canonicalNodeKey,
  chainResolvers,
  createNodeKeyer,
  loopbackResolver,
  type NodeKeyError,
  staticResolver,
} from '../src/index.ts'
import { readClusterSlots } from '../src/topology/index.ts'

// The adapter fits GLIDE's own configuration types, cluster and standalone.
const cluster: GlideClusterClientConfiguration = {
  addresses: valkeyGlideAddresses(['LOCALHOST:7000', '[::1]:7001']),
  addressResolver: valkeyGlideAddressResolver(),
}
const standalone: GlideClientConfiguration = {
  addresses: valkeyGlideAddresses(['valkey://localhost'], createNodeKeyer(), { tls: true }),
  addressResolver: valkeyGlideAddressResolver(createNodeKeyer(), { tls: true, onInvalid: () => {} }),
  useTLS: true,
}
// @ts-expect-error GLIDE wants a [host, port] pair, not a key
const wrong: ValkeyGlideAddressResolver = (host: string, port: number) => canonicalNodeKey(host, port)

test('valkeyGlideAddressResolver: every spelling GLIDE passes answers one canonical endpoint', () => {
  const resolve = valkeyGlideAddressResolver()
  for (const host of ['127.0.0.1', 'LOCALHOST', 'localhost.', '127.1', 'node-a.localhost']) {
    assert.deepEqual(resolve(host, 7000), ['127.0.0.1', 7000], host)
  }
  // IPv6 as GLIDE passes it (bare) and as people write it; the answer is bare, as GLIDE must be told.
  for (const host of ['::1', '[::1]', '0:0:0:0:0:0:0:1', '[0::1]']) {
    assert.deepEqual(resolve(host, 7001), ['::1', 7001], host)
  }
  assert.deepEqual(resolve('fe80::1%eth0', 7002), ['fe80::1%eth0', 7002])
  // Without the dual-stack policy, ::1 is its own server.
  assert.notDeepEqual(resolve('::1', 7000), resolve('127.0.0.1', 7000))
  // A name stays the name: only its spelling is made canonical.
  assert.deepEqual(resolve('Cache.Example', 6379), ['cache.example', 6379])
  // Fresh pairs: GLIDE may keep what it is given.
  assert.notEqual(resolve('127.0.0.1', 7000), resolve('127.0.0.1', 7000))
})

test('valkeyGlideAddressResolver answers its own answers with themselves (GLIDE may ask twice)', () => {
  const keyers = [
    canonicalNodeKey,
    createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) }),
    createNodeKeyer({ resolver: staticResolver({ '10.0.0.5:6379': '127.0.0.1:7005' }) }),
  ]
  for (const keyer of keyers) {
    const resolve = valkeyGlideAddressResolver(keyer)
    for (const [host, port] of [
      ['LOCALHOST', 7000],
      ['::1', 7001],
      ['10.0.0.5', 6379],
      ['Cache.Example', 6379],
    ] as const) {
      const once = resolve(host, port)
      assert.deepEqual(resolve(...once), once, `${host}:${port}`)
    }
  }
})

test('valkeyGlideAddressResolver with the dual-stack policy and a NAT table, through one keyer', () => {
  const keyer = createNodeKeyer({
    resolver: chainResolvers(
      loopbackResolver({ dualStack: true }),
      staticResolver({ '10.0.0.5:6379': { host: 'localhost', port: 7005 } }),
    ),
  })
  const resolve = valkeyGlideAddressResolver(keyer)
  for (const host of ['::1', '[::1]', '127.0.0.1', 'LOCALHOST']) {
    assert.deepEqual(resolve(host, 7000), ['127.0.0.1', 7000], host)
  }
  assert.deepEqual(resolve('10.0.0.5', 6379), ['127.0.0.1', 7005])
})

test('valkeyGlideAddressResolver: an address the keyer refuses is answered as asked and reported', () => {
  const refused: [string, NodeKeyError][] = []
  const resolve = valkeyGlideAddressResolver(undefined, {
    onInvalid: (address, error) => refused.push([address, error]),
  })
  assert.deepEqual(resolve('', 7002), ['', 7002])
  assert.deepEqual(resolve('bad host', 7000), ['bad host', 7000])
  assert.deepEqual(resolve('127.0.0.1', 0), ['127.0.0.1', 0])
  assert.deepEqual(resolve('::1::2', 7000), ['::1::2', 7000])
  assert.deepEqual(
    refused.map(([address, error]) => [address, error.code]),
    [
      [':7002', 'ERR_NODE_KEY_INVALID_HOST'],
      ['bad host:7000', 'ERR_NODE_KEY_INVALID_HOST'],
      ['127.0.0.1:0', 'ERR_NODE_KEY_INVALID_PORT'],
      ['[::1::2]:7000', 'ERR_NODE_KEY_INVALID_HOST'],
    ],
  )
  // Silent without onInvalid.
  assert.deepEqual(valkeyGlideAddressResolver()('', 7002), ['', 7002])
  // A keyer that fails for another reason (a bug) is not hidden.
  const broken = valkeyGlideAddressResolver(() => {
    throw new RangeError('bug')
  })
  assert.throws(() => broken('127.0.0.1', 7000), RangeError)
  // A host that is no string at all is a TypeError (GLIDE then dials what it asked about).
  assert.throws(() => valkeyGlideAddressResolver()(7000 as never, 7000), {
    name: 'TypeError',
    message: /host given to valkeyGlideAddressResolver's function to be a string, got 7000/,
  })
})

test('valkeyGlideAddressResolver with tls: a name stays a name, so GLIDE checks the certificate against it', () => {
  const keyer = createNodeKeyer({
    resolver: chainResolvers(
      loopbackResolver(),
      staticResolver({ 'bücher.example': '10.0.0.9', 'old.example': 'new.example' }),
    ),
  })
  const plain = valkeyGlideAddressResolver(keyer)
  const secure = valkeyGlideAddressResolver(keyer, { tls: true })
  assert.deepEqual(plain('LOCALHOST', 7000), ['127.0.0.1', 7000])
  assert.deepEqual(secure('LOCALHOST', 7000), ['localhost', 7000])
  assert.deepEqual(secure('localhost.', 7000), ['localhost', 7000])
  // Punycode, as DNS and certificates write it; a NAT answer that is an IP address gives way to the name.
  assert.deepEqual(plain('BÜCHER.example', 6380), ['10.0.0.9', 6380])
  assert.deepEqual(secure('BÜCHER.example', 6380), ['xn--bcher-kva.example', 6380])
  // A NAT answer that is a name is the name dialled and checked.
  assert.deepEqual(secure('OLD.example', 6380), ['new.example', 6380])
  // An IP address gives no name: it stays as it is.
  assert.deepEqual(secure('127.0.0.1', 7001), ['127.0.0.1', 7001])
  assert.deepEqual(secure('::1', 7001), ['::1', 7001])
  assert.deepEqual(valkeyGlideAddressResolver(keyer, { tls: false })('LOCALHOST', 7000), ['127.0.0.1', 7000])
})

/** A `CLUSTER SLOTS` reply of three masters announced by IP, with hostnames. */
const slotsReply = (hostnames: readonly string[], ips: readonly string[]) =>
  hostnames.map((hostname, i) => [
    i * 5000,
    i * 5000 + 4999,
    [ips[i], 7000 + i, String(i + 1).repeat(40), ['hostname', hostname]],
  ])

test('valkeyGlideAddressResolver with a topology: preferredEndpoint, and the hostname under tls', () => {
  const topology = readClusterSlots(
    slotsReply(['node-a.example', 'node-b.example', 'node-c.example'], ['10.0.0.1', '10.0.0.2', '10.0.0.3']),
  )
  const byName = valkeyGlideAddressResolver(undefined, {
    topology: () => topology,
    preferredEndpoint: 'hostname',
  })
  assert.deepEqual(byName('10.0.0.2', 7001), ['node-b.example', 7001])
  assert.deepEqual(byName('NODE-B.example', 7001), ['node-b.example', 7001])
  const byIp = valkeyGlideAddressResolver(undefined, { topology: () => topology, preferredEndpoint: 'ip' })
  assert.deepEqual(byIp('Node-C.Example', 7002), ['10.0.0.3', 7002])
  // Under tls, a node announced by IP is answered by the hostname it announces.
  const secure = valkeyGlideAddressResolver(undefined, { topology: () => topology, tls: true })
  assert.deepEqual(secure('10.0.0.1', 7000), ['node-a.example', 7000])
  // A node the topology does not list answers as it would without one.
  assert.deepEqual(secure('10.0.0.9', 7000), ['10.0.0.9', 7000])
  // No topology yet: as without one.
  assert.deepEqual(
    valkeyGlideAddressResolver(undefined, { topology: () => undefined, tls: true })('10.0.0.1', 7000),
    ['10.0.0.1', 7000],
  )
})

test('valkeyGlideAddressResolver rejects bad arguments with a TypeError', () => {
  assert.throws(() => valkeyGlideAddressResolver('keyer' as never), {
    name: 'TypeError',
    message: /keyer of valkeyGlideAddressResolver to be a keyer function/,
  })
  assert.throws(() => valkeyGlideAddressResolver(undefined, { onInvalid: 1 as never }), {
    name: 'TypeError',
    message: /`onInvalid` of valkeyGlideAddressResolver to be a function, got 1/,
  })
  assert.throws(() => valkeyGlideAddressResolver(undefined, { tls: {} as never }), {
    name: 'TypeError',
    message: /`tls` of valkeyGlideAddressResolver to be a boolean/,
  })
  assert.throws(() => valkeyGlideAddressResolver(undefined, { useTLS: true } as never), {
    name: 'TypeError',
    message: /Unknown option "useTLS" of valkeyGlideAddressResolver/,
  })
  assert.throws(() => valkeyGlideAddressResolver(undefined, { preferredEndpoint: 'hostname' }), {
    name: 'TypeError',
    message: /`topology` of valkeyGlideAddressResolver with `preferredEndpoint`/,
  })
  assert.throws(() => valkeyGlideAddressResolver(undefined, 'x' as never), {
    name: 'TypeError',
    message: /options/,
  })
})

test('valkeyGlideAddressResolver with tls: a name is answered only where it reaches the same endpoint', () => {
  // A NAT table that moves the port too: the name at the new port would reach neither endpoint.
  const nat = createNodeKeyer({ resolver: staticResolver({ 'node-a.example:6380': '203.0.113.7:16380' }) })
  assert.deepEqual(valkeyGlideAddressResolver(nat, { tls: true })('node-a.example', 6380), [
    '203.0.113.7',
    16380,
  ])
  assert.deepEqual(valkeyGlideAddresses(['node-a.example:6380'], nat, { tls: true }), [
    { host: '203.0.113.7', port: 16380 },
  ])
  // A resolver that keeps the port: the name stays a name.
  const names = createNodeKeyer({ resolver: staticResolver({ 'node-a.example': '203.0.113.7' }) })
  assert.deepEqual(valkeyGlideAddressResolver(names, { tls: true })('node-a.example', 6380), [
    'node-a.example',
    6380,
  ])
})

test("valkeyGlideAddressResolver refuses tls with preferredEndpoint 'ip'", () => {
  assert.throws(
    () =>
      valkeyGlideAddressResolver(undefined, {
        tls: true,
        preferredEndpoint: 'ip',
        topology: () => undefined,
      }),
    (error: unknown) => error instanceof TypeError && /not to be 'ip' with `tls`/.test(error.message),
  )
  assert.doesNotThrow(() =>
    valkeyGlideAddressResolver(undefined, {
      tls: true,
      preferredEndpoint: 'hostname',
      topology: () => undefined,
    }),
  )
})

test('valkeyGlideAddresses: canonical seeds, one per node, in order', () => {
  const seeds = ['LOCALHOST:7000', '[::1]:7001', 'valkey://127.0.0.1:7000', '127.0.0.1:7002']
  seeds.push('::1:7001', 'redis://localhost:7002')
  const addresses: ValkeyGlideAddress[] = valkeyGlideAddresses([
    ...seeds,
    { host: 'Localhost', port: '7003' },
  ])
  assert.deepEqual(addresses, [
    { host: '127.0.0.1', port: 7000 },
    { host: '::1', port: 7001 },
    { host: '127.0.0.1', port: 7002 },
    { host: '127.0.0.1', port: 7003 },
  ])
  const dualStack = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
  assert.deepEqual(valkeyGlideAddresses(['[::1]:7000', '127.0.0.1:7000'], dualStack), [
    { host: '127.0.0.1', port: 7000 },
  ])
  // Under tls a seed keeps its name; the first spelling of a node decides.
  assert.deepEqual(
    valkeyGlideAddresses(['LOCALHOST:7000', '127.0.0.1:7000', '127.0.0.1:7001'], undefined, { tls: true }),
    [
      { host: 'localhost', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
    ],
  )
  assert.throws(() => valkeyGlideAddresses(['localhost:7000', 'a b:7000']), { name: 'InvalidHostError' })
  assert.throws(() => valkeyGlideAddresses([]), { name: 'TypeError', message: /at least one seed/ })
  assert.throws(() => valkeyGlideAddresses('localhost:7000' as never), {
    name: 'TypeError',
    message: /seeds of valkeyGlideAddresses to be an array/,
  })
  assert.throws(() => valkeyGlideAddresses(['localhost:7000'], undefined, { tls: 'yes' as never }), {
    name: 'TypeError',
    message: /`tls` of valkeyGlideAddresses to be a boolean/,
  })
})

test('the type checks above hold values too', () => {
  assert.equal(typeof cluster.addressResolver, 'function')
  assert.deepEqual(standalone.addresses, [{ host: 'localhost', port: 6379 }])
  assert.deepEqual(standalone.addressResolver?.('LOCALHOST', 6379), ['localhost', 6379])
  assert.equal(typeof wrong, 'function')
})
