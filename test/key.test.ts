import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  canonicalNodeKey,
  chainResolvers,
  createNodeKeyer,
  formatNodeKey,
  InvalidHostError,
  InvalidPortError,
  loopbackResolver,
  type Resolver,
  staticResolver,
} from '../src/index.ts'

test('every spelling of one node gives one key', () => {
  const spellings = [
    'LOCALHOST:7000',
    '127.0.0.1:7000',
    '127.1:7000',
    '0x7f.0.0.1:07000',
    'redis://localhost:7000',
    'redis://user:pass@LocalHost:7000/0',
    { host: 'localhost', port: '7000' },
    { host: '127.0.0.1', port: 7000 },
    '[::ffff:127.0.0.1]:7000',
    'localhost.:7000',
  ]
  const keys = new Set(spellings.map((spelling) => canonicalNodeKey(spelling)))
  assert.deepEqual([...keys], ['127.0.0.1:7000'])
  assert.equal(canonicalNodeKey('LOCALHOST', 7000), '127.0.0.1:7000')
  assert.equal(canonicalNodeKey('localhost', '7000'), '127.0.0.1:7000')
})

test('IPv6 keys are bracketed; ::1 and 127.0.0.1 stay two nodes', () => {
  assert.equal(canonicalNodeKey('::1:7002'), '[::1]:7002')
  assert.equal(canonicalNodeKey('[0:0:0:0:0:0:0:1]:7002'), '[::1]:7002')
  assert.equal(canonicalNodeKey('::1', 7002), '[::1]:7002')
  assert.equal(canonicalNodeKey('[::1]', 7002), '[::1]:7002')
  assert.equal(canonicalNodeKey('[fe80::1%25eth0]', 1), '[fe80::1%eth0]:1')
  // A bare zone is literal; in a key, a zone that starts with "25" is written escaped so it reads back.
  assert.equal(canonicalNodeKey('fe80::1%251', 1), '[fe80::1%25251]:1')
  assert.equal(canonicalNodeKey('[fe80::1%25251]:1'), '[fe80::1%25251]:1')
  assert.notEqual(canonicalNodeKey('fe80::1%251', 1), canonicalNodeKey('fe80::1%1', 1))
  assert.notEqual(canonicalNodeKey('::1', 7002), canonicalNodeKey('127.0.0.1', 7002))
  assert.notEqual(canonicalNodeKey('127.0.0.2', 7002), canonicalNodeKey('127.0.0.1', 7002))
})

test('the two-argument form reads the first argument as a host; an undefined port means none was given', () => {
  assert.throws(() => canonicalNodeKey('localhost:7000', 7000), {
    name: 'InvalidHostError',
    reason: 'invalid-ipv6',
  })
  // (x, undefined): no port given. A host takes the default port; an address that is no host gives its own.
  assert.equal(canonicalNodeKey('localhost:7000', undefined), '127.0.0.1:7000')
  assert.equal(canonicalNodeKey('[::1]:7000', undefined), '[::1]:7000')
  assert.equal(canonicalNodeKey('redis://localhost:7001', undefined), '127.0.0.1:7001')
  assert.throws(() => canonicalNodeKey('localhost', undefined), {
    name: 'InvalidPortError',
    reason: 'missing-port',
  })
  const withDefault = createNodeKeyer({ defaultPort: 6379 })
  assert.equal(withDefault('::1', undefined), '[::1]:6379', "a bare IPv6 host, not Redis's ::1 with port 1")
  assert.equal(
    withDefault('::1:7002', undefined),
    '[::1:7002]:6379',
    'read as a host, as (host, port) reads it',
  )
  assert.equal(withDefault('localhost', undefined), '127.0.0.1:6379')
  assert.equal(withDefault.endpoint('localhost:7000', undefined).key, '127.0.0.1:7000')
  // Neither a host nor an address: the host's error.
  assert.throws(() => canonicalNodeKey('a..b:7000', undefined), { name: 'InvalidHostError' })
})

