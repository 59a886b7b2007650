import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  canonicalNodeKey,
  chainResolvers,
  createNodeKeyer,
  loopbackResolver,
  type Resolver,
  type ResolverListener,
  staticResolver,
} from '../src/index.ts'

test('loopbackResolver: localhost, localhost. and *.localhost become 127.0.0.1 (RFC 6761 section 6.3)', () => {
  const resolve = loopbackResolver()
  assert.deepEqual(resolve({ host: 'localhost', port: 7000 }), { host: '127.0.0.1', port: 7000 })
  assert.deepEqual(resolve({ host: 'localhost.', port: 7000 }), { host: '127.0.0.1', port: 7000 })
  assert.deepEqual(resolve({ host: 'node-1.localhost', port: 1 }), { host: '127.0.0.1', port: 1 })
  for (const host of ['::1', '127.0.0.2', 'notlocalhost', 'localhost.example', 'localhostx', 'local']) {
    assert.equal(resolve({ host, port: 1 }), undefined, host)
  }
  const keyer = createNodeKeyer({ resolver: resolve })
  assert.equal(keyer('LOCALHOST', 7000), '127.0.0.1:7000')
  assert.equal(keyer('A.LocalHost.:7000'), '127.0.0.1:7000')
  assert.equal(keyer('::1:7000'), '[::1]:7000')
})

test("loopbackResolver({ to: '::1' }) and other targets", () => {
  const keyer = createNodeKeyer({ resolver: loopbackResolver({ to: '::1' }) })
  assert.equal(keyer('localhost', 7000), '[::1]:7000')
  assert.equal(keyer('localhost:7000'), '[::1]:7000')
  assert.equal(keyer('127.0.0.1:7000'), '127.0.0.1:7000')
  assert.equal(createNodeKeyer({ resolver: loopbackResolver({ to: '[0:0::1]' }) })('localhost', 1), '[::1]:1')
  assert.equal(
    createNodeKeyer({ resolver: loopbackResolver({ to: '127.1' }) })('localhost', 1),
    '127.0.0.1:1',
  )
  for (const to of ['localhost', 'example.com', '', 'a b', 1]) {
    assert.throws(() => loopbackResolver({ to: to as string }), {
      name: 'TypeError',
      message: /`to` of loopbackResolver/,
    })
  }
})

test('resolver: null keeps localhost as it is', () => {
  assert.equal(createNodeKeyer({ resolver: null })('LOCALHOST:7000'), 'localhost:7000')
})

test('staticResolver accepts an ioredis natMap table as it is', () => {
  const natMap = {
    '10.0.1.230:30001': { host: '203.0.113.73', port: 30001 },
    '10.0.1.231:30001': { host: '203.0.113.73', port: 30002 },
    '10.0.1.232:30001': { host: '203.0.113.73', port: 30003 },
  }
  const keyer = createNodeKeyer({ resolver: staticResolver(natMap) })
  assert.equal(keyer('10.0.1.230', 30001), '203.0.113.73:30001')
  assert.equal(keyer('10.0.1.231:30001'), '203.0.113.73:30002')
  assert.equal(keyer({ host: '10.0.1.232', port: '30001' }), '203.0.113.73:30003')
  // Another port of a mapped host is not in the table.
  assert.equal(keyer('10.0.1.230', 30002), '10.0.1.230:30002')
})

test("staticResolver canonicalizes the table's keys: 'LOCALHOST:7000' matches", () => {
  const resolver = staticResolver({
    'LOCALHOST:7000': { host: '10.0.0.9', port: 7000 },
    '[0:0::1]:7001': { host: '10.0.0.9', port: 7001 },
    '0x7f.1:7002': '10.0.0.9:7002',
  })
  const keyer = createNodeKeyer({ resolver })
  assert.equal(keyer('localhost', 7000), '10.0.0.9:7000')
  assert.equal(keyer('LocalHost:07000'), '10.0.0.9:7000')
  assert.equal(keyer('redis://localhost:7000'), '10.0.0.9:7000')
  assert.equal(keyer('::1:7001'), '10.0.0.9:7001')
  assert.equal(keyer('127.0.0.1', 7002), '10.0.0.9:7002')
  assert.equal(keyer('localhost', 7003), 'localhost:7003')
})

