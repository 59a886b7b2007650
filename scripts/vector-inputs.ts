/**
 * The inputs of the shipped key vectors (vectors/keys.json): hand-chosen cases for each rule of
 * docs/canonical-form.md, and a selection of the vendored conformance vectors (test/fixtures/conformance).
 * Only inputs live here; scripts/generate-vectors.ts computes every key or error reason with the library.
 */
import { readFileSync } from 'node:fs'
import { canonicalHost } from '../src/index.ts'

/** The options a vector may carry: a plain-JSON subset of createNodeKeyer's. */
export interface VectorOptions {
  defaultPort?: number
  trailingDot?: 'keep' | 'strip'
  mappedIPv4?: 'unwrap' | 'keep'
  /** `'none'` stands for `resolver: null`; absent is the default loopback resolver. */
  resolver?: 'none'
}

export type VectorPort = number | string

/** One call: `keyer(input)` or `keyer(host, port)`, under a rule of the spec. */
export type VectorInput =
  | { section: Section; input: string | { host: string; port: VectorPort }; options?: VectorOptions }
  | { section: Section; host: string; port: VectorPort; options?: VectorOptions }

/** The sections of docs/canonical-form.md that vectors cite, with the short name each case carries. */
export const SECTIONS = {
  '2.1': 'host-length',
  '2.2': 'trim-and-controls',
  '2.3': 'host-kind',
  '2.4': 'ipv6-parse',
  '2.5': 'ipv6-zone',
  '2.6': 'ipv6-rfc5952',
  '2.7': 'ipv4-mapped',
  '2.8': 'percent-decode',
  '2.9': 'domain-to-ascii',
  '2.10': 'forbidden-code-points',
  '2.11': 'ipv4',
  '2.12': 'dns-shape',
  '2.13': 'trailing-dot',
  '3.1': 'port-number',
  '3.2': 'port-string',
  '3.3': 'port-missing',
  '4.1': 'address-forms',
  '4.2': 'address-length-and-trim',
  '4.3': 'url',
  '4.4': 'bracketed-ipv6',
  '4.5': 'last-colon',
  '4.6': 'empty-port',
  '4.7': 'empty-host',
  '4.8': 'object-and-pair',
  '5.1': 'key-format',
  '5.3': 'key-fixed-point',
  '6.2': 'loopback-resolver',
  '6.3': 'no-resolver',
} as const

export type Section = keyof typeof SECTIONS

export const ruleName = (section: Section): string => `§${section} ${SECTIONS[section]}`

const NONE: VectorOptions = { resolver: 'none' }
const KEEP_MAPPED: VectorOptions = { mappedIPv4: 'keep' }
const STRIP: VectorOptions = { trailingDot: 'strip' }
const DEFAULT_PORT: VectorOptions = { defaultPort: 6379 }

/** Hosts, each keyed as `keyer(host, 6379)`. */
const hosts = (section: Section, list: readonly string[], options?: VectorOptions): VectorInput[] =>
  list.map((host) =>
    options === undefined ? { section, host, port: 6379 } : { section, host, port: 6379, options },
  )

/** Whole addresses, each keyed as `keyer(address)`. */
const addresses = (section: Section, list: readonly string[], options?: VectorOptions): VectorInput[] =>
  list.map((input) => (options === undefined ? { section, input } : { section, input, options }))

/** Ports, each keyed as `keyer('redis', port)`. */
const ports = (section: Section, list: readonly VectorPort[]): VectorInput[] =>
  list.map((port) => ({ section, host: 'redis', port }))

const label63 = 'a'.repeat(63)
/** 253 octets: three labels of 63, one of 61. */
const name253 = `${label63}.${label63}.${label63}.${'b'.repeat(61)}`

