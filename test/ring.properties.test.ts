/**
 * Properties of the ring over generated input (fast-check): the MD5 is node:crypto's on any string or bytes,
 * a ring places every key where `hashring` places it for random fleets and weights, and random spellings of
 * a fleet give one placement. A failure reports the seed and the shrink path; replay it with
 * FC_SEED=<seed> FC_PATH=<path>.
 */
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import HashRing from 'hashring'
import { canonicalNodeKey } from '../src/index.ts'
import { createNodeRing } from '../src/ring/index.ts'
import { md5Point, md5Words } from '../src/ring/md5.ts'

const replay: fc.Parameters<unknown> =
  process.env.FC_SEED === undefined
    ? {}
    : { seed: Number(process.env.FC_SEED), ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) }

const check = <T>(property: fc.IProperty<T>, numRuns: number): void => {
  fc.assert(property, { numRuns, ...(replay as fc.Parameters<T>) })
}

/** Any UTF-16 string, lone surrogates included. */
const anyString = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 200,
})

test('md5Words is node:crypto MD5 on any string (as UTF-8) and any bytes', () => {
  const words = new Uint32Array(4)
  check(
    fc.property(
      fc.oneof(anyString, fc.string({ unit: 'binary', maxLength: 100 }), fc.uint8Array({ maxLength: 300 })),
      (input) => {
        const digest = createHash('md5').update(input).digest()
        md5Words(input, words)
        for (let j = 0; j < 4; j++) if (words[j] !== digest.readUInt32LE(4 * j)) return false
        return md5Point(input) === digest.readUInt32LE(0)
      },
    ),
    2000,
  )
})

/** A server as a node of a fleet: one of a few kinds of host, and a port. */
const server = fc
  .record({
    kind: fc.constantFrom('ipv4', 'ipv6', 'name'),
    a: fc.nat({ max: 0xffffffff }),
    b: fc.nat({ max: 0xffff }),
    label: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/),
    port: fc.integer({ min: 1, max: 65535 }),
  })
  .map(({ kind, a, b, label, port }) => {
    const host =
      kind === 'ipv4'
        ? [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.')
        : kind === 'ipv6'
          ? `[2001:db8:${b.toString(16)}::${(a & 0xffff).toString(16)}]`
          : `${label}.example`
    return canonicalNodeKey(`${host}:${port}`)
  })

/** A fleet of distinct servers, each with an integer or a fractional weight. */
const fleet = fc.uniqueArray(
  fc.record({
    key: server,
    weight: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.double({ min: 0.05, max: 20, noNaN: true })),
  }),
  { minLength: 1, maxLength: 24, selector: (entry) => entry.key },
)

test('a ring places every key where hashring places it, for random fleets and weights', () => {
  check(
    fc.property(fleet, fc.array(anyString, { minLength: 50, maxLength: 300 }), (servers, keys) => {
      const ring = createNodeRing(servers.map(({ key, weight }) => [key, weight] as const))
      // hashring is given the servers in the order of their keys, the order the ring breaks ties in.
      const weights: Record<string, number> = {}
      for (const { key, weight } of [...servers].sort((x, y) =>
        x.key < y.key ? -1 : x.key > y.key ? 1 : 0,
      )) {
        weights[key] = weight
      }
      const reference = new HashRing(weights)
      if (ring.points !== reference.size) return false
      for (const key of [...keys, ...Array.from({ length: 200 }, (_, i) => `k${i}`)]) {
        if (ring.get(key) !== reference.get(key)) return false
      }
      return true
    }),
    150,
  )
})

/** Another spelling of a canonical key, chosen by `pick`. */
const respell = (key: string, pick: number): string => {
  const colon = key.lastIndexOf(':')
  const host = key.slice(0, colon)
  const port = key.slice(colon + 1)
  const bare = host.startsWith('[') ? host.slice(1, -1) : host
  const spellings = [
    key,
    `redis://${host.toUpperCase()}:${port}`,
    host.startsWith('[') ? `${bare.toUpperCase()}:${port}` : `${host.toUpperCase()}:${port}`,
    `  ${key}  `,
  ]
  return spellings[pick % spellings.length]!
}

test('random spellings of a fleet, in random order, give one placement', () => {
  check(
    fc.property(
      fleet,
      fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
      fc.array(fc.string({ maxLength: 20 }), { minLength: 100, maxLength: 100 }),
      (servers, picks, keys) => {
        const canonical = createNodeRing(servers.map(({ key, weight }) => [key, weight] as const))
        const spelled = createNodeRing(
          servers.map(({ key, weight }, i) => [respell(key, picks[i]!), weight] as const).reverse(),
        )
        return keys.every((key) => canonical.get(key) === spelled.get(key))
      },
    ),
    200,
  )
})
