/**
 * How every benchmark here measures: tinybench runs each task for a time budget after a warm-up, one sample
 * being one pass over a whole input list (so that a sample lasts microseconds, far above the timer's
 * resolution); the statistic is the median latency of a pass. Each comparison runs in several rounds, the
 * target and its anchors side by side in the same process and round, and the ratio target / anchor is taken
 * per round; the report gives the median ratio over the rounds and its spread (lowest to highest). Ratios of
 * neighbours in time are much steadier than absolute nanoseconds on a shared machine.
 */
import { Bench } from 'tinybench'

/** One measured function: `run` makes one pass of `calls` calls and returns a checksum. */
export interface Task {
  name: string
  run: () => number
}

/** A target against its anchors, over one input list of `calls` items. */
export interface Comparison {
  title: string
  calls: number
  target: Task
  anchors: Task[]
  /** The ratio target / anchor each goal allows (the goal is met when the median ratio is at most this). */
  goals?: Record<string, number>
}

/** The outcome of one comparison over all rounds. */
export interface ComparisonResult {
  title: string
  calls: number
  /** Median ns per call of each task (target first), over rounds. */
  nsPerCall: Record<string, number>
  /** Per anchor: median ratio target / anchor, lowest and highest round. */
  ratios: Record<string, { median: number; low: number; high: number }>
  goals: { anchor: string; max: number; ratio: number; met: boolean }[]
}

const numberFromEnv = (name: string, fallback: number): number => {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`Expected ${name} to be a positive number, got ${JSON.stringify(text)}.`)
  }
  return value
}

/** Rounds per comparison (`BENCH_ROUNDS`, default 5). */
export const ROUNDS = numberFromEnv('BENCH_ROUNDS', 5)
/** Milliseconds of measurement per task and round (`BENCH_TIME`, default 250). */
export const TIME = numberFromEnv('BENCH_TIME', 250)
/** Milliseconds of warm-up per task and round (`BENCH_WARMUP`, default 100). */
export const WARMUP = numberFromEnv('BENCH_WARMUP', 100)

/** Kept so that no result can be optimized away. */
let sink = 0

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Median latency of one pass of each task, in ms, in one round. */
const runRound = (tasks: readonly Task[]): Map<string, number> => {
  const bench = new Bench({ time: TIME, warmupTime: WARMUP, iterations: 10, warmupIterations: 10 })
  for (const task of tasks) {
    bench.add(task.name, () => {
      sink ^= task.run()
    })
  }
  bench.runSync()
  const latencies = new Map<string, number>()
  for (const task of bench.tasks) {
    const result = task.result
    if (result.state !== 'completed') {
      throw new Error(
        `Benchmark task ${task.name} ended as ${result.state}: ${'error' in result ? String(result.error) : ''}`,
      )
    }
    latencies.set(task.name, result.latency.p50)
  }
  return latencies
}

/** Run a comparison for {@link ROUNDS} rounds, alternating the task order between rounds. */
export const compare = (comparison: Comparison): ComparisonResult => {
  const tasks = [comparison.target, ...comparison.anchors]
  const names = new Set(tasks.map((task) => task.name))
  if (names.size !== tasks.length) throw new Error(`Task names repeat in ${comparison.title}.`)
  const perRound: Map<string, number>[] = []
  for (let round = 0; round < ROUNDS; round++) {
    perRound.push(runRound(round % 2 === 0 ? tasks : [...tasks].reverse()))
  }
  const ms = (name: string): number[] => perRound.map((latencies) => latencies.get(name)!)
  const nsPerCall: Record<string, number> = {}
  for (const task of tasks) nsPerCall[task.name] = (median(ms(task.name)) * 1e6) / comparison.calls
  const ratios: ComparisonResult['ratios'] = {}
  const target = ms(comparison.target.name)
  for (const anchor of comparison.anchors) {
    const anchorMs = ms(anchor.name)
    const perRoundRatio = target.map((t, i) => t / anchorMs[i]!)
    ratios[anchor.name] = {
      median: median(perRoundRatio),
      low: Math.min(...perRoundRatio),
      high: Math.max(...perRoundRatio),
    }
  }
  const goals = Object.entries(comparison.goals ?? {}).map(([anchor, max]) => {
    const ratio = ratios[anchor]?.median
    if (ratio === undefined) throw new Error(`The goal of ${comparison.title} names no anchor ${anchor}.`)
    return { anchor, max, ratio, met: ratio <= max }
  })
  return { title: comparison.title, calls: comparison.calls, nsPerCall, ratios, goals }
}

const ns = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1))
const times = (value: number): string => `${value.toFixed(2)}×`

/** Print results as a Markdown table: one row per target / anchor pair, then the goals. */
export const report = (heading: string, results: readonly ComparisonResult[]): void => {
  const lines = [
    `### ${heading}`,
    '',
    `${ROUNDS} rounds; time ${TIME} ms, warm-up ${WARMUP} ms per task and round; ns per call are medians over rounds.`,
    '',
    '| inputs | target | ns/call | anchor | ns/call | ratio (median) | spread |',
    '|---|---|--:|---|--:|--:|---|',
  ]
  for (const result of results) {
    const [targetName, targetNs] = Object.entries(result.nsPerCall)[0]!
    for (const [anchor, ratio] of Object.entries(result.ratios)) {
      lines.push(
        `| ${result.title} (${result.calls}) | ${targetName} | ${ns(targetNs)} | ${anchor} | ${ns(result.nsPerCall[anchor]!)} | ${times(ratio.median)} | ${times(ratio.low)} – ${times(ratio.high)} |`,
      )
    }
  }
  const goals = results.flatMap((result) => result.goals.map((goal) => ({ title: result.title, ...goal })))
  if (goals.length > 0) {
    lines.push('', '| goal | median ratio | met |', '|---|--:|---|')
    for (const goal of goals) {
      lines.push(
        `| ${goal.title}: ≤ ${times(goal.max)} ${goal.anchor} | ${times(goal.ratio)} | ${goal.met ? 'yes' : '**no**'} |`,
      )
    }
  }
  lines.push('')
  console.log(lines.join('\n'))
  if (sink === 0.5) console.log('unreachable')
}

/** Whether a missed goal fails the process (`BENCH_STRICT=1`); by default it is only reported. */
export const STRICT = process.env['BENCH_STRICT'] === '1'

/** Run comparisons one after another and print them; with {@link STRICT}, a missed goal sets the exit code. */
export const runComparisons = (heading: string, comparisons: readonly Comparison[]): ComparisonResult[] => {
  const results = comparisons.map(compare)
  report(heading, results)
  if (STRICT && results.some((result) => result.goals.some((goal) => !goal.met))) process.exitCode = 1
  return results
}
