import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type AddressInput,
  canonicalHost,
  canonicalNodeKey,
  createNodeKeyer,
  isNodeKeyError,
  NodeKeyError,
  parseAddress,
  parseNodeKey,
  parsePort,
} from '../src/index.ts'

const show = (value: unknown): string => {
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'symbol' || typeof value === 'function') return String(value)
  try {
    return JSON.stringify(value)?.slice(0, 40) ?? String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

const typed = (
  fn: () => unknown,
  expected: { code: string; reason?: string },
  label: string,
): NodeKeyError => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof NodeKeyError, `${label}: threw ${String(error)}`)
    assert.ok(isNodeKeyError(error))
    assert.equal(error.code, expected.code, label)
    if (expected.reason !== undefined) assert.equal(error.reason, expected.reason, label)
    assert.match(error.message, /^Expected /, label)
    if (typeof error.input === 'string') assert.ok(error.input.length <= 64, label)
    return error
  }
  assert.fail(`${label}: no error`)
}

/** A flat (not concatenated) copy of a string. */
const flat = (text: string): string => Buffer.from(text, 'latin1').toString('latin1')

const HOST = 'ERR_NODE_KEY_INVALID_HOST'
const PORT = 'ERR_NODE_KEY_INVALID_PORT'

test('a 10^6-character host is rejected fast, by every entry point', (t) => {
  const huge = 'a'.repeat(1_000_000)
  // Warm the code paths with a shorter hostile input, so the measure is of the input, not of the first call.
  for (let i = 0; i < 3; i++) typed(() => canonicalHost('b'.repeat(2000)), { code: HOST }, 'warm-up')
  // Built and flattened before the clock starts, so the measure is of the library, not of string building.
  const address = flat(`${huge}:7000`)
  const url = flat(`redis://${huge}`)
  const entries: Array<[string, () => unknown]> = [
    ['canonicalHost', () => canonicalHost(huge)],
    ['canonicalNodeKey(host, port)', () => canonicalNodeKey(huge, 7000)],
    ['canonicalNodeKey(address)', () => canonicalNodeKey(address)],
    ['canonicalNodeKey({ host, port })', () => canonicalNodeKey({ host: huge, port: 7000 })],
    ['parseAddress', () => parseAddress(url)],
    ['parseNodeKey', () => parseNodeKey(address)],
    ['parsePort', () => parsePort(huge)],
  ]
  const timings: string[] = []
  for (const [name, fn] of entries) {
    typed(fn, { code: name === 'parsePort' ? PORT : HOST }, `${name} warm-up`)
    // The fastest of three calls: on a shared machine one call can be descheduled for milliseconds, which
    // would measure the scheduler; a slow rejection is slow every time.
    let ms = Number.POSITIVE_INFINITY
    let error: NodeKeyError | undefined
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint()
      error = typed(fn, { code: name === 'parsePort' ? PORT : HOST }, name)
      ms = Math.min(ms, Number(process.hrtime.bigint() - start) / 1e6)
    }
    timings.push(`${name} ${ms.toFixed(3)} ms`)
    assert.ok(ms < 5, `${name} took ${ms} ms`)
    assert.ok(error!.message.length < 400, `${name}: message of ${error!.message.length} characters`)
  }
  t.diagnostic(`10^6-character host, one call each: ${timings.join(', ')}`)
})

test('NUL and every control character: forbidden-character, wherever they sit inside', () => {
  for (let c = 0; c <= 0x20; c++) {
    const ch = String.fromCharCode(c)
    typed(
      () => canonicalHost(`a${ch}b`),
      { code: HOST, reason: 'forbidden-character' },
      `U+${c.toString(16)}`,
    )
    typed(
      () => canonicalNodeKey(`a${ch}b:7000`),
      { code: HOST, reason: 'forbidden-character' },
      `U+${c.toString(16)} in an address`,
    )
    typed(
      () => canonicalNodeKey(`a${ch}b`, 7000),
      { code: HOST, reason: 'forbidden-character' },
      `U+${c.toString(16)} in a pair`,
    )
  }
  typed(() => canonicalHost('a\u007fb'), { code: HOST, reason: 'forbidden-character' }, 'DEL')
  typed(() => canonicalHost('\u0000'), { code: HOST, reason: 'forbidden-character' }, 'NUL alone')
  typed(() => canonicalHost('[::1\u0000]'), { code: HOST, reason: 'forbidden-character' }, 'NUL in brackets')
  typed(
    () => canonicalHost('fe80::1%eth\u00000'),
    { code: HOST, reason: 'forbidden-character' },
    'NUL in a zone',
  )
  typed(() => canonicalHost('a%00b'), { code: HOST }, 'percent-encoded NUL')
  typed(() => parsePort('70\u000000'), { code: PORT, reason: 'not-a-port' }, 'NUL in a port')
  typed(
    () => canonicalNodeKey('a:70\u000000'),
    { code: PORT, reason: 'not-a-port' },
    'NUL in an address port',
  )
})

