/**
 * Conformance: every vector in test/fixtures/conformance (vendored from web-platform-tests, RFC 5952 and Go's
 * net package; provenance and licences in its README) either gives the expected result or is on a deviation
 * list below, by input, under the reason it falls under. The lists are asserted exactly: a new deviation
 * fails the suite, and so does a listed one that stops deviating.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import {
  canonicalHost,
  formatNodeKey,
  type HostOptions,
  isNodeKeyError,
  type NodeKeyError,
  parseAddress,
} from '../src/index.ts'

const CONFORMANCE = new URL('./fixtures/conformance/', import.meta.url)
const load = <T>(file: string): T[] => JSON.parse(readFileSync(new URL(file, CONFORMANCE), 'utf8')) as T[]

interface HostVector {
  input: string
  hostname: string | null
}
interface AsciiVector {
  input: string
  output: string | null
}
interface Rfc5952Vector {
  input: string
  canonical: string
  section: string
  whatwg?: string
}
type GoVector =
  | { op: 'split'; input: string; host?: string; port?: string; error?: string }
  | { op: 'join'; host: string; port: string; output: string }

/** The reasons a result may differ from the URL Standard's (docs/canonical-form.md §8). */
type Reason =
  /** §8 D1, §2.12: names the URL Standard accepts but DNS cannot carry (`*`, `!`, `..`, `.`, long labels) are rejected. */
  | 'dns-shape'
  /** §8 D2, §2.5: zones are accepted (`[::%31]`), where the URL Standard has none. */
  | 'zone'

/** The DNS-shape failures: what a rejected name that a URL accepts must fail with. */
const DNS_SHAPE_REASONS = new Set(['invalid-label', 'label-too-long', 'name-too-long'])

/** Our result in the URL API's `.hostname` form (IPv6 in brackets), or null for an error. */
const asHostname = (input: string, options?: HostOptions): string | null => {
  try {
    const host = canonicalHost(input, options)
    return host.includes(':') ? `[${host}]` : host
  } catch (error) {
    if (!isNodeKeyError(error)) throw error
    return null
  }
}

const failureReason = (input: string): string => {
  try {
    canonicalHost(input)
    return 'none'
  } catch (error) {
    return (error as NodeKeyError).reason
  }
}

/** Compare every vector; return the deviating inputs grouped by the reason that explains them. */
const deviations = (vectors: readonly { input: string; expected: string | null }[]) => {
  const found: Record<string, string[]> = {}
  let passed = 0
  for (const { input, expected } of vectors) {
    const actual = asHostname(input)
    if (actual === expected) {
      passed++
      continue
    }
    let reason: string
    if (expected !== null && actual === null && DNS_SHAPE_REASONS.has(failureReason(input)))
      reason = 'dns-shape'
    else if (expected === null && actual?.includes('%')) reason = 'zone'
    else reason = `unexplained: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`
    found[reason] = [...(found[reason] ?? []), input]
  }
  return { found, passed }
}

const sha = (input: string): string => createHash('sha256').update(input).digest('hex').slice(0, 12)

const hostVectors = (file: string) =>
  load<HostVector>(file).map(({ input, hostname }) => ({ input, expected: hostname }))
const asciiVectors = (file: string) =>
  load<AsciiVector>(file).map(({ input, output }) => ({ input, expected: output }))

