/**
 * Properties over generated inputs (fast-check). A failure reports the seed and the shrink path; to replay
 * one, run with FC_SEED=<seed> FC_PATH=<path>.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import {
  type AddressInput,
  canonicalHost,
  canonicalNodeKey,
  createNodeKeyer,
  type Endpoint,
  formatNodeKey,
  isNodeKey,
  isNodeKeyError,
  isValidHost,
  isValidPort,
  NodeKeyError,
  type NodeKeyer,
  parseAddress,
  parseNodeKey,
  parsePort,
} from '../src/index.ts'
import { serializeIPv6 } from '../src/key/ip.ts'

const replay: fc.Parameters<unknown> =
  process.env.FC_SEED === undefined
    ? {}
    : { seed: Number(process.env.FC_SEED), ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) }

const check = <T>(property: fc.IProperty<T>, numRuns = 300): void => {
  fc.assert(property, { numRuns, ...(replay as fc.Parameters<T>) })
}

// ---- generators -------------------------------------------------------------------------------------

const hex = (n: number, width: number, upper: boolean): string => {
  const text = n.toString(16).padStart(width, '0')
  return upper ? text.toUpperCase() : text
}

/** An IPv4 address as a 32-bit number and one of its legacy spellings (URL Standard IPv4 parser). */
const ipv4Spelling = fc
  .record({
    address: fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 0x7f000001, 0xffffffff)),
    parts: fc.integer({ min: 1, max: 4 }),
    radixes: fc.array(fc.constantFrom('dec', 'hex', 'HEX', 'oct'), { minLength: 4, maxLength: 4 }),
    zeros: fc.array(fc.nat({ max: 3 }), { minLength: 4, maxLength: 4 }),
    trailingDot: fc.boolean(),
  })
  .map(({ address, parts, radixes, zeros, trailingDot }) => {
    const bytes = [address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff]
    const numbers = bytes.slice(0, parts - 1)
    numbers.push(bytes.slice(parts - 1).reduce((sum, byte) => sum * 256 + byte, 0))
    const text = numbers.map((n, i) => {
      const radix = radixes[i]
      const pad = '0'.repeat(zeros[i]!)
      if (radix === 'hex' || radix === 'HEX')
        return `0${radix === 'HEX' ? 'X' : 'x'}${pad}${hex(n, 1, radix === 'HEX')}`
      if (radix === 'oct') return `0${pad}${n.toString(8)}`
      return String(n)
    })
    return { address, spelling: `${text.join('.')}${trailingDot ? '.' : ''}` }
  })

const dotted = (n: number): string => `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`

/** Eight 16-bit pieces, with zeros common so that compression matters. */
const ipv6Pieces = fc.oneof(
  fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.nat({ max: 0xffff }), fc.constantFrom(1, 0xffff)), {
    minLength: 8,
    maxLength: 8,
  }),
  // IPv4-mapped and IPv4-compatible.
  fc
    .tuple(fc.constantFrom(0, 0xffff), fc.nat({ max: 0xffff }), fc.nat({ max: 0xffff }))
    .map(([p5, p6, p7]) => [0, 0, 0, 0, 0, p5, p6, p7]),
)

const ZONE_CHARACTERS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-']
const zone = fc
  .string({ unit: fc.constantFrom(...ZONE_CHARACTERS), minLength: 1, maxLength: 64 })
  // A zone that starts with "25" is ambiguous with the URL escape "%25"; see docs/canonical-form.md §2.5 and §5.1.
  .filter((z) => !z.startsWith('25'))

const isMapped = (p: number[]): boolean => p.slice(0, 5).every((x) => x === 0) && p[5] === 0xffff

