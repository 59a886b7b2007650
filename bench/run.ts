/**
 * Runs every benchmark (`*.bench.ts` here), each in a fresh Node process so that no benchmark inherits
 * another's compiled code or heap, and prints the machine and the load around the run: on a shared machine
 * the load average says how far to trust the numbers. Arguments filter by file name (`npm run bench -- memo`).
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { target } from './library.ts'

const here = fileURLToPath(new URL('.', import.meta.url))
const filters = process.argv.slice(2)
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()
if (files.length === 0) throw new Error(`No benchmark matches ${filters.join(', ')}.`)

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
const cpu = cpus()
console.log(
  [
    `## Benchmarks (${target}), ${new Date().toISOString()}`,
    '',
    `Node ${process.version} on ${process.platform}/${process.arch}; ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}; ${(totalmem() / 2 ** 30).toFixed(0)} GB.`,
    `Load average (1, 5, 15 min) before: ${load()}.`,
    '',
  ].join('\n'),
)

let failed = false
for (const file of files) {
  // The memory benchmark collects garbage itself to read the heap.
  const flags = file.startsWith('memory') ? ['--expose-gc'] : []
  const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', `${here}${file}`], {
    stdio: 'inherit',
    env: process.env,
  })
  if (child.status !== 0) {
    failed = true
    console.log(`${file} exited with ${child.status ?? child.signal}.\n`)
  }
}
console.log(`Load average after: ${load()}.`)
if (failed) process.exitCode = 1
