/**
 * Re-keying when one name moves: a NodeMap of 1,000 entries (one a DNS name, the others other names), the
 * name's answer changes, then one lookup. With a keyer that says which hosts changed (`changedSince`, every
 * keyer `createNodeKeyer` makes), the map keys again only the spellings given for that name; the anchor is
 * the same map over a key function without `changedSince`, which keys every spelling again. Each side has
 * a keyer and a resolver of its own, so neither falls behind the other's change log.
 *
 * What the targeted side saves is calls to the keyer (counted below, per move): both sides still pass over
 * the entries once to find what a change touches and to file moved entries again in their order, with no
 * keyer call. The goal is on the calls; the time ratio is reported beside it.
 */
import type { KeyFunction, Resolver, ResolverListener } from '../src/index.ts'
import { type Comparison, runComparisons, type Task } from './harness.ts'
import { library, target } from './library.ts'

const { createNodeKeyer, NodeMap } = library
const ENTRIES = 1000

/** A map of ENTRIES entries whose one name moves between two addresses on every run. */
/** Keyer calls per side, counted through a wrapper around each side's keyer. */
const calls = { targeted: 0, every: 0 }

const setup = (withChangeLog: boolean): Task => {
  const names = new Map<string, string>([['moving.test', '10.0.0.1']])
  const listeners = new Set<ResolverListener>()
  const resolver: Resolver = ({ host, port }) => {
    const ip = names.get(host)
    return ip === undefined ? undefined : { host: ip, port }
  }
  resolver.subscribe = (listener) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }
  const keyer = createNodeKeyer({ resolver })
  const side = withChangeLog ? 'targeted' : 'every'
  const count = <T>(answer: T): T => {
    calls[side]++
    return answer
  }
  // The keyer counted; without its change log on the anchor's side, as a key function of a caller's own.
  const keyFunction = Object.defineProperties(
    ((input: string, port?: number) =>
      count(port === undefined ? keyer(input) : keyer(input, port))) as KeyFunction,
    {
      generation: { get: () => keyer.generation },
      endpoint: {
        value: (input: string, port?: number) =>
          count(port === undefined ? keyer.endpoint(input) : keyer.endpoint(input, port)),
      },
      ...(withChangeLog ? { changedSince: { value: (since: number) => keyer.changedSince(since) } } : {}),
    },
  )
  const nodes = new NodeMap<number>({ keyer: keyFunction })
  for (let i = 0; i < ENTRIES - 1; i++) nodes.set(`node-${i}.cluster.test:6379`, i)
  nodes.set('moving.test:6379', -1)
  let flip = false
  return {
    name: withChangeLog
      ? 'keyer with changedSince: the moved name alone'
      : 'key function without it: every entry',
    run: () => {
      flip = !flip
      names.set('moving.test', flip ? '10.0.0.2' : '10.0.0.1')
      for (const listener of listeners) listener({ hosts: ['moving.test'] })
      const found = nodes.get('moving.test:6379')
      if (found !== -1 || nodes.keyOf('moving.test:6379') !== (flip ? '10.0.0.2:6379' : '10.0.0.1:6379')) {
        throw new Error('The moved entry was not re-keyed.')
      }
      return found
    },
  }
}

const anchor = setup(false)
const comparisons: Comparison[] = [
  {
    title: `one name of ${ENTRIES} entries moves, then a lookup`,
    calls: 1,
    target: setup(true),
    anchors: [anchor],
  },
]

runComparisons(`NodeMap re-keying (${target})`, comparisons)

// Keyer calls of one move and one lookup, on fresh maps (the runs above counted many).
const fresh = { targeted: setup(true), every: setup(false) }
calls.targeted = 0
calls.every = 0
fresh.targeted.run()
fresh.every.run()
const met = calls.targeted <= 4 && calls.every >= ENTRIES
console.log(
  [
    '| keyer calls for one move and one lookup | keyer with changedSince | key function without it | goal | met |',
    '|---|--:|--:|---|---|',
    `| ${ENTRIES} entries, one name moves | ${calls.targeted} | ${calls.every} | the moved name's spellings and the lookup alone (≤ 4), against every entry's | ${met ? 'yes' : '**no**'} |`,
    '',
  ].join('\n'),
)
if (!met) process.exitCode = 1
