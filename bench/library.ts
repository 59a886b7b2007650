/**
 * The library under measurement. By default the built ESM output (`dist/esm`, what users run; `npm run bench`
 * builds first); `BENCH_TARGET=src` measures the TypeScript source through tsx instead. The types come from
 * the source either way, so the benchmarks type-check before anything is built. `library` holds the names
 * of the root entry and of the product entries the benchmarks use (`/node-map`, `/dns`), each loaded from its
 * own entry as a user loads it.
 */
import type * as DnsEntry from '../src/dns/index.ts'
import type * as Root from '../src/index.ts'
import type * as NodeMapEntry from '../src/node-map/index.ts'

/** `dist` or `src`. */
export const target: 'dist' | 'src' = process.env['BENCH_TARGET'] === 'src' ? 'src' : 'dist'

/** Where an entry's ESM module lies for {@link target}: `''` for the root, else the subpath's folder. */
export const entryUrl = (entry: '' | 'node-map' | 'dns' | 'topology' | 'ring' = ''): URL =>
  new URL(
    target === 'src'
      ? `../src/${entry === '' ? '' : `${entry}/`}index.ts`
      : `../dist/esm/${entry === '' ? '' : `${entry}/`}index.js`,
    import.meta.url,
  )

/** The names of the entries the benchmarks use. */
export const library: typeof Root & typeof NodeMapEntry & typeof DnsEntry = {
  ...((await import(entryUrl().href)) as typeof Root),
  ...((await import(entryUrl('node-map').href)) as typeof NodeMapEntry),
  ...((await import(entryUrl('dns').href)) as typeof DnsEntry),
}