test('lone surrogates: typed errors', () => {
  for (const input of ['\ud800', '\udfff', 'a\ud800b.com', '\udc00.example', '%ED%A0%80']) {
    typed(() => canonicalHost(input), { code: HOST, reason: 'idna' }, show(input))
    typed(() => canonicalNodeKey(`${input}:1`), { code: HOST }, `${show(input)} in an address`)
  }
  typed(() => parsePort('1\ud800'), { code: PORT, reason: 'not-a-port' }, 'surrogate in a port')
})

test('lone surrogates never join across a deleted code point, by any input path', () => {
  // tr46 deletes the soft hyphen (U+00AD); without making the string well formed first, the two halves
  // would meet as U+10000 and the host would key as a valid name, xn--a-w10i.com.
  const glued = 'a\ud800\u00ad\udc00.com'
  const paths: [string, () => unknown][] = [
    ['host and port', () => canonicalNodeKey(glued, 7000)],
    ['host', () => canonicalHost(glued)],
    ['address string', () => canonicalNodeKey(`${glued}:7000`)],
    ['{ host, port }', () => canonicalNodeKey({ host: glued, port: 7000 })],
    ['{ host, port } string port', () => canonicalNodeKey({ host: glued, port: '7000' })],
    ['URL', () => canonicalNodeKey(`redis://${glued}:7000`)],
    ['URL with credentials and path', () => canonicalNodeKey(`rediss://u:p@${glued}/0`)],
    ['parseAddress', () => parseAddress(`${glued}:7000`)],
    ['keyer without memo', () => createNodeKeyer({ cacheSize: 0, resolver: null })(glued, 7000)],
  ]
  for (const [label, fn] of paths) typed(fn, { code: HOST, reason: 'idna' }, label)
  // Each half alone, and the halves in the wrong order, fail the same way.
  for (const host of ['a\udc00\u00ad\ud800.com', 'a\u00ad\ud800.com', 'a\udc00\u00ad.com']) {
    typed(() => canonicalNodeKey(host, 7000), { code: HOST, reason: 'idna' }, show(host))
  }
  // A well-formed pair around nothing deleted is a real character: U+10000 keys as before.
  assert.equal(canonicalNodeKey('a\ud800\udc00.com', 7000), 'xn--a-w10i.com:7000')
  assert.equal(canonicalNodeKey('a\u{10000}\u00ad.com', 7000), 'xn--a-w10i.com:7000')
  // The URL Standard agrees for a special scheme (whose host goes through IDNA): its API sees each lone
  // surrogate as U+FFFD and fails.
  assert.throws(() => new URL(`http://${glued}:7000`), TypeError)
})

test('__proto__ and constructor: plain names, and no prototype is touched', () => {
  assert.equal(canonicalNodeKey('__proto__', 1), '__proto__:1')
  assert.equal(canonicalNodeKey('__PROTO__:1'), '__proto__:1')
  assert.equal(canonicalNodeKey('constructor', 1), 'constructor:1')
  typed(() => parsePort('__proto__'), { code: PORT, reason: 'not-a-port' }, '__proto__ port')
  typed(() => parsePort('constructor'), { code: PORT, reason: 'named-port' }, 'constructor port')
  typed(() => canonicalNodeKey('__proto__://h'), { code: PORT }, '__proto__ scheme')
  // An own "__proto__" property (as JSON.parse makes) is not a host.
  typed(
    () => canonicalNodeKey(JSON.parse('{"__proto__": {"host": "h", "port": 1}}')),
    { code: HOST, reason: 'not-a-string' },
    'own __proto__',
  )
  assert.equal(({} as Record<string, unknown>).host, undefined)
  assert.equal(({} as Record<string, unknown>).port, undefined)
})

test('values that are not addresses: typed errors with codes', () => {
  const notAddresses: unknown[] = [
    null,
    undefined,
    0,
    7000,
    Number.NaN,
    10n,
    true,
    Symbol('h'),
    () => 'h:1',
    [],
    ['h', 1],
    new String('h:1'),
    new Map([['host', 'h']]),
    Object.create(null),
    {},
  ]
  for (const value of notAddresses) {
    typed(() => canonicalNodeKey(value as AddressInput), { code: HOST, reason: 'not-a-string' }, show(value))
    typed(() => canonicalHost(value as string), { code: HOST, reason: 'not-a-string' }, show(value))
    typed(
      () => canonicalNodeKey(value as string, 1),
      { code: HOST, reason: 'not-a-string' },
      `${show(value)} as host`,
    )
    typed(() => parseNodeKey(value as string), { code: HOST, reason: 'invalid-key' }, `${show(value)} as key`)
  }
})