const HAND: VectorInput[] = [
  // §2.1 The host is at most 1,024 UTF-16 code units, counted before trimming.
  ...hosts('2.1', [
    'a.'.repeat(512),
    `${'a.'.repeat(512)}a`,
    `${' '.repeat(1021)}::1`,
    `${' '.repeat(1022)}::1`,
    `${'1.'.repeat(512)}1`,
  ]),

  // §2.2 ASCII whitespace is trimmed at both ends; C0 controls, space and DEL inside are refused.
  ...hosts('2.2', [
    ' redis ',
    '\tredis\n',
    '\r\n\f redis \t',
    ' 10.0.0.1 ',
    ' ::1 ',
    '',
    ' ',
    '\t\n',
    're dis',
    're\tdis',
    'a\u0000b',
    'a\u0001',
    'a\u001fb',
    'a\u007fb',
    '\u000bredis',
    'redis\u000b',
    '\u00a0redis',
    '\u3000redis',
    '[::1 ]',
    'fe80::1%eth 0',
  ]),

  // §2.3 "[" starts an IPv6 address; any ":" makes an IPv6 candidate; anything else is a domain.
  ...hosts('2.3', [
    '[::1]',
    '[::1',
    '::1]',
    '[]',
    '[redis]',
    '[127.0.0.1]',
    '[[::1]]',
    'redis:7000',
    '1:2',
    'a:b',
    ':',
    '[::1]:7000',
  ]),

  // §2.4 The URL Standard's IPv6 parser.
  ...hosts('2.4', [
    '::',
    '::1',
    '1::',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1::2::3',
    ':::',
    '1:::2',
    ':1',
    '1:',
    '12345::',
    '0001:0002::',
    'g::',
    '::1.2.3',
    '::1.2.3.4.5',
    '::1.2.3.256',
    '::01.2.3.4',
    '::1.2.3.04',
    '::0x1',
    '::1.2.3.0x4',
    '1:2:3:4:5:6:1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::1.2.3.4:1',
    '1.2.3.4::',
    'fe80::ABCD',
    '[FE80::1]',
  ]),

  // §2.5 Zones: `%zone` (or `%25zone` inside brackets), 1 to 64 of [A-Za-z0-9_.-], kept as written.
  ...hosts('2.5', [
    'fe80::1%eth0',
    '[fe80::1%eth0]',
    '[fe80::1%25eth0]',
    'fe80::1%25eth0',
    'fe80::1%Eth0',
    'FE80::1%ETH0',
    'fe80::1%1',
    '[fe80::1%251]',
    'fe80::1%251',
    '[fe80::1%25251]',
    '[fe80::1%2525]',
    '[fe80::1%25]',
    'fe80::1%25',
    'fe80::1%2',
    'fe80::1%',
    '[fe80::1%]',
    'fe80::1%eth/0',
    'fe80::1%eth:0',
    'fe80::1%é',
    'fe80::1%%',
    `fe80::1%${'z'.repeat(64)}`,
    `fe80::1%${'z'.repeat(65)}`,
    'fe80::1%a_b.c-d',
    '::1%lo',
    '[::ffff:1.2.3.4%25eth0]',
    'redis%eth0',
  ]),

  // §2.6 RFC 5952 serialization.
  ...hosts('2.6', [
    '2001:DB8::1',
    '2001:0db8:0000:0000:0000:0000:0000:0001',
    '2001:db8:0:0:1:0:0:1',
    '2001:db8::0:1',
    '2001:db8:0:1:1:1:1:1',
    '2001:0:0:1:0:0:0:1',
    '0:0:0:0:0:0:0:0',
    '0:0:0:0:0:0:0:1',
    '0000:0000::0001',
    '1:0:0:0:0:0:0:0',
    '0:1:0:0:0:0:0:0',
    '0:0:1:0:0:0:0:0',
    '1:0:1:0:1:0:1:0',
    '1:0:0:2:0:0:3:4',
    '1:2:0:0:0:3:0:0',
    'ABCD:EF01:2345:6789:ABCD:EF01:2345:6789',
    '::1.2.3.4',
    '64:ff9b::192.0.2.33',
    '::ffff:0:1.2.3.4',
    '::fffe:1.2.3.4',
    '0:0:0:0:1:ffff:1.2.3.4',
  ]),

  // §2.7 IPv4-mapped addresses: unwrapped by default, `::ffff:a.b.c.d` with mappedIPv4: 'keep'.
  ...[undefined, KEEP_MAPPED].flatMap((options) =>
    hosts(
      '2.7',
      [
        '::ffff:1.2.3.4',
        '::FFFF:7f00:1',
        '0:0:0:0:0:ffff:127.0.0.1',
        '[::ffff:127.0.0.1]',
        '::ffff:0:0',
        '::ffff:ffff:ffff',
        '0000:0000:0000:0000:0000:FFFF:0A00:0001',
        '::ffff:1.2.3.4%eth0',
      ],
      options,
    ),
  ),
  ...addresses('2.7', ['::ffff:127.0.0.1:7000', '[::ffff:7f00:1]:7000'], KEEP_MAPPED),
  ...addresses('2.7', ['::ffff:127.0.0.1:7000', '[::ffff:7f00:1]:7000']),

  // §2.8 Percent-decoding of a domain (UTF-8), before domain to ASCII.
  ...hosts('2.8', [
    '%72edis',
    'RE%44IS',
    'a%2eb',
    'a%2Eb',
    '%2e',
    'a%20b',
    '%25',
    'a%zz',
    'a%',
    'a%4',
    '%c3%bc.de',
    '%C3%BC.DE',
    '%c3',
    '%ff.com',
    '%3a',
    '%2f',
    '%5b',
    '%00',
    '%31%32%37.0.0.1',
    '%30x7f.1',
    'xn%2d%2dbcher-kva.example',
    '%e2%98%83.net',
    '%6c%6f%63%61%6c%68%6f%73%74',
    '%ef%bc%8e',
  ]),

  // §2.9 Domain to ASCII: the ASCII fast path, else UTS #46 non-transitional (tr46's tables).
  ...hosts('2.9', [
    'Redis-1.Example.COM',
    'xn--a',
    'xn--a.xn--zca',
    'XN--ZCA',
    'xn--',
    'xn--bcher-kva.example',
    'XN--BCHER-KVA.EXAMPLE',
    'bücher.example',
    'BÜCHER.EXAMPLE',
    'faß.de',
    'FASS.de',
    'ß',
    'Ⓐ.com',
    'ａｂｃ.com',
    'a。b',
    'a．b',
    'a｡b',
    '日本.jp',
    'пример.рф',
    'ελληνικά.gr',
    '☃.net',
    '💩.la',
    'Ⅷ.example',
    'ǅ.example',
    'ab\u00adc',
    '\u00ad',
    '\u200d',
    'a\u200db',
    'a\u200cb',
    'x\u0300',
    '\u0300x',
    'a\ufffdb',
    '\ud800.com',
    'a\udc00b',
    'xn--a.ü',
    'ü.xn--a',
    '١.com',
    'a.\u05d0',
    '\u05d0\u05d1.example',
    '\u0085',
    '１２７.０.０.１',
    '0Ｘ7f.1',
    'ｌｏｃａｌｈｏｓｔ',
    'a\u2488b',
    'ü.'.repeat(300),
    `${'ü'.repeat(63)}.de`,
    // Step 2, the bound before UTS #46: a label that NFKC makes 127 code points and more (U+FDFA is 18).
    `${'\ufdfa'.repeat(8)}.de`,
    `${'ü'.repeat(127)}.de`,
    `${'ü'.repeat(126)}.de`,
    // Step 7: within the bound, and longer than 1,024 units once in Punycode (four labels of 125 CJK).
    Array.from({ length: 4 }, (_, label) =>
      Array.from({ length: 125 }, (_, i) => String.fromCodePoint(0x4e00 + label * 2000 + i * 13)).join(''),
    ).join('.'),
  ]),

  // §2.10 Forbidden domain code points, after percent-decoding and domain to ASCII.
  ...hosts('2.10', [
    'a#b',
    'a/b',
    'a?b',
    'a@b',
    'a<b',
    'a>b',
    'a\\b',
    'a^b',
    'a|b',
    'a%b',
    'a]b',
    'a[b',
    'user@redis',
    'redis/0',
    'a\uff03b',
    'a\uff0fb',
  ]),

  // §2.11 IPv4: a host whose last label is a number is an IPv4 address in any form the URL Standard reads.
  ...hosts('2.11', [
    '127.0.0.1',
    '127.1',
    '127.0.1',
    '0x7f.0.0.1',
    '0X7F.1',
    '0177.0.0.1',
    '017700000001',
    '2130706433',
    '0x7f000001',
    '0',
    '0x',
    '0x.0x.0x.0x',
    '00',
    '0.0.0.0',
    '255.255.255.255',
    '4294967295',
    '4294967296',
    '0xffffffff',
    '0x100000000',
    '99999999999999999999',
    '256.0.0.0',
    '1.256.0.0',
    '1.2.65535',
    '1.2.65536',
    '1.16777215',
    '1.16777216',
    '1.2.3.4.5',
    '1.2.3.4.',
    '1.2.3.4..',
    '08',
    '09.1',
    '0x7g',
    'a.1',
    'a.0x1',
    'a.0x',
    'a.1a',
    '1.a',
    'localhost.1',
    '127.0.0.01',
    '127.000.000.001',
    '.1.2.3.4',
    '1..2',
    '10.0.0.1',
    '192.168.001.1',
    '0x0A.0.0.1',
    '1e3',
  ]),

  // §2.12 DNS shape: labels of a-z 0-9 - _, 1 to 63 octets, at most 253 octets without one trailing dot.
  ...hosts('2.12', [
    'redis',
    'a_b',
    '_srv._tcp.example',
    '-a',
    'a-',
    'a--b',
    '.',
    '..',
    '.a',
    'a..b',
    'a..',
    label63,
    `${label63}a`,
    `${label63}.com`,
    `${label63}a.com`,
    name253,
    `${name253}.`,
    `${name253}c`,
    `${name253}c.`,
    'a*',
    '*.example',
    'a!b',
    'a$b',
    'a,b',
    'a;b',
    'a=b',
    'a+b',
    'a~b',
    'a{b',
    "a'b",
    'a"b',
    'a(b',
    'a`b',
    'a&b',
  ]),

  // §2.13 One trailing dot: kept by default, dropped with trailingDot: 'strip'.
  ...[undefined, STRIP].flatMap((options) =>
    hosts(
      '2.13',
      [
        'redis.',
        'Redis.Example.',
        'redis..',
        '127.0.0.1.',
        '0x7f.1.',
        'bücher.example.',
        'xn--bcher-kva.example.',
        `${label63}.`,
      ],
      options,
    ),
  ),
  ...hosts('2.13', ['redis.'], { trailingDot: 'keep' }),
  ...addresses('2.13', ['redis.:7000', 'redis://cache.example.:7000'], STRIP),
  ...addresses('2.13', ['redis.:7000', 'redis://cache.example.:7000']),

  // §3.1 A port given as a number: an integer from 1 to 65535.
  ...ports('3.1', [1, 7000, 65535, 0, 65536, -1, 1.5, 6379.5, 100000, 1e3]),

  // §3.2 A port given as a string: 1 to 5 ASCII digits, in range; a service name is its own reason.
  ...ports('3.2', [
    '6379',
    '06379',
    '00001',
    '000001',
    '0',
    '00000',
    '65535',
    '65536',
    '99999',
    '',
    ' 6379',
    '6379 ',
    '+6379',
    '-1',
    '0x10',
    '1e3',
    '6379.0',
    'http',
    'HTTP',
    'redis',
    'h-t',
    'h_t',
    '1http',
    'x'.repeat(64),
    'x'.repeat(65),
    '٣',
    '６３７９',
  ]),
  ...addresses('3.2', ['redis:http', 'redis:0x10', 'redis:06379', 'redis:65536', 'redis:0', 'redis:+1']),

  // §3.3 A missing port is defaultPort, else an error.
  ...[undefined, DEFAULT_PORT, { defaultPort: 7000 }].flatMap((options) =>
    addresses('3.3', ['redis', '[::1]', '10.0.0.1', 'LOCALHOST', 'cache.example.'], options),
  ),

  // §4.1 Every call form of one endpoint gives one key.
  ...addresses('4.1', ['cache-1:7000', 'CACHE-1:7000', 'redis://Cache-1:7000']),
  { section: '4.1', input: { host: 'cache-1', port: 7000 } },
  { section: '4.1', input: { host: 'Cache-1', port: '7000' } },
  { section: '4.1', host: 'CACHE-1', port: '07000' },
  { section: '4.1', host: 'cache-1', port: 7000 },

  // §4.2 An address string is at most 2,048 code units, then trimmed.
  ...addresses('4.2', [
    ' redis:7000 ',
    '\tredis:7000\n',
    'redis :7000',
    '[::1] :7000',
    'redis: 7000',
    ' [::1]:7000 ',
    `redis://${'a'.repeat(2035)}:7000`,
    `redis://${'a'.repeat(2036)}:7000`,
    `${' '.repeat(2040)}redis:7000`,
  ]),

  // §4.3 URLs: scheme, userinfo and path around the host; a missing port is the scheme's.
  ...addresses('4.3', [
    'redis://localhost:7000',
    'redis://cache.example',
    'rediss://cache.example',
    'valkey://cache.example',
    'valkeys://cache.example',
    'memcached://cache.example',
    'mongodb://cache.example',
    'nats://cache.example',
    'tls://cache.example',
    'http://cache.example',
    'https://cache.example',
    'ftp://cache.example',
    'unknown://cache.example:1',
    'redis+sentinel://cache.example:26379',
    'REDIS://CACHE.EXAMPLE',
    'Rediss://Cache.Example:7000',
    'redis://user:pass@cache.example:7000',
    'redis://:pass@cache.example',
    'redis://u@v@cache.example:1',
    'redis://user:p%40ss@cache.example',
    'redis://cache.example:7000/0',
    'redis://cache.example/0',
    'redis://cache.example?db=1',
    'redis://cache.example#f',
    'redis://cache.example:7000/0?db=1#f',
    'redis://[::1]:7000',
    'redis://[::1]',
    'redis://[fe80::1%25eth0]:7000',
    'redis://::1:7000',
    'redis://',
    'redis:///0',
    'redis://u@',
    'redis://cache.example:',
    'redis://cache.example:0',
    'redis://cache.example:http',
    'redis://%6cocalhost:7000',
    'redis://b%C3%BCcher.example',
    'redis://bücher.example',
    'mongodb://a:1,b:2',
    'redis://cache.example:7000:8000',
    '1redis://cache.example',
    'redis:cache.example',
    '://cache.example:7000',
    'redis:/cache.example:7000',
  ]),
  ...addresses(
    '4.3',
    ['ftp://cache.example', 'unknown://cache.example', 'redis://cache.example'],
    DEFAULT_PORT,
  ),
  ...addresses('4.3', ['redis://cache.example', 'mongodb://cache.example', 'ftp://cache.example'], {
    defaultPort: 7000,
  }),

  // §4.4 A bracketed IPv6 address, then nothing or ":port".
  ...addresses('4.4', [
    '[::1]:7000',
    '[0:0::1]:7000',
    '[::1]x',
    '[::1]:x',
    '[::1',
    '[::1]]:7000',
    '[fe80::1%25eth0]:7000',
    '[fe80::1%eth0]:7000',
    '[127.0.0.1]:7000',
    '[]:7000',
    '[::1]:7000:8000',
    '[ ::1 ]:7000',
    '[redis]:7000',
  ]),
  ...addresses('4.4', ['[2001:DB8::1]', '[fe80::1%25eth0]'], DEFAULT_PORT),

  // §4.5 No brackets: the last colon splits, as Redis writes IPv6 nodes (`::1:7002`).
  ...addresses('4.5', [
    '127.0.0.1:7000',
    '::1:7002',
    '::1',
    '2001:db8::1:7000',
    'fe80::1%eth0:7000',
    'fe80::1',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7:8:7000',
    '0:0:0:0:0:0:0:1:7000',
    'a:b:c',
    'cache.example:6379',
    '10.0.0.1:6379',
    '2130706433:6379',
  ]),

  // §4.6 "host:" (an empty port) is a missing port.
  ...[undefined, DEFAULT_PORT].flatMap((options) =>
    addresses('4.6', ['redis:', '[::1]:', '::1:', '10.0.0.1:'], options),
  ),

  // §4.7 An empty host is an error (Redis's "the node you asked" needs originHost, which vectors do not cover).
  ...addresses('4.7', [':7002', ' :7002', 'redis://:7000', 'redis://u@:7000', ':']),
  { section: '4.7', host: '', port: 7002 },
  { section: '4.7', host: ' ', port: 7002 },
  { section: '4.7', input: { host: '', port: 7002 } },

  // §4.8 Objects and (host, port) pairs: the host is a host, never split at a colon.
  { section: '4.8', input: { host: 'LOCALHOST', port: 7000 } },
  { section: '4.8', input: { host: '::1', port: '7000' } },
  { section: '4.8', input: { host: '[::1]', port: 7000 } },
  { section: '4.8', input: { host: 'localhost:7000', port: 7000 } },
  { section: '4.8', input: { host: 'redis://cache.example', port: 1 } },
  { section: '4.8', input: { host: '0x7f.1', port: '06379' } },
  { section: '4.8', input: { host: 'redis', port: 'http' } },
  { section: '4.8', input: { host: 'redis', port: 0 } },
  { section: '4.8', host: '::1', port: 7000 },
  { section: '4.8', host: '[::1]', port: '7000' },
  { section: '4.8', host: 'redis:7000', port: 7000 },
  { section: '4.8', host: 'fe80::1%eth0', port: 7000 },

  // §5.1 The key: host:port, [ipv6]:port, [ipv6%zone]:port, with a zone that starts with "25" escaped.
  ...addresses('5.1', [
    'cache.example:7000',
    '10.0.0.1:7000',
    '[2001:db8::1]:7000',
    '[fe80::1%2525]:7000',
    '[fe80::1%25251]:7000',
    'fe80::1%251:7000',
    'fe80::1%25:7000',
    'fe80::1%2:7000',
  ]),
  { section: '5.1', host: 'fe80::1%251', port: 7000 },
  { section: '5.1', host: 'fe80::1%25eth0', port: 7000 },

  // §5.3 A key is its own key under the options that made it (without a resolver).
  ...addresses(
    '5.3',
    [
      'cache.example:7000',
      'cache.example.:7000',
      '10.0.0.1:7000',
      '[::1]:7000',
      '[fe80::1%eth0]:7000',
      '[fe80::1%25251]:7000',
      '[fe80::1%2525]:7000',
      'xn--bcher-kva.example:7000',
    ],
    NONE,
  ),
  ...addresses('5.3', ['[::ffff:127.0.0.1]:7000', '[::ffff:127.0.0.1%eth0]:7000'], {
    resolver: 'none',
    mappedIPv4: 'keep',
  }),

  // §6.2 The default resolver: localhost, localhost. and *.localhost are 127.0.0.1.
  ...addresses('6.2', [
    'localhost:7000',
    'LOCALHOST:7000',
    'localhost.:7000',
    'a.localhost:7000',
    'A.B.LOCALHOST.:7000',
    'localhost.localdomain:7000',
    'localhostx:7000',
    'xlocalhost:7000',
    '.localhost:7000',
    'localhost..:7000',
    '127.0.0.2:7000',
    'redis://localhost',
    'ｌｏｃａｌｈｏｓｔ:7000',
    'xn--localhost:7000',
  ]),
  ...addresses('6.2', ['localhost.:7000', 'a.localhost.:7000'], STRIP),
  ...addresses('6.2', ['localhost'], DEFAULT_PORT),
  { section: '6.2', input: { host: 'LocalHost', port: '7000' } },
  { section: '6.2', host: 'localhost', port: 7000 },

  // §6.3 No resolver: localhost is a name like any other.
  ...addresses(
    '6.3',
    [
      'localhost:7000',
      'LOCALHOST:7000',
      'localhost.:7000',
      'a.localhost:7000',
      'redis://localhost',
      'ｌｏｃａｌｈｏｓｔ:7000',
      '127.0.0.1:7000',
    ],
    NONE,
  ),
  ...addresses('6.3', ['localhost.:7000'], { resolver: 'none', trailingDot: 'strip' }),
  ...addresses('6.3', ['localhost'], { resolver: 'none', defaultPort: 6379 }),
]

