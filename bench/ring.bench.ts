/**
 * The ring's `get(key)` against the `hashring` package's `get` on the same fleet and keys, in the same
 * process and round. Both place every key on the same server (test/ring.test.ts); what differs is the
 * work: `get` here hashes the key with the ring's own MD5 (no allocation) and searches a sorted
 * `Uint32Array`; `hashring` asks its LRU cache of 5,000 keys first, and on a miss hashes the key with
 * `node:crypto` and searches an array of point objects.
 *
 * Two key sets: "cold" cycles through 20,000 distinct keys, 1,000 a pass, so every `hashring` call misses
 * its cache (it holds the last 5,000); "hot" repeats the same 1,000 keys, so after the warm-up every
 * `hashring` call is a cache hit. A third anchor is `createHash('md5')` of the key alone, what one hash
 * costs through `node:crypto`. The last comparison builds a ring of 100 servers on each side.
 */
import { createHash } from 'node:crypto'
import HashRing from 'hashring'
import type * as RingEntry from '../src/ring/index.ts'
import { type Comparison, runComparisons, type Task } from './harness.ts'
import { entryUrl, target } from './library.ts'

const { createNodeRing } = (await import(entryUrl('ring').href)) as typeof RingEntry

const SERVERS = Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 1}:11211`)
const PASS = 1000
const COLD = Array.from({ length: 20 * PASS }, (_, i) => `user:${i * 7919}:profile`)
const HOT = COLD.slice(0, PASS)

const ring = createNodeRing(SERVERS)
const reference = new HashRing(SERVERS)
for (const key of COLD) {
  if (ring.get(key) !== reference.get(key)) throw new Error(`The ring and hashring disagree on ${key}.`)
}

/** A pass of PASS calls of `get` over `keys`, from an offset that moves a pass each run when `cycle`. */
const passOf = (
  name: string,
  get: (key: string) => string,
  keys: readonly string[],
  cycle: boolean,
): Task => {
  let offset = 0
  return {
    name,
    run: () => {
      let sum = 0
      for (let i = 0; i < PASS; i++) sum += get(keys[offset + i]!).length
      if (cycle) offset = (offset + PASS) % keys.length
      return sum
    },
  }
}

const md5Alone = (key: string): string => {
  const digest = createHash('md5').update(key).digest()
  return digest.length === 16 ? 'x' : ''
}

const comparisons: Comparison[] = [
  {
    title: '10 servers, cold keys (20,000 distinct, hashring cache misses)',
    calls: PASS,
    target: passOf('ring.get(key)', (key) => ring.get(key), COLD, true),
    anchors: [
      passOf('hashring get(key)', (key) => reference.get(key), COLD, true),
      passOf("createHash('md5') of the key alone", md5Alone, COLD, true),
    ],
    goals: { 'hashring get(key)': 1 },
  },
  {
    title: '10 servers, hot keys (the same 1,000, hashring cache hits)',
    calls: PASS,
    target: passOf('ring.get(key)', (key) => ring.get(key), HOT, false),
    anchors: [passOf('hashring get(key)', (key) => reference.get(key), HOT, false)],
  },
  {
    title: 'build a ring of 100 servers',
    calls: 1,
    target: {
      name: 'createNodeRing(servers)',
      run: () => createNodeRing(Array.from({ length: 100 }, (_, i) => `10.1.0.${i + 1}:6379`)).points,
    },
    anchors: [
      {
        name: 'new HashRing(servers)',
        run: () => new HashRing(Array.from({ length: 100 }, (_, i) => `10.1.0.${i + 1}:6379`)).size,
      },
    ],
  },
]

runComparisons(`Ring placement (${target})`, comparisons)