/** One random spelling of an IPv6 address: leading zeros, any zero run compressed, case, an IPv4 tail. */
const ipv6Spelling = (pieces: number[]) =>
  fc
    .record({
      zeros: fc.array(fc.nat({ max: 3 }), { minLength: 8, maxLength: 8 }),
      upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      compressAt: fc.nat({ max: 7 }),
      compressLength: fc.nat({ max: 8 }),
      compress: fc.boolean(),
      ipv4Tail: fc.boolean(),
    })
    .map(({ zeros, upper, compressAt, compressLength, compress, ipv4Tail }) => {
      const texts = pieces.map((p, i) => hex(p, Math.min(4, p.toString(16).length + zeros[i]!), upper[i]!))
      let tail: string[] = []
      let head = texts
      if (ipv4Tail) {
        head = texts.slice(0, 6)
        tail = [`${pieces[6]! >>> 8}.${pieces[6]! & 0xff}.${pieces[7]! >>> 8}.${pieces[7]! & 0xff}`]
      }
      // Compress a run of zero pieces inside the hex part, if one starts at compressAt.
      let run = 0
      while (
        compress &&
        compressAt + run < head.length &&
        pieces[compressAt + run] === 0 &&
        run < compressLength
      )
        run++
      if (run === 0) return [...head, ...tail].join(':')
      const before = head.slice(0, compressAt).join(':')
      const after = [...head.slice(compressAt + run), ...tail].join(':')
      return `${before}::${after}`
    })

const ipv6Host = ipv6Pieces.chain((pieces) =>
  fc
    .record({
      spelling: ipv6Spelling(pieces),
      zone: fc.option(zone, { nil: undefined }),
      bracketed: fc.boolean(),
    })
    .map(({ spelling, zone, bracketed }) => ({ pieces, zone, spelling, bracketed })),
)

/** The canonical host the design promises for pieces and a zone. */
const expectedIPv6 = (pieces: number[], zone: string | undefined): string => {
  if (isMapped(pieces)) {
    const v4 = `${pieces[6]! >>> 8}.${pieces[6]! & 0xff}.${pieces[7]! >>> 8}.${pieces[7]! & 0xff}`
    return zone === undefined ? v4 : `::ffff:${v4}%${zone}`
  }
  const text = new ipaddr.IPv6(pieces).toRFC5952String()
  return zone === undefined ? text : `${text}%${zone}`
}

const writeIPv6 = (spelling: string, zone: string | undefined, bracketed: boolean): string =>
  bracketed
    ? `[${spelling}${zone === undefined ? '' : `%25${zone}`}]`
    : `${spelling}${zone === undefined ? '' : `%${zone}`}`

const domain = fc.domain().map((d) => d)

/** Valid hosts of every kind. */
const validHost = fc.oneof(
  domain,
  fc.tuple(domain, fc.boolean()).map(([d, dot]) => (dot ? `${d}.` : d)),
  ipv4Spelling.map((v) => v.spelling),
  ipv6Host.map((v) => writeIPv6(v.spelling, v.zone, v.bracketed)),
  fc.constantFrom(
    'localhost',
    'LOCALHOST.',
    'bücher.example',
    'ＥＸＡＭＰＬＥ.com',
    'a%2Eb',
    '☃.net',
    '__proto__',
  ),
)

/** Hosts without a zone (zones are case-sensitive), for case-insensitivity. */
const caselessHost = fc.oneof(
  domain,
  ipv4Spelling.map((v) => v.spelling),
  ipv6Host.map((v) => writeIPv6(v.spelling, undefined, v.bracketed)),
  // Not faß.de: toUpperCase makes SS of ß, another name.
  fc.constantFrom('bücher.example', 'ΣΑΣ.gr', '%6c%6f%63%61%6c%68%6f%73%74'),
)

const invalidHost = fc.oneof(
  fc.constantFrom(
    'a..b',
    '',
    ' ',
    '*',
    '1.2.3.256',
    '[::1',
    'a b',
    'localhost:7000',
    'x'.repeat(64),
    '\ud800',
    'a\u0000b',
  ),
  fc.string({ maxLength: 12 }),
)

const validPort = fc.oneof(
  fc.integer({ min: 1, max: 65535 }),
  fc.integer({ min: 1, max: 65535 }).map(String),
  fc.integer({ min: 1, max: 9999 }).map((p) => `0${p}`),
)
const invalidPort = fc.constantFrom<unknown>(
  0,
  -1,
  65536,
  1.5,
  Number.NaN,
  '',
  '0x10',
  'http',
  '6379 ',
  10n,
  null,
)

const bracketIfIPv6 = (host: string): string => {
  const bare = host.startsWith('[') ? host : host.includes(':') ? `[${host}]` : host
  return bare
}

// ---- reporting ---------------------------------------------------------------------------------------

