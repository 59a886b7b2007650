/**
 * The cost of a refusal: the slowest inputs of the longest accepted length (1,024 units) that are no host,
 * each refused once by a keyer without a memo, so every one is parsed in full; and the same refusals
 * repeated through a keyer with a memo, which remembers them. Goal: the worst refusal within 2 ms, and a
 * repeated refusal a memo hit. The inputs make IDNA work hard: U+FDFA (one code point that maps to 18),
 * long CJK labels (Punycode is quadratic in a label's length), soft hyphens (mapped to nothing), many labels.
 */
import { median, STRICT } from './harness.ts'
import { library, target } from './library.ts'

const { createNodeKeyer, isNodeKeyError } = library

const cjk = (count: number, offset: number): string =>
  Array.from({ length: count }, (_, i) => String.fromCodePoint(0x4e00 + ((offset + i) % 20000))).join('')

/** Kinds of hostile host, each made distinct by `i` so that nothing is remembered between samples. */
const KINDS: Record<string, (i: number) => string> = {
  'U+FDFA ×512 and 512 CJK': (i) => '\uFDFA'.repeat(512) + cjk(512, i),
  '1,024 CJK in one label': (i) => cjk(1024, i),
  'U+FDFA ×1,023 and one CJK': (i) => '\uFDFA'.repeat(1023) + cjk(1, i),
  'eight labels of 126 CJK': (i) => Array.from({ length: 8 }, (_, k) => cjk(126, i + k * 300)).join('.'),
  'labels of seven U+FDFA': (i) =>
    `${Array.from({ length: 140 }, () => '\uFDFA'.repeat(7))
      .join('.')
      .slice(0, 1000)}${cjk(1, i)}`,
  '900 soft hyphens and 120 CJK': (i) => '\u00AD'.repeat(900) + cjk(120, i),
  '511 labels of one letter': (i) => `${'ä.'.repeat(511)}${cjk(1, i)}`,
  'four labels of a letter and 120 CJK': (i) =>
    Array.from({ length: 4 }, (_, k) => `ä${cjk(120, i + k * 300)}`).join('.'),
}
const SAMPLES = 200
const WARMUP = 20

const refusesWith = (keyer: (host: string, port: number) => unknown, host: string): void => {
  try {
    keyer(host, 6379)
  } catch (error) {
    if (isNodeKeyError(error)) return
    throw error
  }
  throw new Error(`Expected a refusal of ${JSON.stringify(host.slice(0, 40))}…`)
}

const cold = createNodeKeyer({ cacheSize: 0 })
const rows: { kind: string; length: number; median: number; worst: number }[] = []
for (const [kind, make] of Object.entries(KINDS)) {
  for (let i = 0; i < WARMUP; i++) refusesWith(cold, make(SAMPLES + i))
  const times: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const host = make(i)
    const start = performance.now()
    refusesWith(cold, host)
    times.push(performance.now() - start)
  }
  rows.push({ kind, length: make(0).length, median: median(times), worst: Math.max(...times) })
}

// A repeated refusal, through a keyer with a memo: the second one is a hit.
const warm = createNodeKeyer()
const repeated = Object.values(KINDS).map((make) => make(0))
for (const host of repeated) refusesWith(warm, host)
const before = warm.stats()
for (const host of repeated) refusesWith(warm, host)
const after = warm.stats()
const hits = after.hits - before.hits
const misses = after.misses - before.misses

const GOAL_MS = 2
const worst = Math.max(...rows.map((row) => row.worst))
const f = (ms: number): string => ms.toFixed(3)
console.log(
  [
    `### Refusals (${target})`,
    '',
    `Each kind: ${SAMPLES} distinct inputs, each refused once by a keyer without a memo, after ${WARMUP} to warm up; ms per refusal.`,
    '',
    '| input | length (units) | median ms | worst ms |',
    '|---|--:|--:|--:|',
    ...rows.map((row) => `| ${row.kind} | ${row.length} | ${f(row.median)} | ${f(row.worst)} |`),
    '',
    '| goal | measured | met |',
    '|---|--:|---|',
    `| the worst refusal of an input of accepted length ≤ ${GOAL_MS} ms | ${f(worst)} ms | ${worst <= GOAL_MS ? 'yes' : '**no**'} |`,
    `| a repeated refusal is a memo hit (${repeated.length} inputs, twice) | ${hits} hits, ${misses} misses | ${hits === repeated.length && misses === 0 ? 'yes' : '**no**'} |`,
    '',
  ].join('\n'),
)
if (STRICT && (worst > GOAL_MS || hits !== repeated.length || misses !== 0)) process.exitCode = 1
