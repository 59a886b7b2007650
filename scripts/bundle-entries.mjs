// After tshy: bundle each entry (dist/esm/index.js, dist/commonjs/index.js) and the modules it imports into
// that one file.
//
// A loader pays per file: the ESM loader about half a millisecond a module here, so the package's dozen small
// modules made a cold `import` cost 14 to 20 ms, about half that as one file; `require` pays less per file
// but still resolves, reads and compiles each one. The other files stay for the CLI and the source maps; the
// runtime dependencies (lru-cache, tr46) stay external, and tr46 is still required lazily (relative to the
// entry's folder) the first time a non-ASCII host is seen. Each folder's package.json (written by tshy)
// keeps telling a runtime which module system the bundle is.
import { build } from 'esbuild'

const entries = [
  { file: '../dist/esm/index.js', format: 'esm' },
  { file: '../dist/commonjs/index.js', format: 'cjs' },
]

for (const { file, format } of entries) {
  const entry = new URL(file, import.meta.url).pathname
  await build({
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    format,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  })
}