test('errors are typed', () => {
  assert.throws(() => canonicalNodeKey('a..b', 1), InvalidHostError)
  assert.throws(() => canonicalNodeKey('h', 0), InvalidPortError)
  assert.throws(() => canonicalNodeKey('h'), { name: 'InvalidPortError', reason: 'missing-port' })
  assert.throws(() => canonicalNodeKey(':7002'), { name: 'InvalidHostError', reason: 'empty-host' })
  assert.throws(() => canonicalNodeKey(null as unknown as string), {
    name: 'InvalidHostError',
    reason: 'not-a-string',
  })
})

test('the default keyer resolves localhost; resolver: null does not', () => {
  const plain = createNodeKeyer({ resolver: null })
  assert.equal(plain('localhost', 7000), 'localhost:7000')
  assert.equal(plain('LOCALHOST:7000'), 'localhost:7000')
  assert.equal(createNodeKeyer()('localhost', 7000), '127.0.0.1:7000')
  assert.equal(createNodeKeyer({})('a.localhost', 7000), '127.0.0.1:7000')
  assert.equal(createNodeKeyer({ resolver: undefined })('localhost', 7000), '127.0.0.1:7000')
})

test('options: defaultPort, trailingDot, mappedIPv4', () => {
  const keyer = createNodeKeyer({ defaultPort: 6379, resolver: null })
  assert.equal(keyer('node'), 'node:6379')
  assert.equal(keyer({ host: 'node' }), 'node:6379')
  assert.equal(keyer('node', undefined), 'node:6379')
  assert.equal(keyer('node:7000'), 'node:7000')
  assert.equal(keyer('memcached://node'), 'node:11211')

  assert.equal(createNodeKeyer()('redis.', 1), 'redis.:1')
  const strip = createNodeKeyer({ trailingDot: 'strip' })
  assert.equal(strip('redis.', 1), 'redis:1')
  assert.equal(strip('redis.:1'), 'redis:1')
  assert.equal(strip('localhost.', 1), '127.0.0.1:1')

  assert.equal(createNodeKeyer()('::ffff:10.0.0.1', 1), '10.0.0.1:1')
  const keep = createNodeKeyer({ mappedIPv4: 'keep' })
  assert.equal(keep('::ffff:10.0.0.1', 1), '[::ffff:10.0.0.1]:1')
  assert.equal(keep('[::FFFF:a00:1]:1'), '[::ffff:10.0.0.1]:1')
})

test('bad options are TypeErrors that name the option', () => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /options of createNodeKeyer/],
    ['x', /options of createNodeKeyer/],
    [{ cacheSize: -1 }, /`cacheSize`/],
    [{ cacheSize: 1.5 }, /`cacheSize`/],
    [{ cacheSize: Number.POSITIVE_INFINITY }, /`cacheSize`/],
    [{ cacheSize: '10' }, /`cacheSize`/],
    [{ defaultPort: 0 }, /`defaultPort`/],
    [{ defaultPort: '6379' }, /`defaultPort`/],
    [{ resolver: 'loopback' }, /`resolver`/],
    [{ resolver: {} }, /`resolver`/],
    [{ trailingDot: 'drop' }, /`trailingDot`/],
    [{ mappedIPv4: true }, /`mappedIPv4`/],
  ]
  for (const [options, message] of bad) {
    assert.throws(
      () => createNodeKeyer(options as never),
      { name: 'TypeError', message },
      JSON.stringify(options),
    )
  }
})

