/**
 * Cold import: the milliseconds a fresh process spends importing the package's root entry (ESM `import` and
 * CommonJS `require` of the build), against lru-cache alone loaded the same way (the package's one dependency loaded
 * at import) and an empty file (what any first import costs), all in the same run; and when the IDNA tables
 * (tr46) load: not at import, not for ASCII hosts, only on the first non-ASCII host; and that ipaddr.js
 * (address ranges, subnet rules) is not loaded by the import or by keys, only by its first user.
 *
 * Each sample is a new `node` process that times the load alone. The rows are interleaved, one sample of
 * each per round in a rotating order, so that a slow moment of the machine falls on all rows alike; the
 * goal compares the package with lru-cache sample by sample in the same round (package − lru-cache), and
 * the report gives the median difference over rounds and its spread.
 * Always measures the build (`dist/`): a fresh process running the TypeScript source would time the compiler.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { median, ROUNDS, STRICT } from './harness.ts'

/** Rounds of samples: one fresh process per row and round. */
const SAMPLES = Math.max(ROUNDS * 4, 20)
/** The goal: each entry within lru-cache alone (loaded the same way) plus this many milliseconds. */
const GOAL_OVER_LRU_MS = 2
const root = fileURLToPath(new URL('..', import.meta.url))
const emptyModule = join(tmpdir(), 'canonical-node-key-bench-empty.mjs')
const emptyScript = join(tmpdir(), 'canonical-node-key-bench-empty.cjs')
writeFileSync(emptyModule, 'export const x = 1\n')
writeFileSync(emptyScript, 'exports.x = 1\n')

/** The product entries, each loaded on its own in a fresh process. */
const SUBPATHS = ['node-map', 'dns', 'topology', 'ioredis', 'node-redis', 'valkey-glide', 'ring'] as const

interface Load {
  name: string
  /** An expression that loads the module (`await import(…)` or `require(…)`). */
  load: string
  /** The package itself: also check when tr46 loads, and time the first non-ASCII host. */
  library?: boolean
}

// Every package is loaded by its name, as a user's program does, from the repository's root (the child's
// working folder): `canonical-node-key` refers to this package itself, through its exports, so to the build.
// Resolving a name (node_modules, package.json, exports) is part of what an import costs, for lru-cache
// alone as for this package, which resolves lru-cache in turn.
const loads: Load[] = [
  { name: 'empty file, import', load: `await import(${JSON.stringify(pathToFileURL(emptyModule).href)})` },
  { name: 'empty file, require', load: `require(${JSON.stringify(emptyScript)})` },
  { name: 'lru-cache alone, import', load: `await import('lru-cache')` },
  { name: 'lru-cache alone, require', load: `require('lru-cache')` },
  {
    name: 'canonical-node-key, import (dist/esm)',
    load: `await import('canonical-node-key')`,
    library: true,
  },
  {
    name: 'canonical-node-key, require (dist/commonjs)',
    load: `require('canonical-node-key')`,
    library: true,
  },
  // The product entries, reported beside the root: each loads the root's core and its own file.
  ...SUBPATHS.flatMap((subpath): Load[] => [
    {
      name: `canonical-node-key/${subpath}, import`,
      load: `await import('canonical-node-key/${subpath}')`,
    },
    {
      name: `canonical-node-key/${subpath}, require`,
      load: `require('canonical-node-key/${subpath}')`,
    },
  ]),
]

interface Sample {
  loadMs: number
  /** CPU time (user + system) of the load: less moved than wall time by other work on a shared machine. */
  cpuMs: number
  tr46AfterImport?: boolean
  tr46AfterAscii?: boolean
  tr46AfterUnicode?: boolean
  firstUnicodeMs?: number
  ipaddrAfterKeys?: boolean
  ipaddrAfterRange?: boolean
}

// Runs in the child. `require` is made before the clock starts, so every row pays only for its load.
// `require.cache` is the one CommonJS module cache of the process: tr46 enters it when the library loads it,
// from ESM (through createRequire) as from CommonJS.
const probe = ({ load, library }: Load): string => `
const { createRequire } = await import('node:module')
const require = createRequire(${JSON.stringify(pathToFileURL(join(root, 'package.json')).href)})
const cpu = process.cpuUsage()
const start = performance.now()
const lib = ${load}
const loadMs = performance.now() - start
const used = process.cpuUsage(cpu)
const cpuMs = (used.user + used.system) / 1000
${
  library
    ? `const tr46Loaded = () => Object.keys(require.cache).some((file) => /[\\\\/]tr46[\\\\/]/.test(file))
const tr46AfterImport = tr46Loaded()
lib.canonicalNodeKey('Redis-1.Example.COM', 7000)
lib.canonicalNodeKey('[0:0::1]:7001')
lib.canonicalHost('10.0.0.5')
const tr46AfterAscii = tr46Loaded()
const before = performance.now()
lib.canonicalHost('bücher.example')
const firstUnicodeMs = performance.now() - before
const tr46AfterUnicode = tr46Loaded()
const ipaddrLoaded = () => Object.keys(require.cache).some((file) => /[\\\\/]ipaddr\\.js[\\\\/]/.test(file))
const ipaddrAfterKeys = ipaddrLoaded()
lib.addressRange('10.0.0.5:7000')
console.log(JSON.stringify({ loadMs, cpuMs, tr46AfterImport, tr46AfterAscii, tr46AfterUnicode, firstUnicodeMs, ipaddrAfterKeys, ipaddrAfterRange: ipaddrLoaded() }))`
    : 'console.log(JSON.stringify({ loadMs, cpuMs, x: lib.x ?? typeof lib }))'
}
`

