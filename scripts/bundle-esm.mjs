// After tshy: bundle the ESM entry (dist/esm/index.js) and the modules it imports into that one file.
//
// The ESM loader pays per file (about half a millisecond each here), so the package's dozen small modules
// made a cold `import` cost 14 to 20 ms; as one file it costs about half that. The other files stay for the
// CLI and the source maps; the runtime dependencies (lru-cache, tr46) stay external, and tr46 is still
// required lazily, relative to dist/esm, the first time a non-ASCII host is seen.
import { build } from 'esbuild'

const entry = new URL('../dist/esm/index.js', import.meta.url).pathname

await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
})