test('ports that are not ports: bigint, Infinity, -0, NaN, huge digit strings, objects', () => {
  const cases: Array<[unknown, string]> = [
    [7000n, 'not-a-port'],
    [Number.POSITIVE_INFINITY, 'port-out-of-range'],
    [Number.NEGATIVE_INFINITY, 'port-out-of-range'],
    [-0, 'port-out-of-range'],
    [Number.NaN, 'port-out-of-range'],
    [2 ** 53 + 1, 'port-out-of-range'],
    ['9'.repeat(100_000), 'not-a-port'],
    ['0'.repeat(6), 'not-a-port'],
    [{ valueOf: () => 7000 }, 'not-a-port'],
    [[7000], 'not-a-port'],
    [new Number(7000), 'not-a-port'],
  ]
  for (const [port, reason] of cases) {
    typed(() => canonicalNodeKey('h', port as number), { code: PORT, reason }, show(port))
    typed(
      () => canonicalNodeKey({ host: 'h', port: port as number }),
      { code: PORT, reason },
      `{ port: ${show(port)} }`,
    )
    typed(() => parsePort(port), { code: PORT, reason }, `parsePort(${show(port)})`)
  }
})

test('huge digit strings as hosts: invalid IPv4 or too long, never slow', () => {
  typed(() => canonicalHost('9'.repeat(1024)), { code: HOST, reason: 'invalid-ipv4' }, '1024 nines')
  typed(() => canonicalHost('9'.repeat(1025)), { code: HOST, reason: 'too-long' }, '1025 nines')
  typed(() => canonicalHost(`0x${'f'.repeat(1000)}`), { code: HOST, reason: 'invalid-ipv4' }, 'long hex')
  typed(() => canonicalHost(`0${'7'.repeat(1000)}`), { code: HOST, reason: 'invalid-ipv4' }, 'long octal')
  typed(
    () => canonicalHost(`1.${'0'.repeat(1000)}8`),
    { code: HOST, reason: 'invalid-ipv4' },
    'long octal part',
  )
  typed(() => canonicalHost(`${'1:'.repeat(400)}1`), { code: HOST, reason: 'invalid-ipv6' }, 'many colons')
  typed(() => canonicalHost(`[${'0'.repeat(1000)}::1]`), { code: HOST, reason: 'invalid-ipv6' }, 'long piece')
  typed(() => canonicalHost(`${'%41'.repeat(341)}`), { code: HOST, reason: 'name-too-long' }, 'many escapes')
})

test('the library never converts input objects to strings (toString, valueOf, toPrimitive are not called)', () => {
  const trap = {
    toString() {
      throw new Error('toString called')
    },
    valueOf() {
      throw new Error('valueOf called')
    },
    [Symbol.toPrimitive]() {
      throw new Error('toPrimitive called')
    },
  }
  typed(() => canonicalNodeKey(trap as unknown as string), { code: HOST }, 'trap as address')
  typed(() => canonicalNodeKey(trap as unknown as string, 1), { code: HOST }, 'trap as host')
  typed(() => canonicalNodeKey('h', trap as unknown as number), { code: PORT }, 'trap as port')
  typed(
    () => canonicalNodeKey({ host: 'h', port: trap as unknown as number }),
    { code: PORT },
    'trap in object',
  )
  typed(() => canonicalHost(trap as unknown as string), { code: HOST }, 'trap as canonicalHost')
  typed(() => parseNodeKey(trap as unknown as string), { code: HOST }, 'trap as key')
})

test('bad options are TypeErrors, not NodeKeyErrors', () => {
  for (const options of [
    { cacheSize: -1 },
    { cacheSize: 2 ** 0.5 },
    { defaultPort: 0 },
    { resolver: 7 },
    { trailingDot: 'x' },
  ]) {
    assert.throws(
      () => createNodeKeyer(options as never),
      (error: unknown) => error instanceof TypeError && !isNodeKeyError(error),
    )
  }
  assert.throws(() => parsePort(undefined, -1), TypeError)
  assert.throws(() => parseAddress('h', { defaultPort: 1.5 }), TypeError)
})

test('a flood of distinct inputs does not grow the memo past cacheSize', () => {
  const keyer = createNodeKeyer({ cacheSize: 1000 })
  for (let i = 0; i < 20_000; i++) {
    keyer(`node-${i}`, 6379)
    try {
      keyer(`bad host ${i}`, 6379)
    } catch {}
  }
  assert.equal(keyer.stats().size, 1000)
  assert.equal(keyer.stats().evictions, 19_000)
})