describe('URL Standard host parser (WPT)', () => {
  test('wpt-hosts.json: 237 of 242 equal, 5 listed deviations', () => {
    const expected: Record<Reason, string[]> = {
      'dns-shape': ['.', '..', '!"$&\'()*+,-.;=_`{}~', 'foo.09..'],
      zone: ['[::%31]'],
    }
    const { found, passed } = deviations(hostVectors('wpt-hosts.json'))
    assert.deepEqual(found, expected)
    assert.equal(passed, 237)
  })

  test('wpt-setters-hosts.json: 20 of 21 equal, 1 listed deviation', () => {
    const { found, passed } = deviations(hostVectors('wpt-setters-hosts.json'))
    assert.deepEqual(found, { 'dns-shape': ['*'] })
    assert.equal(passed, 20)
  })

  test('wpt-toascii.json: 77 of 87 equal, 10 listed deviations', () => {
    const long63 = 'x01234567890123456789012345678901234567890123456789012345678901'
    const long253 = `${'01234567890123456789012345678901234567890123456789.'.repeat(4)}0123456789012345678901234567890123456789012345678.`
    const { found, passed } = deviations(asciiVectors('wpt-toascii.json'))
    assert.deepEqual(found, {
      'dns-shape': [
        'x..xn--zca',
        'x..ß',
        'xn--ls8h=',
        `${long63}x`,
        `${long63}†`,
        `${long63}x.xn--zca`,
        `${long63}x.ß`,
        `${long253}x`,
        `${long253}xn--zca`,
        `${long253}ß`,
      ],
    })
    assert.equal(passed, 77)
  })

  test('wpt-idna.json: 2,482 of 2,670 equal, 188 listed deviations (all DNS shape)', () => {
    // Listed by the first 12 hex digits of each input's SHA-256: 188 inputs of up to 260 characters would
    // bury this file. Every one is a name the URL Standard accepts and DNS cannot carry (a label over 63
    // octets, a name over 253, an empty label, or a character outside a-z 0-9 - _).
    const expected = [
      '00b7cac4e6f7',
      '019bc93e345c',
      '039e2a3da329',
      '04b83c42f7d8',
      '05d2b281cbdc',
      '06aaa5766e92',
      '07fe44a07d09',
      '08d64ca60382',
      '0984618de292',
      '09fc96082d34',
      '0b197f896fab',
      '0ba0e1b79070',
      '0d0d6a6db221',
      '0e78b6436e47',
      '0f53218c722b',
      '0f63d29b930a',
      '1039e4a0058b',
      '104f0ffe7c37',
      '140fbe0a5d9b',
      '146942bbf9be',
      '16d4dde5d80e',
      '18d13b310007',
      '1a722fd6b51a',
      '1aaf44487285',
      '1b5f6ad492b5',
      '1b8898323663',
      '1ce275027b89',
      '1e7198d52130',
      '1fc1f4a72bf3',
      '1ff3c3a70774',
      '211f9a926308',
      '220627bf6a80',
      '23506881a220',
      '23ac9494ca1b',
      '23da53504290',
      '25234dc43098',
      '27a5cff01d9f',
      '296059481433',
      '2a2c7b2680de',
      '2bcff7985c15',
      '2cdb3e40af69',
      '2db4236c442b',
      '2e54bf33df02',
      '2f29fb38f66f',
      '32c32f0f318e',
      '32c602038718',
      '32cc972b0f4f',
      '332319444a0c',
      '33675147f1fd',
      '37092e8e8c7f',
      '388f9185e216',
      '3a9c3741d941',
      '3dbcb2a71b2f',
      '3f73f15d6825',
      '413bc9c79cea',
      '422a4343dd5c',
      '43db2bd1fa78',
      '43f42794068f',
      '490c238261c5',
      '4bcc02dbb352',
      '4f90ce5f8990',
      '51f734d3b75f',
      '53e319837ec6',
      '54f28f3fa116',
      '562b72e59561',
      '56ca2fce82d9',
      '56fdaf119369',
      '59b04a9afcb6',
      '5d75bfd20c37',
      '5ec1f7e700f3',
      '5ed50cf49d1c',
      '5f0dd313abcc',
      '5ffc34e83f9e',
      '600bf2b51062',
      '61363f52ce83',
      '628aeab5c066',
      '63f582b1c8af',
      '6475f0cd1842',
      '660f61123976',
      '662febc1bbff',
      '66523488ad62',
      '665c071cd82d',
      '67055c625394',
      '67267a577bd6',
      '67537e3de320',
      '678193cb9fca',
      '6a36be2b3877',
      '6f249400690a',
      '720aff066657',
      '72b02549ae8f',
      '72d294aa621f',
      '731d625b73bc',
      '73b4228d302a',
      '742f23d06cd3',
      '74e9cbaf65cb',
      '77d3928d848b',
      '783baa8b5e8b',
      '795ad4909f2c',
      '7a071002bf51',
      '7b15019a0db5',
      '7cb91615e920',
      '7d33c9b152d1',
      '7d9364967a8e',
      '7d9c72416723',
      '82051c1cb9a7',
      '85138dae4ecd',
      '85dbf6dfd5d9',
      '864c9c3e161b',
      '86ef4ec74d0d',
      '87ce030c5a60',
      '8b6be6cc697e',
      '8b8908398382',
      '8bcd6f949d2d',
      '9052399db8ac',
      '94ac20839221',
      '950fafa5044d',
      '98b48760920c',
      '9c91582f99e9',
      '9e36c3edd9e3',
      '9e3bcd75dfe2',
      'a0e14f200082',
      'a4f877d82aff',
      'a75407b6ecc8',
      'a77a38170efb',
      'a86a53a27635',
      'a937f2a4b2e5',
      'a94ad3c63e6c',
      'a96d34fe773f',
      'a9daa9065def',
      'ab1fb32aba92',
      'ab8e959f692e',
      'ace9f126f9b2',
      'ae2a1d5a4129',
      'aec905b1c3ed',
      'af39f2ed97bd',
      'b10a154fb92a',
      'b2d6470983b4',
      'b4ae1dab5ae9',
      'b532763775a6',
      'b58c593a2ca2',
      'b897eaad72d4',
      'b9598d0c745e',
      'ba7234d2b696',
      'bbd84a520784',
      'bc80003ba629',
      'bc87f50c4364',
      'be865befda44',
      'c08670756533',
      'c49c2f266e49',
      'c8532f17993e',
      'cb36508c54f7',
      'cc9ffd11f122',
      'cd751a4ca84f',
      'cdb4ee2aea69',
      'cf4d4216d285',
      'cff71042c223',
      'd0748560339e',
      'd08052222b55',
      'd174300f9dcc',
      'd6aa1634b8d5',
      'd8d14d02fe91',
      'da4075466c32',
      'dc9b99da45ff',
      'de6c23937c4c',
      'dedf89be8ade',
      'e04b225161d0',
      'e0945012ec29',
      'e209472a9605',
      'e267772ced09',
      'e2c158ae7914',
      'e3466c480f2f',
      'e783e2c741ec',
      'e8bc768e49d2',
      'e9da2f853399',
      'e9e7aec5d18c',
      'ea1999bad688',
      'ea73db8401c1',
      'eb0d5884569b',
      'ec38ae45781d',
      'ec59ca225869',
      'f22e772d9509',
      'f62b42414c51',
      'f839913eded0',
      'fa8a4060823e',
      'fa9d48413d6e',
      'fbf318d0c16d',
      'fe01f78523ec',
      'ff18d671c34c',
    ]
    const { found, passed } = deviations(asciiVectors('wpt-idna.json'))
    assert.deepEqual(Object.keys(found), ['dns-shape'])
    assert.deepEqual((found['dns-shape'] ?? []).map(sha).sort(), expected)
    assert.equal(passed, 2482)
  })

  test('the deviations are exactly the differences docs/canonical-form.md §8 names', () => {
    // dns-shape: rejected with a DNS-shape reason; zone: the zone is kept as written.
    assert.equal(failureReason('..'), 'invalid-label')
    assert.equal(canonicalHost('[::%31]'), '::%31')
  })
})

