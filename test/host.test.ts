import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'
import { canonicalHost, InvalidHostError, isValidHost } from '../src/index.ts'
import { MAX_HOST_LENGTH } from '../src/key/host.ts'
import { evalModuleArgs } from './eval-args.ts'

const same = (cases: Record<string, string>, options?: Parameters<typeof canonicalHost>[1]): void => {
  for (const [input, expected] of Object.entries(cases)) {
    assert.equal(canonicalHost(input, options), expected, JSON.stringify(input))
    assert.equal(isValidHost(input, options), true, JSON.stringify(input))
  }
}

const show = (value: unknown): string =>
  typeof value === 'bigint' ? `${value}n` : typeof value === 'symbol' ? String(value) : JSON.stringify(value)

const rejects = (input: unknown, reason: string): void => {
  assert.throws(
    () => canonicalHost(input as string),
    (error: unknown) => {
      assert.ok(error instanceof InvalidHostError, `${show(input)}: ${String(error)}`)
      assert.equal(error.code, 'ERR_NODE_KEY_INVALID_HOST')
      assert.equal(error.reason, reason, `reason for ${show(input)}`)
      assert.match(error.message, /^Expected /)
      return true
    },
  )
  assert.equal(isValidHost(input), false, show(input))
}

test('step 1: not a string, or longer than 1,024 characters, before any parsing', () => {
  assert.equal(MAX_HOST_LENGTH, 1024)
  for (const input of [7, null, undefined, {}, [], ['a'], 10n, new String('a'), Symbol('a')]) {
    rejects(input, 'not-a-string')
  }
  rejects('a'.repeat(1025), 'too-long')
  // The cap counts the raw input, whitespace included.
  rejects(`${' '.repeat(1024)}a`, 'too-long')
  assert.equal(canonicalHost(`${' '.repeat(1023)}a`), 'a')
  // 1,024 characters are parsed (and this one fails later, on the DNS length).
  rejects(`${'a'.repeat(63)}.`.repeat(16), 'name-too-long')
})

test('step 2: ASCII whitespace is trimmed at the ends; whitespace and controls inside are errors', () => {
  same({ ' host ': 'host', '\t\n\f\rHost\r\n': 'host', ' [::1] ': '::1', ' 127.1\n': '127.0.0.1' })
  for (const input of [
    'a b',
    'a\tb',
    'a\nb',
    'a\u0000b',
    'a\u0001b',
    'a\u001fb',
    'a\u007fb',
    '\u000bhost',
    'host\u0000',
  ]) {
    rejects(input, 'forbidden-character')
  }
  assert.throws(() => canonicalHost('ab c'), { message: /got "ab c" \(U\+0020 at index 2\)\.$/ })
  rejects('', 'empty-host')
  rejects(' \t\r\n', 'empty-host')
})

test('step 3: brackets hold an IPv6 address; a bare host with ":" must be IPv6', () => {
  same({ '[::1]': '::1', '[0:0:0:0:0:0:0:1]': '::1', '::1': '::1', '[2001:DB8::1]': '2001:db8::1' })
  for (const input of ['[1.2.3.4]', '[]', '[::1', '[example.com]', '[::1]:7000', '[[::1]]']) {
    rejects(input, 'invalid-ipv6')
  }
  for (const input of [
    'localhost:7000',
    'a:b',
    '1.2.3.4:80',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '12345::',
    'g::',
  ]) {
    rejects(input, 'invalid-ipv6')
  }
  // The hint fits a "host:port" string, bracketed or not, and only that.
  for (const input of ['localhost:7000', '[::1]:7000', ' a:b ']) {
    assert.throws(() => canonicalHost(input), {
      message: /\. For a "host:port" string, use parseAddress\(\)\.$/,
    })
  }
  for (const input of ['[1.2.3.4]', '[::1', '[g::1]']) {
    assert.throws(
      () => canonicalHost(input),
      (error: InvalidHostError) => {
        assert.equal(error.reason, 'invalid-ipv6')
        assert.doesNotMatch(error.message, /parseAddress/)
        assert.equal(error.hint, undefined)
        return true
      },
    )
  }
})