const FIXTURES = new URL('../test/fixtures/conformance/', import.meta.url)
const load = <T>(file: string): T[] => JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as T[]

/** The rule that decides a conformance host's outcome: from its error reason, or from what it became. */
const hostSection = (host: string, outcome: { key?: string; error?: string }): Section => {
  switch (outcome.error) {
    case undefined:
      break
    case 'too-long':
      return host.length > 1024 ? '2.1' : '2.9'
    case 'empty-host':
      return '2.2'
    case 'forbidden-character':
      return /[\u0000-\u0020\u007f]/.test(host.trim()) ? '2.2' : '2.10'
    case 'invalid-ipv6':
      return '2.4'
    case 'invalid-zone':
      return '2.5'
    case 'invalid-ipv4':
      return '2.11'
    case 'idna':
      return '2.9'
    default:
      return '2.12'
  }
  const key = outcome.key ?? ''
  if (key.startsWith('127.0.0.1:') && isLocalhostName(host)) return '6.2'
  if (key.startsWith('[')) return key.includes('%') ? '2.5' : '2.6'
  if (/^[0-9.]+:\d+$/.test(key)) return host.includes(':') ? '2.7' : '2.11'
  if (host.includes('%')) return '2.8'
  return /[^\u0000-\u007f]/.test(host) ? '2.9' : '2.12'
}

