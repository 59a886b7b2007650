import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  canonicalNodeKey,
  type Endpoint,
  formatNodeKey,
  InvalidHostError,
  InvalidPortError,
  isNodeKey,
  parseAddress,
  parseNodeKey,
} from '../src/index.ts'
import { SCHEME_PORTS } from '../src/key/address.ts'

const reads = (
  cases: Array<[Parameters<typeof parseAddress>[0], Endpoint]>,
  options?: Parameters<typeof parseAddress>[1],
) => {
  for (const [input, expected] of cases)
    assert.deepEqual(parseAddress(input, options), expected, JSON.stringify(input))
}

const show = (value: unknown): string =>
  typeof value === 'bigint' ? `${value}n` : typeof value === 'function' ? 'a function' : JSON.stringify(value)

const refuses = (
  input: unknown,
  name: string,
  reason: string,
  options?: Parameters<typeof parseAddress>[1],
) => {
  assert.throws(
    () => parseAddress(input as string, options),
    (error: unknown) => {
      assert.ok(
        error instanceof (name === 'InvalidPortError' ? InvalidPortError : InvalidHostError),
        `${show(input)}: ${String(error)}`,
      )
      assert.equal(error.reason, reason, `reason for ${show(input)}`)
      assert.match(error.message, /^Expected /)
      return true
    },
  )
}

test('host:port, with the host canonicalized', () => {
  reads([
    ['LOCALHOST:7000', { host: 'localhost', port: 7000 }],
    ['127.0.0.1:7000', { host: '127.0.0.1', port: 7000 }],
    ['127.1:06379', { host: '127.0.0.1', port: 6379 }],
    ['Redis-1.Example.COM.:6379', { host: 'redis-1.example.com.', port: 6379 }],
    ['bücher.example:1', { host: 'xn--bcher-kva.example', port: 1 }],
    ['  node:7000  ', { host: 'node', port: 7000 }],
  ])
})

test("[v6]:port and Redis's bare v6:port (the last colon splits)", () => {
  reads([
    ['[::1]:7000', { host: '::1', port: 7000 }],
    ['[0:0:0:0:0:0:0:1]:7000', { host: '::1', port: 7000 }],
    ['[fe80::1%25eth0]:7000', { host: 'fe80::1%eth0', port: 7000 }],
    ['[::ffff:127.0.0.1]:7000', { host: '127.0.0.1', port: 7000 }],
    ['::1:7002', { host: '::1', port: 7002 }],
    ['2001:db8::1:6379', { host: '2001:db8::1', port: 6379 }],
    ['fe80::1%eth0:7000', { host: 'fe80::1%eth0', port: 7000 }],
  ])
  refuses('[::1]x', 'InvalidHostError', 'invalid-address')
  refuses('[::1', 'InvalidHostError', 'invalid-address')
  refuses('[::1]:', 'InvalidPortError', 'missing-port')
  refuses('[1.2.3.4]:1', 'InvalidHostError', 'invalid-ipv6')
  // A bare IPv6 address without a port reads as host:port; the error says how to write it.
  assert.throws(() => parseAddress('::1'), { reason: 'invalid-address', message: /bracket it: "\[::1\]"/ })
})

test('URLs: userinfo, path, query and fragment are ignored; the host is percent-decoded', () => {
  reads([
    ['redis://localhost:7000', { host: 'localhost', port: 7000 }],
    ['redis://user:pa:ss@Cache.Example:6380/0?db=1#x', { host: 'cache.example', port: 6380 }],
    ['rediss://:secret@[::1]:7000/', { host: '::1', port: 7000 }],
    ['redis://h:6380@other', { host: 'other', port: 6379 }],
    ['redis://%4C%4Fcalhost:1', { host: 'localhost', port: 1 }],
    ['REDIS://HOST:1', { host: 'host', port: 1 }],
    ['redis://host:/0', { host: 'host', port: 6379 }],
  ])
  refuses('redis://', 'InvalidHostError', 'invalid-address')
  refuses('redis:///0', 'InvalidHostError', 'invalid-address')
  refuses('redis://user@', 'InvalidHostError', 'invalid-address')
  refuses('redis://h:0', 'InvalidPortError', 'port-out-of-range')
})

