/**
 * The library under measurement. By default the built ESM output (`dist/esm`, what users run; `npm run bench`
 * builds first); `BENCH_TARGET=src` measures the TypeScript source through tsx instead. The types come from
 * the source either way, so the benchmarks type-check before anything is built.
 */
import type * as Library from '../src/index.ts'

/** `dist` or `src`. */
export const target: 'dist' | 'src' = process.env['BENCH_TARGET'] === 'src' ? 'src' : 'dist'

/** Where the package's ESM entry point lies for {@link target}. */
export const entryUrl = new URL(
  target === 'src' ? '../src/index.ts' : '../dist/esm/index.js',
  import.meta.url,
)

/** The package's exports. */
export const library: typeof Library = await import(entryUrl.href)