/** Whether the default resolver made the key (the host is a name under localhost, §6.2). */
const isLocalhostName = (host: string): boolean => {
  try {
    return /(^|\.)localhost\.?$/.test(canonicalHost(host))
  } catch {
    return false
  }
}

/** The rule that decides one of Go's SplitHostPort addresses. */
const addressSection = (input: string, outcome: { key?: string; error?: string }): Section => {
  if (outcome.error === undefined) {
    if (outcome.key?.startsWith('127.0.0.1:') && isLocalhostName(input.slice(0, input.lastIndexOf(':'))))
      return '6.2'
    return input.startsWith('[') ? '4.4' : '4.5'
  }
  if (outcome.error === 'empty-host') return '4.7'
  if (outcome.error === 'missing-port') return '4.6'
  if (['not-a-port', 'named-port', 'port-out-of-range'].includes(outcome.error)) return '3.2'
  if (outcome.error === 'invalid-address') return input.startsWith('[') ? '4.4' : '4.5'
  return hostSection(input, outcome)
}

/** A host input from a fixture; its rule is decided once its outcome is known. */
export interface FixtureInput {
  kind: 'host' | 'address' | 'join'
  host: string
  port?: string
  options?: VectorOptions
  sectionOf: (outcome: { key?: string; error?: string }) => Section
}