test('a failing property reports its seed and its shrink path', () => {
  assert.throws(
    () =>
      fc.assert(
        fc.property(fc.nat(), (n) => n < 5),
        { seed: 42 },
      ),
    (error: unknown) => {
      assert.ok(error instanceof Error)
      assert.match(error.message, /seed: 42, path: "[0-9:]+"/)
      assert.match(error.message, /Counterexample: \[5\]/)
      return true
    },
  )
})

// ---- canonical host ------------------------------------------------------------------------------------

test('idempotence: canonicalHost(canonicalHost(x)) === canonicalHost(x)', () => {
  check(
    fc.property(validHost, fc.constantFrom<'keep' | 'strip'>('keep', 'strip'), (host, trailingDot) => {
      const once = canonicalHost(host, { trailingDot })
      assert.equal(canonicalHost(once, { trailingDot }), once)
      assert.equal(canonicalHost(once, { trailingDot, mappedIPv4: 'keep' }), once)
    }),
    500,
  )
})

test('every legacy IPv4 spelling gives the dotted decimal address', () => {
  check(
    fc.property(ipv4Spelling, ({ address, spelling }) => {
      assert.equal(canonicalHost(spelling), dotted(address))
    }),
    500,
  )
})

test('case-insensitivity: changing letter case changes neither host nor key', () => {
  check(
    fc.property(
      caselessHost.chain((host) => fc.tuple(fc.constant(host), fc.mixedCase(fc.constant(host)))),
      fc.integer({ min: 1, max: 65535 }),
      ([host, mixed], port) => {
        assert.equal(canonicalHost(mixed), canonicalHost(host))
        assert.equal(canonicalNodeKey(mixed, port), canonicalNodeKey(host, port))
        const address = `${bracketIfIPv6(host)}:${port}`
        const mixedAddress = `${bracketIfIPv6(mixed)}:${port}`
        assert.equal(canonicalNodeKey(mixedAddress), canonicalNodeKey(address))
        assert.equal(canonicalNodeKey(`REDIS://${mixedAddress}`), canonicalNodeKey(`redis://${address}`))
      },
    ),
    400,
  )
})

test('every IPv6 spelling of one address gives one host and one key', () => {
  check(
    fc.property(
      ipv6Pieces.chain((pieces) =>
        fc.tuple(
          fc.constant(pieces),
          fc.array(ipv6Spelling(pieces), { minLength: 2, maxLength: 6 }),
          fc.option(zone, { nil: undefined }),
        ),
      ),
      fc.integer({ min: 1, max: 65535 }),
      ([pieces, spellings, zone], port) => {
        const host = expectedIPv6(pieces, zone)
        const key = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
        for (const spelling of spellings) {
          for (const bracketed of [false, true]) {
            const written = writeIPv6(spelling, zone, bracketed)
            assert.equal(canonicalHost(written), host, written)
            assert.equal(canonicalNodeKey(written, port), key, written)
            assert.equal(canonicalNodeKey({ host: written, port }), key, written)
          }
          const bracketedAddress = `${writeIPv6(spelling, zone, true)}:${port}`
          assert.equal(canonicalNodeKey(bracketedAddress), key, bracketedAddress)
          assert.equal(canonicalNodeKey(`redis://${bracketedAddress}/0`), key)
          // Redis's bare form: the last colon splits.
          const bare = `${writeIPv6(spelling, zone, false)}:${port}`
          assert.equal(canonicalNodeKey(bare), key, bare)
        }
        // An IPv4-mapped address is the same node as its IPv4 address.
        if (isMapped(pieces) && zone === undefined) assert.equal(canonicalNodeKey(host, port), key)
      },
    ),
    400,
  )
})

test('differential: the IPv6 serializer agrees with ipaddr.js toRFC5952String', () => {
  check(
    fc.property(ipv6Pieces, (pieces) => {
      assert.equal(serializeIPv6(pieces), new ipaddr.IPv6(pieces).toRFC5952String())
      if (!isMapped(pieces)) {
        // And through the parser, from ipaddr.js's longest and its normalized spelling.
        const address = new ipaddr.IPv6(pieces)
        assert.equal(
          canonicalHost(address.parts.map((p) => hex(p, 4, false)).join(':')),
          address.toRFC5952String(),
        )
        assert.equal(canonicalHost(address.toNormalizedString().toUpperCase()), address.toRFC5952String())
      }
    }),
    2000,
  )
})

