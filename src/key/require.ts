import { createRequire } from 'node:module'

/**
 * `require` for this build's dialect, to load CommonJS dependencies lazily from synchronous code. The
 * CommonJS build uses require-cjs.cts instead of this file; tsc still compiles this one there first.
 */
// biome-ignore lint/suspicious/noTsIgnore: an error in the CommonJS pass only, so @ts-expect-error cannot be used.
// @ts-ignore
export const requireModule: (id: string) => unknown = createRequire(import.meta.url)