test('staticResolver: host-only keys, values without a port, address strings, Maps and entries', () => {
  const resolver = staticResolver(
    new Map<string, string | { host: string; port?: number }>([
      ['Cache-A', '10.0.0.7'],
      ['cache-a:1', { host: '10.0.0.8', port: 2 }],
      ['cache-b', { host: '10.0.0.9' }],
      ['[::1]', 'redis://[::2]:6380'],
    ]),
  )
  const keyer = createNodeKeyer({ resolver })
  // host:port wins over host.
  assert.equal(keyer('cache-a', 1), '10.0.0.8:2')
  assert.equal(keyer('cache-a', 6379), '10.0.0.7:6379')
  assert.equal(keyer('CACHE-B:6380'), '10.0.0.9:6380')
  assert.equal(keyer('[::1]:1'), '[::2]:6380')

  const fromEntries = staticResolver([['node-1:1', 'node-2:2']])
  assert.deepEqual(fromEntries({ host: 'node-1', port: 1 }), { host: 'node-2', port: 2 })
  assert.equal(fromEntries({ host: 'node-1', port: 2 }), undefined)
})

test('staticResolver values are canonicalized but not resolved again', () => {
  const keyer = createNodeKeyer({ resolver: staticResolver({ alias: { host: 'LOCALHOST', port: 7000 } }) })
  assert.equal(keyer('alias', 1), 'localhost:7000')
})

test('staticResolver: a key named __proto__ is a key like any other', () => {
  const table = JSON.parse('{"__proto__:7000": {"host": "10.0.0.1"}, "constructor": "10.0.0.2"}')
  const keyer = createNodeKeyer({ resolver: staticResolver(table) })
  assert.equal(keyer('__proto__', 7000), '10.0.0.1:7000')
  assert.equal(keyer('constructor', 1), '10.0.0.2:1')
  assert.equal(keyer('toString', 1), 'tostring:1')
  assert.equal(({} as Record<string, unknown>).host, undefined)
})

test('staticResolver refuses a bad table with a TypeError', () => {
  assert.throws(() => staticResolver(7 as never), { name: 'TypeError', message: /staticResolver table/ })
  assert.throws(() => staticResolver(null as never), { name: 'TypeError' })
  assert.throws(() => staticResolver({ 'a b': '10.0.0.1' }), { name: 'TypeError', message: /each key/ })
  assert.throws(() => staticResolver({ a: 'x y' }), { name: 'TypeError', message: /value for "a"/ })
  assert.throws(() => staticResolver({ a: { host: 'h', port: 0 } }), { name: 'TypeError' })
  assert.throws(() => staticResolver({ a: 7 as never }), { name: 'TypeError' })
})

test('chainResolvers applies resolvers in order, each on the answer before', () => {
  const aToB = staticResolver({ a: 'b' })
  const bToC = staticResolver({ b: 'c' })
  assert.equal(createNodeKeyer({ resolver: chainResolvers(aToB, bToC) })('a', 1), 'c:1')
  assert.equal(createNodeKeyer({ resolver: chainResolvers(bToC, aToB) })('a', 1), 'b:1')

  const nat = staticResolver({ '127.0.0.1:7000': '10.0.0.1:7000' })
  assert.equal(
    createNodeKeyer({ resolver: chainResolvers(loopbackResolver(), nat) })('localhost', 7000),
    '10.0.0.1:7000',
  )
  assert.equal(
    createNodeKeyer({ resolver: chainResolvers(nat, loopbackResolver()) })('localhost', 7000),
    '127.0.0.1:7000',
  )
})