// ---- keys ----------------------------------------------------------------------------------------------

/** Address inputs of every call shape. */
type Call = { args: [unknown] | [unknown, unknown]; label: string }

const validCall: fc.Arbitrary<Call> = fc.oneof(
  fc
    .tuple(validHost, validPort)
    .map(([host, port]) => ({ args: [host, port] as [unknown, unknown], label: 'pair' })),
  fc
    .tuple(validHost, validPort)
    .map(([host, port]) => ({ args: [`${bracketIfIPv6(host)}:${port}`] as [unknown], label: 'string' })),
  fc
    .tuple(validHost, validPort)
    .map(([host, port]) => ({ args: [{ host, port }] as [unknown], label: 'object' })),
  fc
    .tuple(
      fc.constantFrom('redis', 'rediss', 'valkey', 'http'),
      fc.option(fc.constantFrom('user', 'user:pa:ss'), { nil: undefined }),
      validHost,
      fc.option(validPort, { nil: undefined }),
      fc.constantFrom('', '/', '/0?x=1#f'),
    )
    .map(([scheme, user, host, port, rest]) => ({
      args: [
        `${scheme}://${user === undefined ? '' : `${user}@`}${bracketIfIPv6(host)}${port === undefined ? '' : `:${port}`}${rest}`,
      ] as [unknown],
      label: 'url',
    })),
)

const invalidCall: fc.Arbitrary<Call> = fc.oneof(
  fc
    .tuple(invalidHost, fc.oneof(validPort, invalidPort))
    .map(([host, port]) => ({ args: [host, port] as [unknown, unknown], label: 'bad pair' })),
  fc
    .tuple(validHost, invalidPort)
    .map(([host, port]) => ({ args: [host, port] as [unknown, unknown], label: 'bad port' })),
  fc
    .tuple(invalidHost, validPort)
    .map(([host, port]) => ({ args: [`${host}:${port}`] as [unknown], label: 'bad string' })),
  fc.tuple(validHost).map(([host]) => ({ args: [host] as [unknown], label: 'no port' })),
  fc
    .tuple(fc.oneof(invalidHost, validHost), fc.oneof(validPort, invalidPort))
    .map(([host, port]) => ({ args: [{ host, port }] as [unknown], label: 'bad object' })),
  fc.constantFrom<Call>(
    { args: [':7002'], label: 'empty' },
    { args: [null], label: 'null' },
    { args: [7], label: 'number' },
  ),
)

const outcome = (keyer: NodeKeyer, call: Call): unknown => {
  try {
    return { key: (keyer as (...args: unknown[]) => string)(...call.args) }
  } catch (error) {
    assert.ok(isNodeKeyError(error), `${call.label}: ${String(error)}`)
    return { name: error.name, code: error.code, reason: error.reason, message: error.message }
  }
}

test('canonicalNodeKey(parseNodeKey(k)) === k for every key the keyer gives', () => {
  check(
    fc.property(validCall, (call) => {
      const key = (canonicalNodeKey as (...args: unknown[]) => string)(...call.args)
      assert.equal(isNodeKey(key), true, key)
      assert.equal(canonicalNodeKey(parseNodeKey(key)), key)
      assert.equal(canonicalNodeKey(key), key)
    }),
    500,
  )
})

test('parseNodeKey(formatNodeKey(e)) round-trips every canonical endpoint', () => {
  check(
    fc.property(
      validHost,
      fc.integer({ min: 1, max: 65535 }),
      fc.constantFrom<'keep' | 'unwrap'>('keep', 'unwrap'),
      (host, port, mappedIPv4) => {
        const endpoint: Endpoint = { host: canonicalHost(host, { mappedIPv4 }), port }
        const key = formatNodeKey(endpoint)
        assert.deepEqual(parseNodeKey(key), endpoint)
        assert.equal(formatNodeKey(parseNodeKey(key)), key)
      },
    ),
    500,
  )
})