const sample = (load: Load): Sample => {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', probe(load)], {
    cwd: root,
    encoding: 'utf8',
  })
  if (child.status !== 0) throw new Error(`The import probe of ${load.name} failed: ${child.stderr}`)
  return JSON.parse(child.stdout) as Sample
}

const samples = new Map<string, Sample[]>(loads.map((load) => [load.name, []]))
for (let round = 0; round < SAMPLES; round++) {
  for (let i = 0; i < loads.length; i++) {
    const load = loads[(round + i) % loads.length]!
    samples.get(load.name)!.push(sample(load))
  }
}
type Measure = 'loadMs' | 'cpuMs'
const ms = (name: string, measure: Measure = 'loadMs'): number[] => samples.get(name)!.map((s) => s[measure])
const spread = (values: number[]) => ({
  median: median(values),
  low: Math.min(...values),
  high: Math.max(...values),
})
/** Per round: the package's ms minus its anchor's, and the ratio of the two. */
const against = (name: string, anchor: string, measure: Measure) => {
  const a = ms(anchor, measure)
  const own = ms(name, measure)
  return {
    over: spread(own.map((value, round) => value - a[round]!)),
    ratio: spread(own.map((value, round) => value / a[round]!)),
  }
}

const f = (value: number): string => value.toFixed(2)
const lazy = (name: string): boolean =>
  samples.get(name)!.every((s) => !s.tr46AfterImport && !s.tr46AfterAscii && s.tr46AfterUnicode)
const ipaddrLazy = (name: string): boolean =>
  samples.get(name)!.every((s) => !s.ipaddrAfterKeys && s.ipaddrAfterRange)
const goals = [
  { entry: 'canonical-node-key, import (dist/esm)', anchor: 'lru-cache alone, import' },
  { entry: 'canonical-node-key, require (dist/commonjs)', anchor: 'lru-cache alone, require' },
].flatMap((goal) =>
  (['loadMs', 'cpuMs'] as const).map((measure) => {
    const { over, ratio } = against(goal.entry, goal.anchor, measure)
    return { ...goal, measure, over, ratio, met: over.median <= GOAL_OVER_LRU_MS }
  }),
)
const measureName = { loadMs: 'wall', cpuMs: 'CPU' }
/** Each product entry against lru-cache alone and against the root entry, loaded the same way (CPU time). */
const subpathRows = SUBPATHS.flatMap((subpath) =>
  (['import', 'require'] as const).map((how) => {
    const name = `canonical-node-key/${subpath}, ${how}`
    const lru = against(name, `lru-cache alone, ${how}`, 'cpuMs')
    const rootEntry = against(
      name,
      how === 'import'
        ? 'canonical-node-key, import (dist/esm)'
        : 'canonical-node-key, require (dist/commonjs)',
      'cpuMs',
    )
    return `| ${name} | ${f(lru.over.median)} | ${f(lru.over.low)} – ${f(lru.over.high)} | ${f(rootEntry.over.median)} | ${f(rootEntry.over.low)} – ${f(rootEntry.over.high)} |`
  }),
)

const lines = [
  '### Cold import',
  '',
  `${SAMPLES} rounds, one fresh process per row and round (rows interleaved); ms are medians over rounds, spread is lowest to highest.`,
  '',
  '| load | wall ms | spread | CPU ms | spread | tr46 loaded at import / after ASCII hosts / after a non-ASCII host | first non-ASCII host ms |',
  '|---|--:|---|--:|---|---|--:|',
  ...loads.map((load) => {
    const s = spread(ms(load.name))
    const c = spread(ms(load.name, 'cpuMs'))
    const library = load.library
      ? ` ${lazy(load.name) ? 'no / no / yes (every sample)' : '**not lazy in some sample**'} | ${f(median(samples.get(load.name)!.map((x) => x.firstUnicodeMs!)))} |`
      : ' | |'
    return `| ${load.name} | ${f(s.median)} | ${f(s.low)} – ${f(s.high)} | ${f(c.median)} | ${f(c.low)} – ${f(c.high)} |${library}`
  }),
  '',
  `Goal: each entry within lru-cache alone, loaded the same way, + ${GOAL_OVER_LRU_MS} ms (per round: entry − lru-cache), in wall time and in CPU time.`,
  '',
  '| entry | anchor | time | ms over the anchor (median) | spread | ratio to the anchor (median) | spread | met |',
  '|---|---|---|--:|---|--:|---|---|',
  ...goals.map(
    (g) =>
      `| ${g.entry} | ${g.anchor} | ${measureName[g.measure]} | ${f(g.over.median)} | ${f(g.over.low)} – ${f(g.over.high)} | ${f(g.ratio.median)}× | ${f(g.ratio.low)}× – ${f(g.ratio.high)}× | ${g.met ? 'yes' : '**no**'} |`,
  ),
  ...loads
    .filter((load) => load.library)
    .map(
      (load) => `| ${load.name}: IDNA loaded lazily | | | | | | | ${lazy(load.name) ? 'yes' : '**no**'} |`,
    ),
  ...loads
    .filter((load) => load.library)
    .map(
      (load) =>
        `| ${load.name}: ipaddr.js not loaded by the import or by keys, loaded by addressRange | | | | | | | ${ipaddrLazy(load.name) ? 'yes' : '**no**'} |`,
    ),
  '',
  'The product entries, beside the root (CPU ms, medians per round, spread lowest to highest):',
  '',
  '| entry | over lru-cache alone | spread | over the root entry | spread |',
  '|---|--:|---|--:|---|',
  ...subpathRows,
  '',
]
console.log(lines.join('\n'))
if (
  STRICT &&
  (goals.some((g) => !g.met) ||
    loads.some((load) => load.library && !(lazy(load.name) && ipaddrLazy(load.name))))
) {
  process.exitCode = 1
}
