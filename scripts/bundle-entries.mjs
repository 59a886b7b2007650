// After tshy: bundle each entry of each build (dist/esm, dist/commonjs) into one file, and the core they all
// stand on into one more, `core.js`.
//
// A loader pays per file: the ESM loader about half a millisecond a module here, so an entry of a dozen small
// modules costs several milliseconds more to import than the same code in one file; `require` pays less per
// file but still resolves, reads and compiles each one. So:
//
// - `core.js` is the core (src/key, through src/key/internal.ts, which also re-exports the root entry);
// - the root entry (`index.js`) and every product entry (node-map, dns, topology, the adapters, the CLI) is
//   one file holding its own modules, and loads the core from `core.js`: one default keyer, one memo and one
//   set of error classes for every entry a program imports;
// - a product that imports another product gets it through that product's entry, never its inner files;
//   any other import across folders fails the build, so the layout's rule is checked here too.
//
// Both builds are bundled from the ESM output (dist/esm): esbuild turns ES modules into one flat CommonJS
// scope, where tshy's per-file CommonJS would be wrapped module by module (0.7 ms more to `require` the core
// here). The one file that differs by dialect, key/require.js, is taken from each build's own folder.
//
// What the bundles hold is then removed: the per-file modules and their maps (no entry loads them), leaving
// the declarations (and their maps) beside the bundles. The bundles' maps point at src/, which the package
// ships, without copying its text into the maps. The runtime dependencies stay external
// (tr46 is still required lazily, relative to core.js, the first time a non-ASCII host is seen). Each build's
// package.json (written by tshy) keeps telling a runtime which module system the files are.
import { readdir, rm } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Each product's folder and its public entry, relative to a build's folder. */
const ENTRIES = {
  '': 'index.js',
  'node-map': 'node-map/index.js',
  dns: 'dns/index.js',
  topology: 'topology/index.js',
  adapters: ['adapters/ioredis.js', 'adapters/node-redis.js', 'adapters/valkey-glide.js'],
  ring: 'ring/index.js',
  cli: 'cli/main.js',
}

/** The folder (product) a build file belongs to: its first path segment, `''` for the build's root files. */
const productOf = (buildDir, file) => {
  const rel = relative(buildDir, file)
  return rel.includes(sep) ? rel.split(sep)[0] : ''
}

/**
 * Imports that leave the entry's own product: the core (src/key, and the root index that re-exports it)
 * becomes `core.js`, another product's public entry stays a separate file, anything else is an error. Files
 * are read from `sourceDir` (dist/esm) and written to `buildDir`; `outfile` is the bundle being made.
 */
const boundaries = (sourceDir, buildDir, outfile) => ({
  name: 'product-boundaries',
  setup(builder) {
    const sourceOf = (file) => join(sourceDir, relative(buildDir, file))
    const own = productOf(sourceDir, sourceOf(outfile))
    const coreFile = join(buildDir, 'core.js')
    // The dialect's own `require`: createRequire(import.meta.url) in ESM, the module's `require` in CommonJS.
    builder.onResolve({ filter: /^\.\/require\.js$/ }, (args) =>
      productOf(sourceDir, args.importer) === 'key'
        ? { path: join(buildDir, 'key', 'require.js') }
        : undefined,
    )
    builder.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === 'entry-point') return undefined
      const target = join(args.resolveDir, args.path)
      const product = productOf(sourceDir, target)
      const isCore = product === 'key' || target === join(sourceDir, 'index.js')
      /** The import as the bundle at `outfile` reaches the built file standing for `file` (a source file). */
      const external = (file) => {
        let path = relative(dirname(outfile), join(buildDir, relative(sourceDir, file)))
          .split(sep)
          .join('/')
        if (!path.startsWith('.')) path = `./${path}`
        return { path, external: true }
      }
      if (outfile === coreFile) return undefined
      if (isCore) return external(join(sourceDir, 'core.js'))
      if (product === own) return undefined
      const faces = [ENTRIES[product]].flat().map((face) => join(sourceDir, face))
      if (faces.includes(target)) return external(target)
      return {
        errors: [
          {
            text: `${relative(root, args.importer)} imports ${relative(root, target)}: a product may import another only through its entry (${faces.map((face) => relative(root, face)).join(', ')}).`,
          },
        ],
      }
    })
  },
})

for (const [dialect, format] of [
  ['commonjs', 'cjs'],
  ['esm', 'esm'],
]) {
  const buildDir = join(root, 'dist', dialect)
  const esmDir = join(root, 'dist', 'esm')
  // CommonJS first: its bundles are made from the ESM files before those are overwritten by their own bundles.
  const jobs = [
    { entry: join(esmDir, 'key', 'internal.js'), outfile: join(buildDir, 'core.js') },
    ...Object.values(ENTRIES)
      .flat()
      .map((face) => ({ entry: join(esmDir, face), outfile: join(buildDir, face) })),
  ]
  for (const { entry, outfile } of jobs) {
    await build({
      entryPoints: [entry],
      outfile,
      allowOverwrite: true,
      bundle: true,
      format,
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      // The maps point at src/, shipped beside dist/: no copy of its text inside them.
      sourcesContent: false,
      logLevel: 'warning',
      plugins: [boundaries(esmDir, buildDir, outfile)],
    })
  }
}

// The per-file modules the bundles hold, and their maps: no entry loads them, so they are not shipped.
const bundles = new Set(
  ['esm', 'commonjs'].flatMap((dialect) =>
    ['core.js', ...Object.values(ENTRIES).flat()].map((file) => join(root, 'dist', dialect, file)),
  ),
)
for (const dialect of ['esm', 'commonjs']) {
  for (const file of await readdir(join(root, 'dist', dialect), { recursive: true })) {
    const path = join(root, 'dist', dialect, file)
    const module = path.replace(/\.map$/, '')
    if (/\.(js|cjs)(\.map)?$/.test(path) && !bundles.has(module)) await rm(path)
  }
}