test("URLs without a port take the scheme's well-known one, else defaultPort", () => {
  const expected: Record<string, number> = {
    redis: 6379,
    rediss: 6379,
    valkey: 6379,
    memcached: 11211,
    mongodb: 27017,
    nats: 4222,
    http: 80,
    https: 443,
  }
  for (const [scheme, port] of Object.entries(expected)) {
    assert.equal(SCHEME_PORTS[scheme], port, scheme)
    assert.deepEqual(parseAddress(`${scheme}://node-1`), { host: 'node-1', port }, scheme)
    // The scheme's port wins over defaultPort; a written port wins over both.
    assert.deepEqual(parseAddress(`${scheme}://node-1`, { defaultPort: 1 }), { host: 'node-1', port }, scheme)
    assert.deepEqual(parseAddress(`${scheme}://node-1:2`, { defaultPort: 1 }), { host: 'node-1', port: 2 })
  }
  assert.deepEqual(parseAddress('unknown://node-1', { defaultPort: 9 }), { host: 'node-1', port: 9 })
  refuses('unknown://node-1', 'InvalidPortError', 'missing-port')
})

test('{ host, port } objects', () => {
  reads([
    [
      { host: '0:0::1', port: '7000' },
      { host: '::1', port: 7000 },
    ],
    [
      { host: 'LOCALHOST', port: 7000 },
      { host: 'localhost', port: 7000 },
    ],
    [
      { host: '[::1]', port: 1 },
      { host: '::1', port: 1 },
    ],
  ])
  assert.deepEqual(parseAddress({ host: 'h' }, { defaultPort: 6379 }), { host: 'h', port: 6379 })
  refuses({ host: 'h' }, 'InvalidPortError', 'missing-port')
  refuses({ host: 'h', port: 0 }, 'InvalidPortError', 'port-out-of-range')
  refuses({ host: 'h:1', port: 1 }, 'InvalidHostError', 'invalid-ipv6')
  refuses({ port: 1 }, 'InvalidHostError', 'not-a-string')
  refuses({ host: 7, port: 1 }, 'InvalidHostError', 'not-a-string')
})

test('defaultPort fills a missing port; a bad defaultPort is a TypeError', () => {
  reads(
    [
      ['node', { host: 'node', port: 6379 }],
      ['node:', { host: 'node', port: 6379 }],
      ['[::1]', { host: '::1', port: 6379 }],
    ],
    { defaultPort: 6379 },
  )
  refuses('node', 'InvalidPortError', 'missing-port')
  assert.throws(() => parseAddress('node', { defaultPort: 0 }), TypeError)
  assert.throws(() => parseAddress('node', { defaultPort: '6379' as unknown as number }), TypeError)
})

test('an empty host (Redis\'s ":7002") needs originHost', () => {
  refuses(':7002', 'InvalidHostError', 'empty-host')
  reads([[':7002', { host: '10.0.0.5', port: 7002 }]], { originHost: '10.0.0.5' })
  reads([[':7002', { host: 'node-1.example', port: 7002 }]], { originHost: 'Node-1.Example' })
  reads(
    [
      [
        { host: '', port: 7002 },
        { host: '::1', port: 7002 },
      ],
    ],
    { originHost: '[::1]' },
  )
  // originHost only fills an empty host.
  reads([['other:7002', { host: 'other', port: 7002 }]], { originHost: '10.0.0.5' })
  refuses(':7002', 'InvalidHostError', 'invalid-label', { originHost: 'a..b' })
})

test('named ports are refused: identity is numeric', () => {
  refuses('localhost:http', 'InvalidPortError', 'named-port')
  refuses('redis://node:redis', 'InvalidPortError', 'named-port')
  refuses({ host: 'node', port: 'redis' }, 'InvalidPortError', 'named-port')
})

test('trailingDot and mappedIPv4 options reach the host', () => {
  assert.deepEqual(parseAddress('redis.:1', { trailingDot: 'strip' }), { host: 'redis', port: 1 })
  assert.deepEqual(parseAddress('[::ffff:1.2.3.4]:1', { mappedIPv4: 'keep' }), {
    host: '::ffff:1.2.3.4',
    port: 1,
  })
})

test('inputs that are not addresses', () => {
  for (const input of [null, undefined, 7, 7n, [], ['h', 1], true, () => 'h:1']) {
    refuses(input, 'InvalidHostError', 'not-a-string')
  }
  refuses('', 'InvalidHostError', 'empty-host')
  refuses('x'.repeat(5000), 'InvalidHostError', 'too-long')
})

