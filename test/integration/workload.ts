/**
 * A steady SET/GET workload for the failure scenarios: a few loops per client, each writing a key and reading
 * it back, every command timed and recorded, so a scenario can count what failed and say when the client
 * served the nodes hit by the fault again.
 */

import { keyHashSlot } from '../../examples/redis-cluster/hash-slot.ts'

/** The two commands the workload sends; every client under test is driven through them. */
export interface WorkloadClient {
  set(key: string, value: string): Promise<unknown>
  get(key: string): Promise<string | null>
}

/** One command of the workload, as it went. */
export interface Sample {
  /** The key as the workload was given it (what is sent carries the workload's `namespace` too). */
  readonly key: string
  readonly start: number
  readonly end: number
  /** `'ok'`; `'failed'` (the command rejected); `'lost'` (a GET answered, but not what this loop last wrote). */
  readonly outcome: 'ok' | 'failed' | 'lost'
}

/** What a workload saw from `from` on. */
export interface Tally {
  readonly commands: number
  readonly failed: number
  readonly lost: number
  /**
   * Milliseconds from `from` until the first command on one of `hit` keys that started at `from` or later
   * succeeded; `undefined` if none did.
   */
  readonly recovery: number | undefined
}

/**
 * `count` keys named `tag:i`, which CRC16 scatters over the slots (and so over every master).
 *
 * @example
 * ```ts
 * keysOver('w', 300) // ['w:0', 'w:1', …]
 * ```
 */
export const keysOver = (tag: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${tag}:${i}`)

/** The keys among `keys` whose slot `owners` gives to node `id`. */
export const keysOf = (
  keys: readonly string[],
  owners: readonly (string | undefined)[],
  id: string,
): string[] => keys.filter((key) => owners[keyHashSlot(key)] === id)

/**
 * Start `loops` loops against `client`; each takes every `loops`-th key in turn, SETs it to a fresh value and
 * GETs it, pausing `pause` ms between keys. Workloads side by side give each its own `namespace`: key `k` is
 * sent as `{k}namespace`, in the same hash slot as `k` (the braces are a hash tag), so no workload reads
 * another's writes. `stop()` ends the loops and resolves when every command in
 * flight has settled.
 *
 * @example
 * ```ts
 * const load = startWorkload(client, keysOver('w', 300))
 * … // a fault
 * await load.stop()
 * load.tally(faultAt, victimKeys)
 * ```
 */
export const startWorkload = (
  client: WorkloadClient,
  keys: readonly string[],
  { loops = 4, pause = 2, namespace = '' }: { loops?: number; pause?: number; namespace?: string } = {},
) => {
  if (keys.length % loops !== 0) throw new RangeError('Expected the key count to be a multiple of `loops`.')
  const samples: Sample[] = []
  let running = true
  let round = 0
  const loop = async (first: number): Promise<void> => {
    for (let n = first; running; n += loops) {
      const key = keys[n % keys.length]!
      const sent = namespace === '' ? key : `{${key}}${namespace}`
      const value = `${first}:${round++}`
      let start = Date.now()
      let wrote = false
      try {
        await client.set(sent, value)
        wrote = true
        samples.push({ key, start, end: Date.now(), outcome: 'ok' })
      } catch {
        samples.push({ key, start, end: Date.now(), outcome: 'failed' })
      }
      start = Date.now()
      try {
        const read = await client.get(sent)
        const outcome = !wrote || read === value ? 'ok' : 'lost'
        samples.push({ key, start, end: Date.now(), outcome })
      } catch {
        samples.push({ key, start, end: Date.now(), outcome: 'failed' })
      }
      await new Promise((resolve) => setTimeout(resolve, pause))
    }
  }
  const running$ = Array.from({ length: loops }, (_, i) => loop(i))
  return {
    samples,
    /** Stop the loops; resolves once every command in flight has settled. */
    stop: async (): Promise<void> => {
      running = false
      await Promise.all(running$)
    },
    /** What the loops saw from `from` on, and when the `hit` keys were served again. */
    tally: (from: number, hit: readonly string[]): Tally => {
      const since = samples.filter((sample) => sample.end >= from)
      const hitKeys = new Set(hit)
      const served = since
        .filter((sample) => sample.start >= from && sample.outcome === 'ok' && hitKeys.has(sample.key))
        .reduce((first, sample) => Math.min(first, sample.end), Number.POSITIVE_INFINITY)
      return {
        commands: since.length,
        failed: since.filter((sample) => sample.outcome === 'failed').length,
        lost: since.filter((sample) => sample.outcome === 'lost').length,
        recovery: Number.isFinite(served) ? served - from : undefined,
      }
    },
  }
}