test('step 4: IPv6 is written as RFC 5952 section 4 says', () => {
  same({
    // 4.1 no leading zeros; 4.3 lowercase
    '2001:0DB8:0000:0000:0000:0000:0000:0001': '2001:db8::1',
    '2001:db8:00aB:cd::1': '2001:db8:ab:cd::1',
    // 4.2.1 shorten as much as possible
    '2001:db8:0:0:0:0:2:1': '2001:db8::2:1',
    '2001:db8::0:1': '2001:db8::1',
    // 4.2.2 one 16-bit zero field is not compressed
    '2001:db8:0:1:1:1:1:1': '2001:db8:0:1:1:1:1:1',
    '2001:db8::1:1:1:1:1': '2001:db8:0:1:1:1:1:1',
    // 4.2.3 the longest run, the first one on a tie
    '2001:0:0:1:0:0:0:1': '2001:0:0:1::1',
    '2001:db8:0:0:1:0:0:1': '2001:db8::1:0:0:1',
    '0:0:0:0:0:0:0:0': '::',
    '::': '::',
    '1:0:0:0:0:0:0:0': '1::',
    '0:0:0:0:0:0:0:1': '::1',
    // Not IPv4-mapped: stays IPv6 (IPv4-compatible, NAT64)
    '::1.2.3.4': '::102:304',
    '64:ff9b::1.2.3.4': '64:ff9b::102:304',
    '::fffe:1.2.3.4': '::fffe:102:304',
  })
})

test('step 4: IPv4-mapped addresses become their IPv4 address, or stay with mappedIPv4: keep', () => {
  same({
    '::ffff:1.2.3.4': '1.2.3.4',
    '::FFFF:0102:0304': '1.2.3.4',
    '[0:0:0:0:0:ffff:7f00:1]': '127.0.0.1',
    '::ffff:0:0': '0.0.0.0',
  })
  same(
    { '::ffff:1.2.3.4': '::ffff:1.2.3.4', '::FFFF:7F00:1': '::ffff:127.0.0.1', '::1': '::1' },
    { mappedIPv4: 'keep' },
  )
})

test('step 4: zones are kept as written, %25 (RFC 6874) or %, and validated', () => {
  same({
    'fe80::1%eth0': 'fe80::1%eth0',
    'FE80::1%ETH0': 'fe80::1%ETH0',
    '[fe80::1%25eth0]': 'fe80::1%eth0',
    '[fe80::1%eth0]': 'fe80::1%eth0',
    'fe80::0:1%en0.100': 'fe80::1%en0.100',
    'fe80::1%1': 'fe80::1%1',
    [`fe80::1%${'z'.repeat(64)}`]: `fe80::1%${'z'.repeat(64)}`,
    // A mapped address with a zone is not unwrapped (IPv4 has no zones).
    '::ffff:1.2.3.4%eth0': '::ffff:1.2.3.4%eth0',
    // Bare text (RFC 4007) writes the zone as it is: interface 251 is not interface 1.
    'fe80::1%251': 'fe80::1%251',
    // Inside brackets "%25" is the URL escape of "%" (RFC 6874), decoded once.
    '[fe80::1%251]': 'fe80::1%1',
    '[fe80::1%2525x]': 'fe80::1%25x',
    '[fe80::1%25]': 'fe80::1%25',
  })
  for (const input of ['fe80::1%', 'fe80::1%eth/0', 'fe80::1%eth 0', `fe80::1%${'z'.repeat(65)}`]) {
    rejects(input, input.includes(' ') ? 'forbidden-character' : 'invalid-zone')
  }
})

test('step 5: percent-decoding, as the URL host parser does', () => {
  same({
    '%6C%6F%63%61%6C%68%6F%73%74': 'localhost',
    'a%2Eb': 'a.b',
    '%41bc': 'abc',
    '%31%32%37.0.0.1': '127.0.0.1',
    '%E2%98%83.net': 'xn--n3h.net',
  })
  rejects('%zz', 'forbidden-character')
  rejects('a%2Fb', 'forbidden-character')
})

test('step 5: domain to ASCII (UTS #46 non-transitional, URL Standard parameters)', () => {
  same({
    'bücher.example': 'xn--bcher-kva.example',
    'BÜCHER.EXAMPLE': 'xn--bcher-kva.example',
    'xn--bcher-kva.example': 'xn--bcher-kva.example',
    'ＥＸＡＭＰＬＥ.com': 'example.com',
    'a\u3002b': 'a.b',
    'faß.de': 'xn--fa-hia.de',
    '１２７.０.０.１': '127.0.0.1',
    '☃.net': 'xn--n3h.net',
  })
  rejects('\ud800', 'idna')
  rejects('a\ud800b.com', 'idna')
  rejects('a\u200db.com', 'idna')
})

test('step 5: the IDNA tables load only when a non-ASCII host is seen', () => {
  const script = `
    const { canonicalHost } = await import(${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)})
    const { idnaLoaded } = await import(${JSON.stringify(new URL('../src/key/idna.ts', import.meta.url).href)})
    const seen = [idnaLoaded()]
    canonicalHost('Example.COM'); canonicalHost('[::1]'); canonicalHost('0x7f.1'); canonicalHost('a%2Eb')
    seen.push(idnaLoaded())
    canonicalHost('bücher.example')
    seen.push(idnaLoaded())
    console.log(JSON.stringify(seen))
  `
  const out = execFileSync(process.execPath, evalModuleArgs(script), {
    encoding: 'utf8',
    timeout: 30_000,
  })
  assert.deepEqual(JSON.parse(out), [false, false, true])
})