test('chainResolvers answers undefined when nothing changed, and canonicalizes between members', () => {
  const seen: string[] = []
  const spy: Resolver = (endpoint) => void seen.push(`${endpoint.host}:${endpoint.port}`)
  const chain = chainResolvers(staticResolver({ a: { host: 'B.EXAMPLE', port: 2 } }), spy)
  assert.equal(chain({ host: 'z', port: 1 }), undefined)
  assert.deepEqual(chain({ host: 'a', port: 1 }), { host: 'b.example', port: 2 })
  assert.deepEqual(seen, ['z:1', 'b.example:2'])
  assert.equal(chainResolvers()({ host: 'a', port: 1 }), undefined)
  assert.throws(() => chainResolvers(loopbackResolver(), 'x' as never), {
    name: 'TypeError',
    message: /argument 1/,
  })
})

test("chainResolvers passes on its members' changes", () => {
  const listeners: ResolverListener[] = []
  const changing: Resolver = () => undefined
  changing.subscribe = (listener) => {
    listeners.push(listener)
    return () => {}
  }
  assert.equal(chainResolvers(loopbackResolver()).subscribe, undefined)
  const heard: unknown[] = []
  chainResolvers(changing, loopbackResolver()).subscribe?.((change) => heard.push(change))
  chainResolvers(loopbackResolver(), changing).subscribe?.((change) => heard.push(change))
  for (const listener of listeners) listener({ hosts: ['a'] })
  // The first member's change names its hosts; a later member's change can touch any input.
  assert.deepEqual(heard, [{ hosts: ['a'] }, { hosts: undefined }])
})

test('staticResolver subnet keys: every address in the subnet, port kept; exact entries first; longest prefix wins', () => {
  const keyer = createNodeKeyer({
    resolver: staticResolver({
      '172.18.0.0/16': { host: '127.0.0.1' },
      '172.18.0.9:7000': '10.9.9.9:7000',
      '172.18.0.8': { host: '10.8.8.8' },
      '172.18.5.0/24': '127.0.0.5',
      '[fd00::]/8': '[::1]',
      '0xac.0x19.0.0/16': { host: '127.0.0.2' }, // read as 172.25.0.0/16
    }),
  })
  assert.equal(keyer('172.18.0.4', 7002), '127.0.0.1:7002')
  assert.equal(keyer('172.18.255.255:6379'), '127.0.0.1:6379')
  assert.equal(
    keyer('[::ffff:172.18.0.4]:7002'),
    '127.0.0.1:7002',
    'an IPv4-mapped spelling is the IPv4 address',
  )
  assert.equal(keyer('172.18.0.9', 7000), '10.9.9.9:7000', 'a host:port entry wins')
  assert.equal(keyer('172.18.0.9', 7001), '127.0.0.1:7001', 'only for its port')
  assert.equal(keyer('172.18.0.8', 7001), '10.8.8.8:7001', 'a host entry wins')
  assert.equal(keyer('172.18.5.7', 7001), '127.0.0.5:7001', 'the longer prefix wins')
  assert.equal(keyer('[fd12:3456::1]:7000'), '[::1]:7000')
  assert.equal(keyer('172.25.1.1', 1), '127.0.0.2:1')
  assert.equal(keyer('172.19.0.1', 7000), '172.19.0.1:7000', 'outside every subnet: unchanged')
  assert.equal(keyer('redis-1', 7000), 'redis-1:7000', 'a name is in no subnet')
  assert.equal(keyer('[fe80::1%eth0]:7000'), '[fe80::1%eth0]:7000')
})

test('staticResolver subnet keys: a table of ports; a port not in it is not mapped', () => {
  const resolver = staticResolver({
    '172.18.0.0/16': { host: '127.0.0.1', ports: { 6379: 7000, '6380': '7001' } },
    'redis-2': { host: '127.0.0.2', ports: new Map([[6379, 7002]]) },
  })
  const keyer = createNodeKeyer({ resolver })
  assert.equal(keyer('172.18.0.2', 6379), '127.0.0.1:7000')
  assert.equal(keyer('172.18.0.3', 6380), '127.0.0.1:7001')
  assert.equal(keyer('172.18.0.3', 6381), '172.18.0.3:6381')
  assert.equal(keyer('redis-2', 6379), '127.0.0.2:7002')
  assert.equal(resolver({ host: 'redis-2', port: 1 }), undefined)
})