/** Every N-th entry of wpt-idna.json: the file has 2,670, most of them variations of a few rules. */
const IDNA_STRIDE = 20

export const fixtureInputs = (): FixtureInput[] => {
  const out: FixtureInput[] = []
  const host = (input: string, options?: VectorOptions): FixtureInput => ({
    kind: 'host',
    host: input,
    ...(options === undefined ? {} : { options }),
    sectionOf: (outcome) => hostSection(input, outcome),
  })
  for (const file of ['wpt-hosts.json', 'wpt-setters-hosts.json', 'wpt-toascii.json']) {
    for (const { input } of load<{ input: string }>(file)) out.push(host(input))
  }
  load<{ input: string }>('wpt-idna.json').forEach(({ input }, index) => {
    if (index % IDNA_STRIDE === 0) out.push(host(input))
  })
  for (const { input } of load<{ input: string }>('rfc5952.json')) {
    out.push(host(input))
    out.push({ ...host(input, KEEP_MAPPED), sectionOf: () => '2.6' })
  }
  for (const vector of load<{ op: string; input?: string; host?: string; port?: string }>(
    'go-hostport.json',
  )) {
    if (vector.op === 'split' && vector.input !== undefined) {
      const input = vector.input
      out.push({ kind: 'address', host: input, sectionOf: (outcome) => addressSection(input, outcome) })
    } else if (vector.op === 'join' && vector.host !== undefined && vector.port !== undefined) {
      const joined = vector.host
      out.push({
        kind: 'join',
        host: joined,
        port: vector.port,
        sectionOf: (outcome) =>
          joined === ''
            ? '4.7'
            : outcome.error !== undefined && /port/.test(outcome.error)
              ? '3.2'
              : hostSection(joined, outcome),
      })
    }
  }
  return out
}

export const handInputs = (): readonly VectorInput[] => HAND
