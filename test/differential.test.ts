/**
 * canonicalHost against the URL Standard's reference implementation (whatwg-url 16), on generated hosts:
 * every input on which the two differ must be one of the deviations docs/canonical-form.md §8 lists, each
 * recognised here by what it is, not by the input. Seeded: `FC_SEED` replays a run; `DIFFERENTIAL_RUNS`
 * sets how many inputs (20,000 by default; `npm run fuzz` runs 500,000).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { URL as ReferenceURL } from 'whatwg-url'
import { canonicalHost } from '../src/index.ts'

const RUNS = Number(process.env['DIFFERENTIAL_RUNS'] ?? 20_000)
const SEED = Number(process.env['FC_SEED'] ?? 20_261_203)

/** The reference's host, brackets off, or undefined when it refuses the host. */
const reference = (host: string): string | undefined => {
  try {
    const hostname = new ReferenceURL(`http://${host}/`).hostname
    return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
  } catch {
    return undefined
  }
}

/** Ours, or undefined when we refuse it. */
const ours = (host: string): string | undefined => {
  try {
    return canonicalHost(host)
  } catch {
    return undefined
  }
}

const LABEL = /^[a-z0-9_-]{1,63}$/
/** D1: a name the URL Standard accepts that DNS cannot carry. */
const notDnsShaped = (hostname: string): boolean => {
  if (hostname.includes(':')) return false
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname
  return name.length === 0 || name.length > 253 || name.split('.').some((label) => !LABEL.test(label))
}

/** Why the two differ on `host`, as one of §8's deviations; `undefined` when none explains it. */
const deviation = (
  host: string,
  mine: string | undefined,
  theirs: string | undefined,
): string | undefined => {
  if (mine === theirs) return mine === undefined ? 'both-refuse' : 'same'
  if (mine !== undefined && theirs !== undefined) {
    // D3: IPv4-mapped IPv6 unwrapped, where the URL Standard writes it in hex.
    if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(theirs) && /^[0-9.]+$/.test(mine)) return 'D3'
    return undefined
  }
  if (mine === undefined && theirs !== undefined) return notDnsShaped(theirs) ? 'D1' : undefined
  if (mine !== undefined && theirs === undefined) {
    if (mine.includes('%')) return 'D2' // a zone
    if (/^[\t\n\f\r ]|[\t\n\f\r ]$/.test(host)) return 'D5' // whitespace at the ends, trimmed
    if (/(^|\.)xn--/.test(mine)) return 'D7' // an ASCII xn-- label kept
    return undefined
  }
  return undefined
}

// Hosts built from the pieces the two parsers read differently, without the URL delimiters
// (`/ ? # \ @`, and ":" outside brackets) that would make the reference read another part of the URL.
const letter = fc.constantFrom(...'abcxyzABCXYZ019-_'.split(''))
const unicode = fc.constantFrom(
  'ü',
  'ß',
  'ς',
  'ä',
  '日',
  '本',
  'ｅ',
  'Ａ',
  '\u00ad',
  '\u200d',
  '\u200c',
  'İ',
  'ﬀ',
  '①',
  '\ufdfa',
  '\u0301',
  'א',
  '١',
)
const odd = fc.constantFrom(
  '*',
  '!',
  '~',
  '`',
  '$',
  '&',
  "'",
  '(',
  ')',
  '+',
  ',',
  ';',
  '=',
  '<',
  '>',
  '^',
  '|',
  '{',
  '}',
  '%',
  '"',
)
const percent = fc.constantFrom('%41', '%2e', '%2E', '%00', '%zz', '%c3%bc', '%e6%97%a5', '%25', '%20', '%ff')
const dot = fc.constantFrom('.', '。', '．', '｡')
const label = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: letter },
      { weight: 2, arbitrary: unicode },
      { weight: 1, arbitrary: odd },
      { weight: 1, arbitrary: percent },
    ),
    {
      minLength: 0,
      maxLength: 12,
    },
  )
  .map((parts) => parts.join(''))
const ace = fc.constantFrom('xn--', 'xn--a', 'xn--bcher-kva', 'xn--eda', 'XN--ZCA', 'xn--_', 'xn---')
const name = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: label },
      { weight: 1, arbitrary: ace },
      { weight: 1, arbitrary: fc.constant('a'.repeat(64)) },
    ),
    {
      minLength: 1,
      maxLength: 5,
    },
  )
  .chain((labels) =>
    fc
      .array(dot, { minLength: labels.length, maxLength: labels.length })
      .map((dots) => labels.map((l, i) => (i === 0 ? l : dots[i]! + l)).join('')),
  )
const part = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map(String),
  fc.integer({ min: 0, max: 0xffffffff }).map(String),
  fc.integer({ min: 0, max: 0xffff }).map((n) => `0x${n.toString(16)}`),
  fc.integer({ min: 0, max: 0o777 }).map((n) => `0${n.toString(8)}`),
  fc.constantFrom('0x', '08', '09', '1e2', '', '0X1F', '４'),
)
const ipv4 = fc
  .array(part, { minLength: 1, maxLength: 5 })
  .chain((parts) => fc.boolean().map((trailing) => `${parts.join('.')}${trailing ? '.' : ''}`))
const piece = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16))
const ipv6 = fc
  .tuple(
    fc.array(piece, { minLength: 0, maxLength: 8 }),
    fc.nat(8),
    fc.boolean(),
    fc.constantFrom('', '', '%25eth0', '%251', '%eth0', '%25', '%25a%20b'),
    fc.boolean(),
  )
  .map(([pieces, at, compress, zone, mapped]) => {
    const head = pieces.slice(0, at)
    const tail = pieces.slice(at)
    const body = compress ? `${head.join(':')}::${tail.join(':')}` : pieces.join(':')
    return `[${mapped ? `::ffff:${(at * 31) % 256}.2.3.4` : body}${zone}]`
  })
const spaced = (host: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.constantFrom('', '', '', ' ', '\t'), host, fc.constantFrom('', '', '', ' ', '\n'))
    .map(([a, h, b]) => `${a}${h}${b}`)
const hosts = spaced(
  fc.oneof({ weight: 5, arbitrary: name }, { weight: 2, arbitrary: ipv4 }, { weight: 2, arbitrary: ipv6 }),
).filter(
  (host) =>
    !/[/?#\\@]/.test(host) && !/:/.test(host.replace(/\[[^\]]*\]/g, '')) && !/\[[^\]]*\]./.test(host.trim()),
)

test(`canonicalHost agrees with whatwg-url 16 on ${RUNS} generated hosts, but for the deviations §8 lists`, (t) => {
  const seen = new Map<string, number>()
  fc.assert(
    fc.property(hosts, (host) => {
      const mine = ours(host)
      const theirs = reference(host)
      const why = deviation(host, mine, theirs)
      if (why === undefined) {
        throw new Error(
          `Unlisted difference on ${JSON.stringify(host)}: ours ${JSON.stringify(mine)}, whatwg-url ${JSON.stringify(theirs)}.`,
        )
      }
      seen.set(why, (seen.get(why) ?? 0) + 1)
    }),
    { numRuns: RUNS, seed: SEED },
  )
  t.diagnostic(`seed ${SEED}: ${[...seen].map(([kind, count]) => `${kind} ${count}`).join(', ')}`)
  // The run met the deviations it is there to tell apart, and agreement too.
  for (const kind of ['same', 'D1', 'D2', 'D3', 'D5', 'D7'])
    assert.ok((seen.get(kind) ?? 0) > 0, `${kind}: ${JSON.stringify([...seen])}`)
})