test('staticResolver subnet keys: bad subnets and port tables are TypeErrors saying what was expected', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ '10.0.0.0/33': '127.0.0.1' }, /"10\.0\.0\.0\/33": the prefix must be a whole number from 0 to 32/],
    [{ 'fd00::/129': '127.0.0.1' }, /from 0 to 128/],
    [{ '10.0.0.0/': '127.0.0.1' }, /the prefix must be/],
    [{ '10.0.0.0/-1': '127.0.0.1' }, /Expected each key/],
    [{ 'redis/8': '127.0.0.1' }, /the address is a name, not an IP address/],
    [{ '999.0.0.0/8': '127.0.0.1' }, /Expected a subnet "address\/prefix"/],
    [{ '[fe80::%eth0]/64': '127.0.0.1' }, /a subnet has no zone/],
    [{ '10.0.0.0/8': { host: '127.0.0.1', ports: { x: 1 } } }, /Expected `ports`/],
    [{ '10.0.0.0/8': { host: '127.0.0.1', ports: { 6379: 0 } } }, /Expected `ports`/],
    [
      { '10.0.0.0/8': { host: '127.0.0.1', port: 1, ports: { 6379: 1 } } },
      /give `port` or `ports`, not both/,
    ],
    [{ '10.0.0.0/8': { host: '127.0.0.1', ports: [1, 2] } }, /Expected `ports`/],
    [
      { '10.0.0.1:6379': { host: '127.0.0.1', ports: { 6379: 1 } } },
      /a table of ports goes with a "host" or subnet key/,
    ],
  ]
  for (const [table, message] of bad) {
    assert.throws(
      () => staticResolver(table as never),
      (error: unknown) => error instanceof TypeError && message.test(error.message),
      JSON.stringify(table),
    )
  }
})

test('loopbackResolver({ dualStack: true }): ::1, 127.0.0.1 and localhost are one server; 127.0.0.2 is not', () => {
  const keyer = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
  const same = ['::1:7000', '[::1]:7000', '[0:0:0:0:0:0:0:1]:7000', '127.0.0.1:7000', '127.1:7000']
  same.push('LOCALHOST:7000', 'redis://localhost:7000', '[::ffff:127.0.0.1]:7000', 'a.localhost:7000')
  for (const spelling of same) assert.equal(keyer(spelling), '127.0.0.1:7000', spelling)
  assert.equal(keyer('127.0.0.2:7000'), '127.0.0.2:7000')
  assert.equal(keyer('::2:7000'), '[::2]:7000')
  assert.equal(keyer('::1:7001'), '127.0.0.1:7001', 'the port is kept')

  const toV6 = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true, to: '[0::1]' }) })
  for (const spelling of same) assert.equal(toV6(spelling), '[::1]:7000', spelling)
  assert.equal(toV6('127.0.0.2:7000'), '127.0.0.2:7000')

  // Off by default, and off when asked: ::1 stays a server of its own.
  assert.equal(createNodeKeyer()('::1:7000'), '[::1]:7000')
  assert.equal(
    createNodeKeyer({ resolver: loopbackResolver({ dualStack: false }) })('::1:7000'),
    '[::1]:7000',
  )
})

test('loopbackResolver rejects bad dual-stack options with a TypeError that says what was expected', () => {
  assert.throws(() => loopbackResolver({ dualStack: 'yes' as never }), {
    name: 'TypeError',
    message: /`dualStack` of loopbackResolver to be a boolean, got "yes"/,
  })
  assert.throws(() => loopbackResolver({ dualStack: true, to: '127.0.0.2' }), {
    name: 'TypeError',
    message: /'127\.0\.0\.1' or '::1' with `dualStack`/,
  })
  assert.throws(() => loopbackResolver(null as never), {
    name: 'TypeError',
    message: /options of loopbackResolver/,
  })
})