test('memo on (default and tiny cacheSize) gives the same results as memo off, errors included', () => {
  check(
    fc.property(
      fc.array(fc.oneof(validCall, invalidCall), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
      fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      (pool, order, defaultPort) => {
        const off = createNodeKeyer({ cacheSize: 0, defaultPort })
        const on = createNodeKeyer({ defaultPort })
        const tiny = createNodeKeyer({ cacheSize: 2, defaultPort })
        // Calls repeat, so the memos answer some of them.
        for (const index of order) {
          const call = pool[index % pool.length]!
          const expected = outcome(off, call)
          assert.deepEqual(outcome(on, call), expected, call.label)
          assert.deepEqual(outcome(tiny, call), expected, call.label)
        }
        assert.ok(on.stats().size <= pool.length)
        assert.ok(tiny.stats().size <= 2)
      },
    ),
    300,
  )
})

// ---- only NodeKeyErrors ------------------------------------------------------------------------------------

const ADDRESS_CHARACTERS = [
  ...'[]:%.@/?#0123456789abcdefxX-_ ',
  '\u0000',
  '\t',
  'ß',
  'Ａ',
  '\u3002',
  '\ud800',
  '\udc00',
  '25',
]
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.nat({ max: 0xffff }).map((c) => String.fromCharCode(c)) }),
  fc.string({ unit: fc.constantFrom(...ADDRESS_CHARACTERS), maxLength: 40 }),
)
const anyValue = fc.oneof(
  anyString,
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
  }),
  fc.record({
    host: fc.oneof(anyString, fc.anything()),
    port: fc.oneof(anyString, fc.anything({ withBigInt: true })),
  }),
)

const onlyNodeKeyErrors = (label: string, fn: () => unknown): void => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof NodeKeyError, `${label} threw ${String(error)}`)
    assert.ok(isNodeKeyError(error))
    assert.match(error.message, /^Expected /)
  }
}

test('for any input, the only exceptions are NodeKeyErrors, and the predicates never throw', () => {
  check(
    fc.property(anyValue, anyValue, (a, b) => {
      onlyNodeKeyErrors('canonicalHost', () => canonicalHost(a as string))
      onlyNodeKeyErrors('parseAddress', () => parseAddress(a as AddressInput))
      onlyNodeKeyErrors('parseAddress+origin', () =>
        parseAddress(a as AddressInput, { originHost: 'origin' }),
      )
      onlyNodeKeyErrors('canonicalNodeKey(a)', () => canonicalNodeKey(a as AddressInput))
      onlyNodeKeyErrors('canonicalNodeKey(a, b)', () => canonicalNodeKey(a as string, b as number))
      onlyNodeKeyErrors('parsePort', () => parsePort(a))
      onlyNodeKeyErrors('parseNodeKey', () => parseNodeKey(a as string))
      onlyNodeKeyErrors('formatNodeKey', () => formatNodeKey({ host: a, port: b } as Endpoint))
      assert.equal(typeof isNodeKey(a), 'boolean')
      assert.equal(typeof isValidHost(a), 'boolean')
      assert.equal(typeof isValidPort(a), 'boolean')
    }),
    1000,
  )
})

test('a lone surrogate is U+FFFD to the host parser: never glued to its other half, never a key', () => {
  const piece = fc.oneof(
    fc.constantFrom('a', 'b', '.', '-', 'ü', '\u00ad', '\u200b', '\u034f', 'xn--', '\ud83d\ude00'),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
  )
  const host = fc.array(piece, { minLength: 1, maxLength: 8 }).map((pieces) => `${pieces.join('')}.com`)
  const outcome = (fn: () => string): string => {
    try {
      return fn()
    } catch (error) {
      return isNodeKeyError(error) ? `${error.code}/${error.reason}` : `unexpected ${String(error)}`
    }
  }
  check(
    fc.property(host, (text) => {
      const scalar = text.replace(
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
        '\ufffd',
      )
      assert.equal(
        outcome(() => canonicalHost(text)),
        outcome(() => canonicalHost(scalar)),
      )
      assert.equal(
        outcome(() => canonicalNodeKey(`${text}:1`)),
        outcome(() => canonicalNodeKey(`${scalar}:1`)),
      )
      if (scalar.includes('\ufffd')) assert.equal(isValidHost(text), false)
    }),
    500,
  )
})