test("the resolver's answer is canonicalized and validated, never resolved again", () => {
  const toLocalhost: Resolver = (endpoint) =>
    endpoint.host === 'alias' ? { host: 'LOCALHOST', port: 7000 } : undefined
  const keyer = createNodeKeyer({ resolver: toLocalhost })
  assert.equal(keyer('alias', 1), 'localhost:7000')
  assert.equal(keyer('other', 1), 'other:1')

  // The resolver sees the canonical endpoint.
  const seen: unknown[] = []
  createNodeKeyer({ resolver: (endpoint) => void seen.push(endpoint) })('[0:0::1]:07000')
  assert.deepEqual(seen, [{ host: '::1', port: 7000 }])

  // An answer without a port keeps the port asked about.
  const noPort = createNodeKeyer({ resolver: () => ({ host: '0:0::2' }) as never })
  assert.equal(noPort('h', 9), '[::2]:9')

  for (const answer of [{ host: 'a b', port: 1 }, { host: 'h', port: 0 }, null, 'x:1', 7]) {
    const keyer = createNodeKeyer({ resolver: () => answer as never })
    assert.throws(() => keyer('h', 1), {
      name: 'InvalidHostError',
      reason: 'resolver',
      message: /^Expected the resolver to answer/,
    })
  }
})

test('a keyer offers stats, clear and close', () => {
  const keyer = createNodeKeyer()
  assert.equal(typeof keyer.stats, 'function')
  assert.equal(typeof keyer.clear, 'function')
  assert.equal(typeof keyer.close, 'function')
  keyer('a', 1)
  keyer('a', 1)
  assert.deepEqual(keyer.stats(), { hits: 1, misses: 1, size: 1, evictions: 0 })
  keyer.close()
  assert.equal(keyer('a', 1), 'a:1')
  assert.equal(canonicalNodeKey('a', 1), 'a:1')
  const defaults = staticResolver({})
  assert.equal(defaults({ host: 'a', port: 1 }), undefined)
  assert.deepEqual(loopbackResolver()({ host: 'localhost', port: 1 }), { host: '127.0.0.1', port: 1 })
})

test('keyer.endpoint gives the key, the endpoint after the resolver, and the DNS name for SNI', () => {
  const keyer = createNodeKeyer({
    resolver: chainResolvers(
      staticResolver({
        '10.0.1.230:30001': { host: '203.0.113.73', port: 30001 },
        'cache.example': '10.0.0.7',
      }),
      loopbackResolver(),
    ),
  })
  // NAT: the key and the host to dial are both the external address; an IP literal gives no servername.
  assert.deepEqual(
    { ...keyer.endpoint('10.0.1.230', 30001) },
    { key: '203.0.113.73:30001', host: '203.0.113.73', port: 30001, given: '10.0.1.230' },
  )
  assert.deepEqual(
    { ...keyer.endpoint('rediss://Cache.Example:6380') },
    {
      key: '10.0.0.7:6380',
      host: '10.0.0.7',
      port: 6380,
      servername: 'cache.example',
      given: 'cache.example',
    },
  )
  assert.deepEqual(
    { ...keyer.endpoint('LOCALHOST', 7000) },
    { key: '127.0.0.1:7000', host: '127.0.0.1', port: 7000, servername: 'localhost', given: 'localhost' },
  )
  // IPv6 bare, as net.connect wants it; no servername for any spelling of an IP address.
  assert.deepEqual(
    { ...keyer.endpoint('[0:0::1]:7000') },
    { key: '[::1]:7000', host: '::1', port: 7000, given: '::1' },
  )
  assert.deepEqual(
    { ...keyer.endpoint('::ffff:7f00:1', 7000) },
    { key: '127.0.0.1:7000', host: '127.0.0.1', port: 7000, given: '127.0.0.1' },
  )
  assert.deepEqual(
    { ...keyer.endpoint('0x7f.1:7000') },
    { key: '127.0.0.1:7000', host: '127.0.0.1', port: 7000, given: '127.0.0.1' },
  )
  // Unicode names as punycode; the servername is the name as the caller gave it, before the resolver.
  assert.deepEqual(
    { ...keyer.endpoint({ host: 'BÜCHER.example', port: '7000' }) },
    {
      key: 'xn--bcher-kva.example:7000',
      host: 'xn--bcher-kva.example',
      port: 7000,
      servername: 'xn--bcher-kva.example',
      given: 'xn--bcher-kva.example',
    },
  )
  assert.equal('servername' in keyer.endpoint('10.0.0.1:1'), false)
  // A trailing dot is part of the key (a different name to a resolver with search domains), never of SNI.
  assert.deepEqual(
    { ...keyer.endpoint('Redis-1.Internal.:6379') },
    {
      key: 'redis-1.internal.:6379',
      host: 'redis-1.internal.',
      port: 6379,
      servername: 'redis-1.internal',
      given: 'redis-1.internal.',
    },
  )
})