describe('RFC 5952 (rfc5952.json)', () => {
  const vectors = load<Rfc5952Vector>('rfc5952.json')

  test('with mappedIPv4: keep, every one of the 25 gives the RFC canonical form', () => {
    for (const { input, canonical, section } of vectors) {
      assert.equal(
        canonicalHost(input, { mappedIPv4: 'keep' }),
        canonical,
        `RFC 5952 section ${section}: ${input}`,
      )
    }
    assert.equal(vectors.length, 25)
  })

  test('by default, 23 equal and the 2 IPv4-mapped ones (section 5) are unwrapped to IPv4', () => {
    const deviating = vectors.filter(({ input, canonical }) => canonicalHost(input) !== canonical)
    assert.deepEqual(
      deviating.map(({ input }) => input),
      ['0:0:0:0:0:ffff:192.0.2.1', '::ffff:192.0.2.1'],
    )
    for (const { input } of deviating) assert.equal(canonicalHost(input), '192.0.2.1')
  })

  test('where the URL Standard writes IPv4-mapped in hex, we follow RFC 5952 section 5', () => {
    for (const { input, whatwg } of vectors.filter((vector) => vector.whatwg !== undefined)) {
      assert.equal(new URL(`http://[${input}]/`).hostname, `[${whatwg}]`)
      assert.equal(canonicalHost(input, { mappedIPv4: 'keep' }), '::ffff:192.0.2.1')
    }
  })
})

