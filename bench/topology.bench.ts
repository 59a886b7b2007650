/**
 * Topology at scale, in linear time: `readClusterNodes` on 80,000 replicas of one master against 80,000
 * masters (the same number of lines, the same addresses), and the CLI's `--json` and `--group` reports on
 * 100,000 spellings of one key against 100,000 distinct keys. Each ratio is of the two sides in one run;
 * goal: the worst case within 1.5× the even one (a quadratic step would make it hundreds of times).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { median, STRICT } from './harness.ts'
import { target } from './library.ts'

const { readClusterNodes } = (await import(
  new URL(target === 'src' ? '../src/topology/index.ts' : '../dist/esm/topology/index.js', import.meta.url)
    .href
)) as typeof import('../src/topology/index.ts')

const ROUNDS = 3
const GOAL = 1.5
const id = (i: number): string => i.toString(16).padStart(40, '0')
const address = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:7000@17000`

const nodesText = (count: number, replicas: boolean): string => {
  const lines = [`${id(0)} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383`]
  for (let i = 1; i <= count; i++) {
    lines.push(
      replicas
        ? `${id(i)} ${address(i)} slave ${id(0)} 0 0 1 connected`
        : `${id(i)} ${address(i)} master - 0 0 1 connected`,
    )
  }
  return lines.join('\n')
}

/** The median ms of `run` over ROUNDS, after one run to warm up. */
const time = (run: () => void): number => {
  run()
  const times: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now()
    run()
    times.push(performance.now() - start)
  }
  return median(times)
}

const rows: { title: string; worst: string; worstMs: number; even: string; evenMs: number }[] = []
{
  const replicas = nodesText(80_000, true)
  const masters = nodesText(80_000, false)
  rows.push({
    title: 'readClusterNodes, 80,001 lines',
    worst: '80,000 replicas of one master',
    worstMs: time(() => readClusterNodes(replicas)),
    even: '80,000 masters',
    evenMs: time(() => readClusterNodes(masters)),
  })
}

// The CLI, as a process, on 10^5 addresses from standard input.
const cli = fileURLToPath(new URL('../dist/esm/cli/main.js', import.meta.url))
const sameKey = Array.from({ length: 100_000 }, (_, i) => `redis://u${i}@localhost:7000`).join('\n')
const distinctKeys = Array.from({ length: 100_000 }, (_, i) => `redis://u@host-${i}.test:7000`).join('\n')
const runCli = (flag: string, input: string) => () => {
  const result = spawnSync(process.execPath, [cli, flag], {
    input,
    maxBuffer: 512 * 1024 * 1024,
    timeout: 300_000,
  })
  if (result.status !== 0)
    throw new Error(`The CLI exited ${result.status}: ${String(result.stderr).slice(0, 300)}`)
}
for (const flag of ['--json', '--group']) {
  rows.push({
    title: `the CLI's ${flag}, 100,000 addresses`,
    worst: '100,000 spellings of one key',
    worstMs: time(runCli(flag, sameKey)),
    even: '100,000 distinct keys',
    evenMs: time(runCli(flag, distinctKeys)),
  })
}

const f = (ms: number): string => ms.toFixed(0)
const results = rows.map((row) => ({ ...row, ratio: row.worstMs / row.evenMs }))
console.log(
  [
    `### Topology and CLI at scale (${target})`,
    '',
    `Median of ${ROUNDS} runs after one to warm up; the CLI as a process, timed whole.`,
    '',
    '| what | worst case | ms | even case | ms | ratio | goal | met |',
    '|---|---|--:|---|--:|--:|--:|---|',
    ...results.map(
      (r) =>
        `| ${r.title} | ${r.worst} | ${f(r.worstMs)} | ${r.even} | ${f(r.evenMs)} | ${r.ratio.toFixed(2)}× | ≤ ${GOAL}× | ${r.ratio <= GOAL ? 'yes' : '**no**'} |`,
    ),
    '',
  ].join('\n'),
)
if (STRICT && results.some((r) => r.ratio > GOAL)) process.exitCode = 1
