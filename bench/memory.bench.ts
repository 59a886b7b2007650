/**
 * Memory under hostile input: 10^6 distinct hosts through the default keyer, then 10^6 distinct nodes into a
 * `NodeMap` with `max` set. Every structure on the way (the keyer's memo, the map, its aliases) must stay
 * bounded, so the heap must level off however many inputs arrive. The heap is read after a full collection
 * (run with --expose-gc; `npm run bench` does) at every tenth of the run; the report gives the growth over
 * the heap before the run, its highest value, and the growth over the second half (flat when bounded).
 *
 * The inputs are made to cost memory: the longest valid names (253 octets), URL addresses near the 2,048
 * character limit (userinfo and path are kept in the memo's raw key), zoned IPv6, non-ASCII names, and
 * invalid hosts of 1,000 characters (refused, never remembered). A third run feeds only valid inputs of the
 * longest accepted length, each remembered if the memo lets it: 1,024-character hosts (a percent-encoded
 * name padded with spaces, a non-ASCII name padded with soft hyphens, so a two-byte string) and
 * 2,048-character URLs with non-ASCII userinfo; the memo must hold them under 16 MB.
 */
import { STRICT } from './harness.ts'
import { library, target } from './library.ts'

const { canonicalNodeKey, NodeMap } = library
const TOTAL = Number(process.env['BENCH_MEMORY_INPUTS'] ?? 1_000_000)
const GOAL_MB = 64
/** The bound for the default keyer over valid inputs of the longest accepted length. */
const LONGEST_GOAL_MB = 16
const NODE_MAP_MAX = 1_000

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('Run the memory benchmark with node --expose-gc.')

const label = (text: string, length: number): string => text.padEnd(length, 'x').slice(0, length)
/** A 253-octet name, distinct for each i: four labels of 63 and one of 1, mixed case. */
const longName = (i: number): string =>
  `${label(`N${i.toString(36)}-`, 63)}.${label('Cluster', 63)}.${label('Example', 63)}.${label('NET', 61)}`
const longAddress = (i: number): string =>
  `redis://${label(`user${i}`, 400)}:${label('secret', 400)}@${longName(i)}:7000/${label('path', 900)}`

/** The i-th hostile input, as the argument list of a keyer call. */
const hostile = (i: number): [string, number] | [string] => {
  switch (i % 5) {
    case 0:
      return [longName(i), 7000 + (i % 1000)]
    case 1:
      return [longAddress(i)]
    case 2:
      return [`fe80::${(i & 0xffff).toString(16)}:${(i >>> 16).toString(16)}%${label(`if${i}`, 64)}`, 6379]
    case 3:
      return [`bücher-${i}.Example`, 6379]
    default:
      return [`${label(`bad host ${i}`, 1000)}`, 6379]
  }
}

/** A 253-octet name percent-encoded in part, padded with spaces to the 1,024-character limit. */
const paddedName = (i: number): string => {
  const name = longName(i).replace(/C/g, '%43')
  const pad = ' '.repeat((1024 - name.length) >> 1)
  return `${pad}${name}${pad}`.padEnd(1024, ' ')
}
/** A non-ASCII name padded with soft hyphens (deleted by UTS #46 mapping) to 1,024 UTF-16 units. */
const softName = (i: number): string => {
  const name = `bücher-${i}.example`
  return `${'\u00ad'.repeat(1024 - name.length)}${name}`
}
/** A URL of 2,048 characters with non-ASCII userinfo (kept in the raw input, not in the key). */
const longUrl = (i: number): string => {
  const head = `redis://${'ü'.repeat(900)}:${i}@${longName(i)}:7000/`
  return `${head}${'p'.repeat(2048 - head.length)}`
}
/** The i-th valid input of the longest accepted length. */
const longest = (i: number): [string, number] | [string] => {
  switch (i % 3) {
    case 0:
      return [paddedName(i), 7000 + (i % 1000)]
    case 1:
      return [softName(i), 6379]
    default:
      return [longUrl(i)]
  }
}

const heapMB = (): number => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

interface Run {
  name: string
  start: number
  readings: number[]
  refused: number
}

const measure = (
  name: string,
  feed: (args: [string, number] | [string]) => void,
  input: (i: number) => [string, number] | [string] = hostile,
): Run => {
  const start = heapMB()
  const readings: number[] = []
  let refused = 0
  for (let i = 0; i < TOTAL; i++) {
    try {
      feed(input(i))
    } catch {
      refused++
    }
    if ((i + 1) % (TOTAL / 10) === 0) readings.push(heapMB() - start)
  }
  return { name, start, readings, refused }
}

const keyer = canonicalNodeKey as (...args: [string, number] | [string]) => string
const runs = [
  measure('default keyer (memo of 10,000)', (args) => {
    keyer(...args)
  }),
]
// A keyer of its own, so that the first run's entries do not count here.
const fresh = library.createNodeKeyer() as unknown as (...args: [string, number] | [string]) => string
const longestRun = measure(
  'a new default keyer, valid inputs of the longest accepted length',
  (args) => {
    fresh(...args)
  },
  longest,
)
if (longestRun.refused > 0) throw new Error(`${longestRun.refused} of the longest inputs were refused.`)
runs.push(longestRun)
const nodes = new NodeMap<{ i: number }>({ max: NODE_MAP_MAX })
let n = 0
runs.push(
  measure(`NodeMap with max ${NODE_MAP_MAX} (default keyer)`, (args) => {
    nodes.set(...(args as [string, number]), { i: n++ })
  }),
)
if (nodes.size > NODE_MAP_MAX) throw new Error(`The NodeMap holds ${nodes.size} entries, over its max.`)

const mb = (value: number): string => value.toFixed(1)
const lines = [
  `### Memory under ${TOTAL.toLocaleString('en')} hostile inputs (${target})`,
  '',
  'Heap used after a full collection, in MB, as growth over the heap before each run.',
  '',
  '| structure | refused inputs | growth at 10% … 100% | highest | second half | goal | met |',
  '|---|--:|---|--:|--:|--:|---|',
]
let met = true
for (const run of runs) {
  const highest = Math.max(...run.readings)
  const half = run.readings[run.readings.length - 1]! - run.readings[4]!
  const goal = run === longestRun ? LONGEST_GOAL_MB : GOAL_MB
  met &&= highest < goal
  lines.push(
    `| ${run.name} | ${run.refused.toLocaleString('en')} | ${run.readings.map(mb).join(' ')} | ${mb(highest)} | ${half >= 0 ? '+' : ''}${mb(half)} | < ${goal} MB | ${highest < goal ? 'yes' : '**no**'} |`,
  )
}
const stats = canonicalNodeKey.stats()
const freshStats = (fresh as unknown as { stats(): { size: number; evictions: number } }).stats()
lines.push(
  '',
  `Default keyer after its runs: ${stats.size.toLocaleString('en')} entries, ${stats.evictions.toLocaleString('en')} evictions; NodeMap: ${nodes.size} entries; the keyer fed the longest inputs: ${freshStats.size.toLocaleString('en')} entries, ${freshStats.evictions.toLocaleString('en')} evictions.`,
  '',
)
console.log(lines.join('\n'))
if (STRICT && !met) process.exitCode = 1