test('chainResolvers: the dual-stack policy first works, anywhere else throws, nested chains included', () => {
  const dualStack = loopbackResolver({ dualStack: true })
  const nat = staticResolver({ '127.0.0.1:7000': '10.0.0.1:7000' })
  const keyer = createNodeKeyer({ resolver: chainResolvers(dualStack, nat) })
  for (const spelling of ['::1:7000', '127.0.0.1:7000', 'localhost:7000']) {
    assert.equal(keyer(spelling), '10.0.0.1:7000', spelling)
  }
  // Backwards, the table would see ::1 and 127.0.0.1 apart: two keys for one server. It does not build.
  assert.throws(() => chainResolvers(nat, dualStack), {
    name: 'TypeError',
    message:
      /Expected loopbackResolver\({ dualStack: true }\) to be the first argument of chainResolvers, got it as argument 1/,
  })
  assert.throws(() => chainResolvers(nat, chainResolvers(dualStack, nat)), {
    name: 'TypeError',
    message: /first argument/,
  })
  assert.throws(() => chainResolvers(loopbackResolver(), loopbackResolver({ dualStack: true, to: '::1' })), {
    name: 'TypeError',
    message: /loopbackResolver\({ dualStack: true, to: '::1' }\)/,
  })
  // A chain that starts with the policy may itself start another chain.
  const outer = createNodeKeyer({ resolver: chainResolvers(chainResolvers(dualStack), nat) })
  assert.equal(outer('::1:7000'), '10.0.0.1:7000')
  // A policy-free chain is unaffected.
  assert.doesNotThrow(() => chainResolvers(nat, loopbackResolver()))
})

test('a chain that starts with the dual-stack policy applies it to its answer too', () => {
  const dualStack = loopbackResolver({ dualStack: true })
  const toV6 = staticResolver({ 'cache-a': { host: '::1' }, 'cache-b': 'localhost' })
  const keyer = createNodeKeyer({ resolver: chainResolvers(dualStack, toV6) })
  assert.equal(keyer('cache-a:7000'), '127.0.0.1:7000')
  assert.equal(keyer('cache-b:7000'), '127.0.0.1:7000')
  assert.equal(keyer('::1:7000'), '127.0.0.1:7000')
  assert.equal(
    chainResolvers(dualStack, toV6)({ host: 'other', port: 1 }),
    undefined,
    'unchanged stays undefined',
  )
  // The fold is the policy alone: a nested chain's other members do not run twice.
  const once = staticResolver({ a: 'b', b: 'c' })
  const nested = createNodeKeyer({ resolver: chainResolvers(chainResolvers(dualStack, once), toV6) })
  assert.equal(nested('a:1'), 'b:1')
  assert.equal(nested('cache-a:7000'), '127.0.0.1:7000')
})

test('an IPv6 zone that ends in .localhost is no localhost name: no key collides with 127.0.0.1', () => {
  const dualStack = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
  for (const keyer of [canonicalNodeKey, dualStack]) {
    assert.equal(keyer('2001:db8::5%x.localhost', 6379), '[2001:db8::5%x.localhost]:6379')
    assert.equal(keyer('[fe80::1%25eth0.localhost]:7000'), '[fe80::1%eth0.localhost]:7000')
    assert.notEqual(keyer('[fe80::1%25eth0.localhost]:7000'), keyer('localhost:7000'))
  }
  dualStack.close()
})

test('a staticResolver table that is not a list of [key, value] pairs is refused, naming the entry', () => {
  assert.throws(() => staticResolver(['localhost', 7000] as never), {
    name: 'TypeError',
    message: /Expected each entry of the staticResolver table to be a \[key, value\] pair .*got "localhost"/,
  })
  assert.throws(() => staticResolver([['a:1', 'b:2', 'c:3']] as never), {
    name: 'TypeError',
    message: /to be a \[key, value\] pair .*got an array/,
  })
  assert.deepEqual(staticResolver([['a:1', 'b:2']])({ host: 'a', port: 1 }), { host: 'b', port: 2 })
})