test('step 6: a numeric last label is IPv4, in every form the URL Standard accepts', () => {
  same({
    '127.0.0.1': '127.0.0.1',
    '127.1': '127.0.0.1',
    '127.0.1': '127.0.0.1',
    '0x7f.1': '127.0.0.1',
    '0X7F.0.0.1': '127.0.0.1',
    '2130706433': '127.0.0.1',
    '0x7F000001': '127.0.0.1',
    '0177.0.0.1': '127.0.0.1',
    '017700000001': '127.0.0.1',
    '127.0.0.1.': '127.0.0.1',
    '0': '0.0.0.0',
    '0x': '0.0.0.0',
    '4294967295': '255.255.255.255',
    '255.16777215': '255.255.255.255',
    // Leading zeros make octal: 0127 is 87.
    '00000000000000000000127.1': '87.0.0.1',
  })
  for (const input of [
    '1.2.3.256',
    '1.2.3.4.5',
    '4294967296',
    '256.1',
    '09',
    '1.2.3.09',
    'a.1',
    'example.0x1',
    '1..2',
    '9'.repeat(1000),
    `0x${'f'.repeat(500)}`,
  ]) {
    rejects(input, 'invalid-ipv4')
  }
  // A last label that is not a number makes a domain, digits elsewhere or not.
  same({ '1.a': '1.a', '1.2.3.4a': '1.2.3.4a', '0xg': '0xg', '0x1g': '0x1g' })
})

test('step 7: DNS shape: labels of a-z 0-9 - _, each 1 to 63 octets, 253 in all', () => {
  const label63 = 'a'.repeat(63)
  const name253 = `${label63}.${label63}.${label63}.${'b'.repeat(61)}`
  assert.equal(name253.length, 253)
  same({
    [label63]: label63,
    [name253.toUpperCase()]: name253,
    [`${name253}.`]: `${name253}.`,
    a_b: 'a_b',
    '-a-': '-a-',
    'Redis-1.Example.COM': 'redis-1.example.com',
    __proto__: '__proto__',
    constructor: 'constructor',
  })
  rejects('a'.repeat(64), 'label-too-long')
  rejects(`x.${'a'.repeat(64)}.y`, 'label-too-long')
  rejects(`${name253}a`, 'name-too-long')
  rejects(`${name253}a.`, 'name-too-long')
  for (const input of ['a..b', '.a', '.', '..', 'a..', '*', '!', 'a*b', '*.example.com', 'a~b']) {
    rejects(input, 'invalid-label')
  }
  for (const input of ['a/b', 'a@b', 'a?b', 'a#b', 'a<b', 'a\\b', 'a^b', 'a|b', 'a%b']) {
    rejects(input, 'forbidden-character')
  }
})

test('step 7: one trailing dot is kept by default, dropped with trailingDot: strip', () => {
  same({ 'redis.': 'redis.', 'Redis.Example.': 'redis.example.', 'bücher.': 'xn--bcher-kva.' })
  same(
    { 'redis.': 'redis', 'Redis.Example.': 'redis.example', redis: 'redis', '127.0.0.1.': '127.0.0.1' },
    {
      trailingDot: 'strip',
    },
  )
  rejects('redis..', 'invalid-label')
})

test('the fast path and the full path agree', () => {
  // Each pair: one spelling the single scan decides, one that needs the full algorithm.
  const pairs: Array<[string, string]> = [
    ['abc', '%41bc'],
    ['ABC.example', ' abc.example '],
    ['node-1.', 'node%2D1.'],
    ['x_y.z', 'x%5Fy.z'],
  ]
  for (const [fast, full] of pairs) assert.equal(canonicalHost(fast), canonicalHost(full))
})

test('bad options are TypeErrors', () => {
  assert.throws(() => canonicalHost('h', { trailingDot: 'drop' as 'keep' }), TypeError)
  assert.throws(() => canonicalHost('h', { mappedIPv4: 'yes' as 'keep' }), TypeError)
  // The predicate never throws, not even for a bad option: with options canonicalHost refuses, it accepts
  // no host.
  assert.equal(isValidHost('h', { mappedIPv4: 'yes' as 'keep' }), false)
  assert.equal(isValidHost('h', { trailingDot: 'bogus' as 'keep' }), false)
})
