/**
 * Cold import: the milliseconds a fresh process spends importing the package (ESM `import` and CommonJS
 * `require` of the build), and when the IDNA tables (tr46) load: not at import, not for ASCII hosts, only on
 * the first non-ASCII host; and that ipaddr.js (address ranges, subnet rules) is not loaded by the import or
 * by keys, only by its first user (`addressRange`). Each sample is a new `node` process; the report gives the median and the spread.
 * Always measures the build (`dist/`): a fresh process running the TypeScript source would time the compiler.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { median, ROUNDS, STRICT } from './harness.ts'

const SAMPLES = Math.max(ROUNDS * 3, 15)
const GOAL_MS = 15
const esm = new URL('../dist/esm/index.js', import.meta.url)
const cjs = fileURLToPath(new URL('../dist/commonjs/index.js', import.meta.url))

interface Sample {
  importMs: number
  tr46AfterImport: boolean
  tr46AfterAscii: boolean
  tr46AfterUnicode: boolean
  firstUnicodeMs: number
  ipaddrAfterKeys: boolean
  ipaddrAfterRange: boolean
}

// Runs in the child. `require.cache` is the one module cache of the process: tr46 enters it when the library
// loads it, from ESM (through createRequire) as from CommonJS.
const probe = (load: string): string => `
const { createRequire } = await import('node:module')
const require = createRequire(${JSON.stringify(esm.href)})
const tr46Loaded = () => Object.keys(require.cache).some((file) => /[\\\\/]tr46[\\\\/]/.test(file))
const ipaddrLoaded = () => Object.keys(require.cache).some((file) => /[\\\\/]ipaddr\\.js[\\\\/]/.test(file))
const start = performance.now()
const lib = ${load}
const importMs = performance.now() - start
const tr46AfterImport = tr46Loaded()
lib.canonicalNodeKey('Redis-1.Example.COM', 7000)
lib.canonicalNodeKey('[0:0::1]:7001')
lib.canonicalHost('10.0.0.5')
const tr46AfterAscii = tr46Loaded()
const before = performance.now()
lib.canonicalHost('bücher.example')
const firstUnicodeMs = performance.now() - before
const ipaddrAfterKeys = ipaddrLoaded()
lib.addressRange('10.0.0.5:7000')
console.log(JSON.stringify({ importMs, tr46AfterImport, tr46AfterAscii, tr46AfterUnicode: tr46Loaded(), firstUnicodeMs, ipaddrAfterKeys, ipaddrAfterRange: ipaddrLoaded() }))
`

const run = (load: string): Sample => {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', probe(load)], { encoding: 'utf8' })
  if (child.status !== 0) throw new Error(`The import probe failed: ${child.stderr}`)
  return JSON.parse(child.stdout) as Sample
}

/** Milliseconds to load something in a fresh process, nothing else. */
const floorSample = (load: string): number => {
  const script = `const start = performance.now(); await ${load.replace(/^await /, '')}; console.log(performance.now() - start)`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  if (child.status !== 0) throw new Error(`The import probe failed: ${child.stderr}`)
  return Number(child.stdout)
}

const measure = (label: string, load: string) => {
  const samples = Array.from({ length: SAMPLES }, () => run(load))
  const importMs = samples.map((sample) => sample.importMs)
  const unicodeMs = samples.map((sample) => sample.firstUnicodeMs)
  return {
    label,
    importMs: median(importMs),
    low: Math.min(...importMs),
    high: Math.max(...importMs),
    unicodeMs: median(unicodeMs),
    lazy: samples.every((s) => !s.tr46AfterImport && !s.tr46AfterAscii && s.tr46AfterUnicode),
    ipaddrLazy: samples.every((s) => !s.ipaddrAfterKeys && s.ipaddrAfterRange),
  }
}

const results = [
  measure('ESM import (dist/esm)', `await import(${JSON.stringify(esm.href)})`),
  measure('CommonJS require (dist/commonjs)', `require(${JSON.stringify(cjs)})`),
]
const emptyModule = join(tmpdir(), 'canonical-node-key-bench-empty.mjs')
writeFileSync(emptyModule, 'export const x = 1\n')
// Context, not goals: what any ESM import costs here (the loader's first file), and the one dependency.
const floors = [
  ['ESM import of an empty file', `await import(${JSON.stringify(pathToFileURL(emptyModule).href)})`],
  ['ESM import of lru-cache alone', `await import(${JSON.stringify(import.meta.resolve('lru-cache'))})`],
].map(([name, load]) => {
  const ms = Array.from({ length: SAMPLES }, () => floorSample(load!))
  return { name: name!, ms: median(ms), low: Math.min(...ms), high: Math.max(...ms) }
})
const lines = [
  '### Cold import',
  '',
  `${SAMPLES} fresh processes per row; milliseconds are medians, spread is lowest to highest.`,
  '',
  '| load | import ms | spread | tr46 loaded at import / after ASCII hosts / after a non-ASCII host | first non-ASCII host ms |',
  '|---|--:|---|---|--:|',
  ...floors.map(
    (f) => `| ${f.name} (context) | ${f.ms.toFixed(2)} | ${f.low.toFixed(2)} – ${f.high.toFixed(2)} | | |`,
  ),
  ...results.map(
    (r) =>
      `| ${r.label} | ${r.importMs.toFixed(2)} | ${r.low.toFixed(2)} – ${r.high.toFixed(2)} | ${r.lazy ? 'no / no / yes (every sample)' : '**not lazy in some sample**'} | ${r.unicodeMs.toFixed(2)} |`,
  ),
  '',
  '| goal | measured | met |',
  '|---|--:|---|',
  ...results.map(
    (r) =>
      `| ${r.label}: ≤ ${GOAL_MS} ms | ${r.importMs.toFixed(2)} ms | ${r.importMs <= GOAL_MS ? 'yes' : '**no**'} |`,
  ),
  ...results.map((r) => `| ${r.label}: IDNA loaded lazily | | ${r.lazy ? 'yes' : '**no**'} |`),
  ...results.map(
    (r) =>
      `| ${r.label}: ipaddr.js not loaded by the import or by keys, loaded by addressRange | | ${r.ipaddrLazy ? 'yes' : '**no**'} |`,
  ),
  '',
]
console.log(lines.join('\n'))
if (STRICT && results.some((r) => r.importMs > GOAL_MS || !r.lazy || !r.ipaddrLazy)) process.exitCode = 1