describe("Go's net.SplitHostPort and JoinHostPort (go-hostport.json)", () => {
  const vectors = load<GoVector>('go-hostport.json')

  /** What parseAddress makes of a split vector (no default port, no origin host). */
  const split = (input: string): string => {
    try {
      const { host, port } = parseAddress(input)
      return `${host} ${port}`
    } catch (error) {
      if (!isNodeKeyError(error)) throw error
      return `error ${error.reason}`
    }
  }
  /** What Go's answer means here: the canonical host and the numeric port, or an error. */
  const goAnswer = (vector: Extract<GoVector, { op: 'split' }>): string => {
    if (vector.error !== undefined) return 'error'
    try {
      return `${canonicalHost(vector.host ?? '')} ${Number.parseInt(vector.port ?? '', 10)}`
    } catch {
      return 'unrepresentable'
    }
  }

  test('split: 19 of 34 agree; 15 listed deviations, each with its reason (§8)', () => {
    const splits = vectors.filter((vector) => vector.op === 'split')
    const found: Record<string, string[]> = {}
    let agreed = 0
    for (const vector of splits) {
      const ours = split(vector.input)
      const go = goAnswer(vector)
      if (ours === go || (go === 'error' && ours.startsWith('error'))) {
        agreed++
        continue
      }
      const key = go === 'error' ? `accepted: ${ours}` : `refused: ${ours}`
      found[key] = [...(found[key] ?? []), vector.input]
    }
    assert.deepEqual(found, {
      // Identity is numeric: named ports and opaque service names are refused (§3.2).
      'refused: error named-port': ['localhost:http', '127.0.0.1:http', '[::1]:http', '[::1%lo0]:http'],
      'refused: error not-a-port': ['golang.org:https%foo'],
      // Zones belong to IPv6 addresses only (RFC 4007); on a name "%" is a forbidden character (§2.10).
      'refused: error forbidden-character': ['localhost%lo0:http', 'localhost%lo0:80'],
      'refused: error invalid-ipv6': ['[localhost%lo0]:http', '[localhost%lo0]:80'],
      // An empty host is Redis's "the node you asked" and needs originHost (§4.7).
      'refused: error empty-host': [':http', ':80'],
      // "host:" has no port: without defaultPort that is missing (with it, the default: see below; §4.6).
      'refused: error missing-port': ['golang.org:', '127.0.0.1:', '[::1]:'],
      // Redis writes IPv6 nodes bare with the port after the last colon (§4.5).
      'accepted: fe80::1%lo0 80': ['fe80::1%lo0:80'],
    })
    assert.equal(agreed, 19)
    assert.equal(splits.length, 34)
  })

  test('split: "host:" and a bare host take the default port when one is given', () => {
    assert.deepEqual(parseAddress('golang.org:', { defaultPort: 6379 }), { host: 'golang.org', port: 6379 })
    assert.deepEqual(parseAddress('[::1]', { defaultPort: 6379 }), { host: '::1', port: 6379 })
    assert.deepEqual(parseAddress(':80', { originHost: '127.0.0.1' }), { host: '127.0.0.1', port: 80 })
  })

  test('join: formatNodeKey agrees on every numeric port; the rest are refused', () => {
    const agreed: string[] = []
    const refused: string[] = []
    for (const vector of vectors) {
      if (vector.op !== 'join') continue
      try {
        assert.equal(formatNodeKey({ host: vector.host, port: Number(vector.port) }), vector.output)
        agreed.push(vector.output)
      } catch (error) {
        if (!isNodeKeyError(error)) throw error
        refused.push(vector.output)
      }
    }
    assert.deepEqual(agreed, ['localhost:80', '127.0.0.1:80', '[::1]:80', '[::1%lo0]:80'])
    assert.equal(refused.length, 12)
  })
})

test('D7: ASCII xn-- labels are kept where whatwg-url 16 refuses invalid Punycode', async () => {
  const { URL: ReferenceURL } = await import('whatwg-url')
  const reference = (host: string): string | undefined => {
    try {
      return new ReferenceURL(`http://${host}/`).hostname
    } catch {
      return undefined
    }
  }
  // Listed: the reference refuses them; this library keeps them as the vendored snapshot requires.
  for (const host of ['xn--a', 'xn--', 'xn--_', 'xn--a.example', 'XN--A.example']) {
    assert.equal(reference(host), undefined, `whatwg-url refuses ${host}`)
    assert.equal(canonicalHost(host), host.toLowerCase())
  }
  // Valid Punycode: both agree.
  for (const host of ['xn--eda', 'xn--bcher-kva.example', 'a.XN--BCHER-KVA.example']) {
    assert.equal(canonicalHost(host), reference(host))
  }
})