test('formatNodeKey writes host:port, [v6]:port and [v6%zone]:port, canonicalizing the host', () => {
  assert.equal(formatNodeKey({ host: '127.0.0.1', port: 7000 }), '127.0.0.1:7000')
  assert.equal(formatNodeKey({ host: '::1', port: 7000 }), '[::1]:7000')
  assert.equal(formatNodeKey({ host: 'fe80::1%eth0', port: 7000 }), '[fe80::1%eth0]:7000')
  assert.equal(formatNodeKey({ host: 'Redis-1', port: 6379 }), 'redis-1:6379')
  assert.equal(formatNodeKey({ host: '0:0::1', port: 7000 }), '[::1]:7000')
  // No resolver: localhost stays localhost.
  assert.equal(formatNodeKey({ host: 'localhost', port: 7000 }), 'localhost:7000')
  assert.throws(() => formatNodeKey({ host: 'h', port: 0 }), { name: 'InvalidPortError' })
  assert.throws(() => formatNodeKey({ host: 'a b', port: 1 }), { name: 'InvalidHostError' })
  assert.throws(() => formatNodeKey(null as unknown as Endpoint), { name: 'InvalidHostError' })
})

test('parseNodeKey inverts formatNodeKey and refuses what formatNodeKey cannot write', () => {
  for (const endpoint of [
    { host: '127.0.0.1', port: 7000 },
    { host: '::1', port: 7000 },
    { host: 'fe80::1%eth0', port: 1 },
    { host: 'redis.', port: 6379 },
    { host: 'xn--bcher-kva.example', port: 65535 },
  ]) {
    const key = formatNodeKey(endpoint)
    assert.deepEqual(parseNodeKey(key), endpoint)
    assert.equal(isNodeKey(key), true)
  }
  for (const key of [
    'LOCALHOST:7000',
    '::1:7000',
    '[::1]:07000',
    '[0:0::1]:7000',
    '[1.2.3.4]:1',
    '127.1:7000',
    'h:0',
    'h:',
    ':1',
    'h',
    ' h:1',
    'h:1 ',
    '[::1]',
    '[::1:1',
    'redis://h:1',
  ]) {
    assert.throws(() => parseNodeKey(key), { name: 'InvalidHostError', reason: 'invalid-key' }, key)
    assert.equal(isNodeKey(key), false, key)
  }
  for (const value of [null, 7, {}, ['h:1']]) assert.equal(isNodeKey(value), false)
})

test('a scheme named like an Object.prototype member has no well-known port', () => {
  assert.throws(() => parseAddress('constructor://h'), { name: 'InvalidPortError', reason: 'missing-port' })
  assert.throws(() => canonicalNodeKey('constructor://h'), {
    name: 'InvalidPortError',
    reason: 'missing-port',
  })
  assert.deepEqual(parseAddress('constructor://h', { defaultPort: 9 }), { host: 'h', port: 9 })
})

test('bad options of parseAddress are TypeErrors', () => {
  assert.throws(() => parseAddress('h:1', { trailingDot: 'drop' as 'keep' }), TypeError)
  assert.throws(() => parseAddress('h:1', { mappedIPv4: 'yes' as 'keep' }), TypeError)
  assert.throws(() => parseAddress('h:1', { originHost: 7 as unknown as string }), TypeError)
})

test('zones that start with "25" survive formatNodeKey and parseNodeKey', () => {
  const key = formatNodeKey({ host: 'fe80::1%251', port: 7000 })
  assert.equal(key, '[fe80::1%25251]:7000')
  assert.deepEqual(parseNodeKey(key), { host: 'fe80::1%251', port: 7000 })
  assert.throws(() => parseNodeKey('[fe80::1%251]:7000'), { reason: 'invalid-key' })
})

test('whitespace between a host and its port is trimmed alike, bracketed or not (§4.2)', () => {
  assert.deepEqual(parseAddress('redis :7000'), { host: 'redis', port: 7000 })
  assert.deepEqual(parseAddress('[::1] :7000'), { host: '::1', port: 7000 })
  assert.deepEqual(parseAddress('[::1]\t:7000'), { host: '::1', port: 7000 })
  // The port part is not trimmed: a space after the colon is not a port.
  assert.throws(() => parseAddress('[::1]: 7000'), { name: 'InvalidPortError', reason: 'not-a-port' })
  assert.throws(() => parseAddress('redis: 7000'), { name: 'InvalidPortError', reason: 'not-a-port' })
})