test('keyer.endpoint goes through the memo the keyer uses, and agrees with it for every call shape', () => {
  const keyer = createNodeKeyer()
  const first = keyer.endpoint('localhost:7000')
  assert.equal(keyer.stats().misses, 1)
  assert.equal(keyer('localhost:7000'), first.key)
  assert.equal(keyer.endpoint('localhost:7000'), first) // the very answer the memo holds
  assert.equal(keyer.stats().misses, 1)
  assert.equal(Object.isFrozen(first), true)
  keyer('localhost', 7001)
  assert.equal(keyer.endpoint('localhost', 7001).key, '127.0.0.1:7001')
  assert.equal(keyer.stats().misses, 2)
  for (const cacheSize of [0, 10]) {
    const other = createNodeKeyer({ cacheSize, defaultPort: 6379 })
    for (const input of ['Redis-1.internal', 'redis://[::1]', '127.1', { host: 'a.b.', port: 1 }] as const) {
      const endpoint = other.endpoint(input)
      assert.equal(endpoint.key, other(input))
      assert.equal(endpoint.key, formatNodeKey(endpoint))
    }
    assert.equal(other.endpoint('Redis-1.internal', undefined).servername, 'redis-1.internal')
    assert.throws(() => other.endpoint('a..b', 1), { name: 'InvalidHostError' })
    assert.throws(() => other.endpoint('a:0'), { name: 'InvalidPortError' })
  }
})

test('changedSince names the hosts a resolver reported since a generation, or says it cannot tell', () => {
  const listeners = new Set<(change: { hosts?: readonly string[] | undefined }) => void>()
  const resolver: Resolver = () => undefined
  resolver.subscribe = (listener) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }
  const tell = (hosts?: readonly string[]) => {
    for (const listener of listeners) listener({ hosts })
  }
  const keyer = createNodeKeyer({ resolver })
  const start = keyer.generation
  assert.deepEqual(keyer.changedSince(start), [])
  tell(['a.test'])
  tell(['b.test', 'a.test'])
  assert.deepEqual(keyer.changedSince(start), ['a.test', 'b.test'])
  assert.deepEqual(keyer.changedSince(start + 1), ['b.test', 'a.test'])
  assert.deepEqual(keyer.changedSince(keyer.generation), [])
  // A generation it has not reached, or a change without hosts, cannot be told host by host.
  assert.equal(keyer.changedSince(keyer.generation + 1), undefined)
  const beforeClear = keyer.generation
  keyer.clear()
  assert.equal(keyer.changedSince(beforeClear), undefined)
  const afterClear = keyer.generation
  tell(undefined)
  assert.equal(keyer.changedSince(afterClear), undefined)
  // The log is bounded: past 64 changes, the oldest generations are no longer told apart.
  const old = keyer.generation
  for (let i = 0; i < 65; i++) tell([`n${i}.test`])
  assert.equal(keyer.changedSince(old), undefined)
  assert.deepEqual(
    keyer.changedSince(old + 1),
    Array.from({ length: 64 }, (_, i) => `n${i + 1}.test`),
  )
  keyer.close()
})

test('an answer is asked for once: the key and the endpoint come from one lookup in the memo', () => {
  const keyer = createNodeKeyer()
  const answer = keyer.endpoint('LOCALHOST:7000')
  assert.deepEqual(keyer.stats(), { hits: 0, misses: 1, size: 1, evictions: 0 })
  // The key of the same input is the answer's, from the memo.
  assert.equal(keyer('LOCALHOST:7000'), answer.key)
  assert.equal(keyer.endpoint('LOCALHOST:7000'), answer)
  assert.deepEqual(keyer.stats(), { hits: 2, misses: 1, size: 1, evictions: 0 })
})
