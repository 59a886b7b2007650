/**
 * Bundle size: what an application bundle gains from importing one thing from the package, next to what it
 * gains from lru-cache alone (the package's memo). Each row is an esbuild bundle (ESM, platform node,
 * minified) of a two-line program that imports one export and uses it, from the build users get
 * (`import … from 'canonical-node-key'`, resolved through the package's exports to dist/esm); sizes are of
 * the minified output and of that output gzipped (zlib, level 9). The bytes each package contributed come
 * from esbuild's metafile.
 *
 * It also checks tree-shaking: a bundle of `parsePort` alone must hold no keyer and no LRUCache (the module
 * level default keyer is marked pure, so a bundler may drop it), while the bundle of `canonicalNodeKey` must
 * hold both (so the check can fail).
 */
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))

interface Row {
  name: string
  source: string
}

const rows: Row[] = [
  {
    name: '`parsePort` alone',
    source: `import { parsePort } from 'canonical-node-key'\nconsole.log(parsePort(process.argv[2]))`,
  },
  {
    name: '`canonicalNodeKey` alone',
    source: `import { canonicalNodeKey } from 'canonical-node-key'\nconsole.log(canonicalNodeKey(process.argv[2]))`,
  },
  {
    name: '`NodeMap` alone',
    source: `import { NodeMap } from 'canonical-node-key/node-map'\nconsole.log(new NodeMap().get(process.argv[2]))`,
  },
  {
    name: 'the root entry (`import *`)',
    source: `import * as all from 'canonical-node-key'\nconsole.log(all)`,
  },
  ...['node-map', 'dns', 'topology', 'ioredis', 'node-redis', 'valkey-glide', 'ring'].map((subpath) => ({
    name: `\`canonical-node-key/${subpath}\` (\`import *\`)`,
    source: `import * as all from 'canonical-node-key/${subpath}'\nconsole.log(all)`,
  })),
  {
    name: 'every entry (`import *` of each)',
    source: ['', '/node-map', '/dns', '/topology', '/ioredis', '/node-redis', '/valkey-glide', '/ring']
      .map((subpath, i) => `import * as e${i} from 'canonical-node-key${subpath}'\nconsole.log(e${i})`)
      .join('\n'),
  },
  {
    name: 'tr46 (`toASCII`), for context: the package loads it at run time, never bundled',
    source: `import { toASCII } from 'tr46'\nconsole.log(toASCII(process.argv[2]))`,
  },
  {
    name: 'lru-cache alone (`LRUCache`)',
    source: `import { LRUCache } from 'lru-cache'\nconsole.log(new LRUCache({ max: 10 }).get(process.argv[2]))`,
  },
]

interface Measured {
  name: string
  text: string
  min: number
  gzip: number
  /** Bytes of the output by package: this package's dist, lru-cache, tr46. */
  from: { own: number; lruCache: number; tr46: number }
}

const measure = async (row: Row): Promise<Measured> => {
  const result = await build({
    stdin: { contents: row.source, resolveDir: root, sourcefile: 'app.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'warning',
  })
  const output = result.outputFiles[0]!
  const from = { own: 0, lruCache: 0, tr46: 0 }
  for (const out of Object.values(result.metafile.outputs)) {
    for (const [path, input] of Object.entries(out.inputs)) {
      if (/node_modules[\\/]lru-cache[\\/]/.test(path)) from.lruCache += input.bytesInOutput
      else if (/node_modules[\\/]tr46[\\/]/.test(path)) from.tr46 += input.bytesInOutput
      else if (/(^|[\\/])dist[\\/]esm[\\/]/.test(path)) from.own += input.bytesInOutput
    }
  }
  return {
    name: row.name,
    text: output.text,
    min: output.contents.byteLength,
    gzip: gzipSync(output.contents, { level: 9 }).byteLength,
    from,
  }
}

const results: Measured[] = []
for (const row of rows) results.push(await measure(row))
const [parsePortOnly, keyOnly] = results

const kb = (bytes: number): string => (bytes / 1024).toFixed(1)
// Property names survive minification: `cacheSize` is read only by createNodeKeyer, `sizeCalculation` only
// by lru-cache's LRUCache class.
const holds = (result: Measured) => ({
  keyer: result.text.includes('cacheSize'),
  lruCache: result.text.includes('sizeCalculation'),
})
/** The goal: `canonicalNodeKey` alone within lru-cache alone + 10 KiB, minified and gzipped. */
const GOAL_OVER_LRU_KIB = 10
const lruOnly = results.find((r) => r.name.startsWith('lru-cache alone'))!
const checks = [
  {
    what: `\`canonicalNodeKey\` alone within lru-cache alone + ${GOAL_OVER_LRU_KIB} KiB, min + gzip (${kb(keyOnly!.gzip - lruOnly.gzip)} KiB over)`,
    met: keyOnly!.gzip - lruOnly.gzip <= GOAL_OVER_LRU_KIB * 1024,
  },
  { what: '`parsePort` alone holds no keyer (createNodeKeyer)', met: !holds(parsePortOnly!).keyer },
  { what: '`parsePort` alone holds no LRUCache class', met: !holds(parsePortOnly!).lruCache },
  {
    what: '`canonicalNodeKey` alone holds both (the checks above can fail)',
    met: holds(keyOnly!).keyer && holds(keyOnly!).lruCache,
  },
]

console.log(
  [
    '### Bundle size',
    '',
    'esbuild, ESM, platform node, minified; KiB (1,024 bytes); gzip level 9. Bytes by source from the metafile.',
    '',
    '| bundle of | minified KiB | min + gzip KiB | from this package | from lru-cache | from tr46 |',
    '|---|--:|--:|--:|--:|--:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${kb(r.min)} | ${kb(r.gzip)} | ${kb(r.from.own)} | ${kb(r.from.lruCache)} | ${kb(r.from.tr46)} |`,
    ),
    '',
    '| check | met |',
    '|---|---|',
    ...checks.map((c) => `| ${c.what} | ${c.met ? 'yes' : '**no**'} |`),
    '',
  ].join('\n'),
)
// Sizes are not noisy: a failed check fails the run, strict or not.
if (checks.some((c) => !c.met)) process.exitCode = 1
