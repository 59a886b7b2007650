/**
 * The ring (`canonical-node-key/ring`): spellings of one node are one server at one placement, placement
 * agrees with the `hashring` package, adding or removing a server moves close to the ideal share of keys,
 * weights, and every refusal as a typed error.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import HashRing from 'hashring'
import {
  createNodeKeyer,
  InvalidHostError,
  InvalidPortError,
  isNodeKeyError,
  NodeKeyError,
} from '../src/index.ts'
import { createNodeRing, type NodeRing, NodeRingError, type RingServerInput } from '../src/ring/index.ts'
import { md5Point, md5Words } from '../src/ring/md5.ts'

const KEYS = 100_000
const keys = Array.from({ length: KEYS }, (_, i) => `key:${i}`)

/** The owner of every key of `keys` (the first `count`). */
const owners = (ring: { get(key: string): string }, count = KEYS): string[] => {
  const out: string[] = []
  for (let i = 0; i < count; i++) out.push(ring.get(keys[i]!))
  return out
}

/** `hashring` over the ring's canonical keys and weights, listed in key order (the ring's tie-break). */
const referenceOf = (ring: NodeRing): HashRing => {
  const weights: Record<string, number> = {}
  for (const server of ring.servers()) weights[server.key] = server.weight
  return new HashRing(weights)
}

const fleet = (n: number, port = 11211): string[] =>
  Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${(i & 255) + 1}:${port}`)

test('md5Words and md5Point give node:crypto digests, across block boundaries and non-ASCII', () => {
  const words = new Uint32Array(4)
  const inputs = ['', 'a', 'abc', 'é', '€', '😀', '\ud800', 'x\udc00y', '\udbff\udfff']
  for (let n = 50; n <= 130; n++) inputs.push('k'.repeat(n), `${'é'.repeat(n >> 1)}z`)
  for (const input of inputs) {
    const digest = createHash('md5').update(input).digest()
    md5Words(input, words)
    for (let j = 0; j < 4; j++) assert.equal(words[j], digest.readUInt32LE(4 * j), `word ${j} of ${input}`)
    assert.equal(md5Point(input), digest.readUInt32LE(0))
    const bytes = Buffer.from(input, 'utf8')
    assert.equal(md5Point(bytes), digest.readUInt32LE(0), `bytes of ${input}`)
  }
})

test('every spelling of one node is one server at one placement', () => {
  const a = createNodeRing(['localhost:7000', '[::1]:7001', 'redis.example:7002'])
  const b = createNodeRing(['REDIS.Example:7002', 'redis://127.0.0.1:7000', { host: '0:0::1', port: '7001' }])
  const c = createNodeRing(['0x7f.1:7000', '::1:7001', 'redis.example:7002'])
  assert.deepEqual(a.servers(), b.servers())
  assert.deepEqual(a.servers(), c.servers())
  assert.deepEqual(
    a.servers().map((server) => server.key),
    ['127.0.0.1:7000', '[::1]:7001', 'redis.example:7002'],
  )
  const placed = owners(a, 20_000)
  assert.deepEqual(owners(b, 20_000), placed)
  assert.deepEqual(owners(c, 20_000), placed)
  // Every server gets keys, and every answer is one of the canonical keys.
  assert.deepEqual(new Set(placed), new Set(a.servers().map((server) => server.key)))
})

test('raw spellings split a hashring; canonical keys do not', (t) => {
  // What the ring prevents, measured on hashring itself: one server spelled two ways in two processes.
  const one = new HashRing(['localhost:11211', '10.0.0.2:11211', '10.0.0.3:11211'])
  const two = new HashRing(['127.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211'])
  let moved = 0
  for (const key of keys) {
    const x = one.get(key)
    const y = two.get(key)
    if (x !== y && !(x === 'localhost:11211' && y === '127.0.0.1:11211')) moved++
  }
  assert.ok(moved > KEYS * 0.05, `hashring with two spellings placed ${moved} keys on different servers`)
  t.diagnostic(
    `hashring, localhost:11211 against 127.0.0.1:11211 among 3: ${moved} of ${KEYS} keys on another server`,
  )
  const ours = [
    createNodeRing(['localhost:11211', '10.0.0.2:11211', '10.0.0.3:11211']),
    createNodeRing(['127.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211']),
  ]
  assert.deepEqual(owners(ours[0]!), owners(ours[1]!))
})

test('placement agrees with hashring, key by key, with and without weights', () => {
  const fleets: RingServerInput[][] = [
    fleet(1),
    fleet(3),
    fleet(7), // 1/7 × 40 × 7 is 39.999… in double precision: 39 digests each, as hashring gives
    fleet(10, 6379),
    ['localhost:11211', '[::1]:11211', 'cache-a.example:11211', ['10.1.2.3:11211', 3]],
    [
      ['10.0.0.1:6379', 1],
      ['10.0.0.2:6379', 2.5],
      ['10.0.0.3:6379', 0.25],
      ['[2001:db8::1]:6379', 10],
    ],
  ]
  for (const servers of fleets) {
    const ring = createNodeRing(servers)
    const reference = referenceOf(ring)
    assert.equal(ring.points, reference.size, `points of ${JSON.stringify(servers)}`)
    for (let i = 0; i < 20_000; i++) {
      assert.equal(ring.get(keys[i]!), reference.get(keys[i]!), `${keys[i]} on ${JSON.stringify(servers)}`)
    }
  }
  assert.equal(createNodeRing(fleet(7)).servers()[0]!.points, 156)
  assert.equal(createNodeRing(fleet(6)).servers()[0]!.points, 160)
})

test('the order servers are given or added in does not change placement', () => {
  const servers = fleet(9)
  const forward = createNodeRing(servers)
  const backward = createNodeRing([...servers].reverse())
  const grown = createNodeRing([])
  for (const server of [...servers.slice(4), ...servers.slice(0, 4)]) grown.add(server)
  const placed = owners(forward, 20_000)
  assert.deepEqual(owners(backward, 20_000), placed)
  assert.deepEqual(owners(grown, 20_000), placed)
})

/** Fraction of keys whose owner differs between two placements, and whether every move obeys `allowed`. */
const movement = (
  before: readonly string[],
  after: readonly string[],
  allowed: (from: string, to: string) => boolean,
): { fraction: number; stray: number } => {
  let moved = 0
  let stray = 0
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue
    moved++
    if (!allowed(before[i]!, after[i]!)) stray++
  }
  return { fraction: moved / before.length, stray }
}

test('adding or removing a server moves close to the ideal 1/n of 100,000 keys', (t) => {
  const rows: string[] = []
  for (let n = 4; n <= 10; n++) {
    const servers = fleet(n)
    const ring = createNodeRing(servers)
    const before = owners(ring)
    // Add one: the ideal is 1/(n+1) of the keys, all to the new server.
    const added = ring.add('10.0.9.9:11211')
    const grown = owners(ring)
    const up = movement(before, grown, (_, to) => to === added)
    // Remove one of the original servers: the ideal is its share, 1/n, and only its keys move.
    ring.remove(added)
    assert.deepEqual(owners(ring), before, 'removing the added server restores every placement')
    const gone = ring.remove(servers[0]!)
    assert.equal(gone, true)
    const shrunk = owners(ring)
    const down = movement(before, shrunk, (from) => from === servers[0])
    rows.push(
      `n=${n}: add ${(up.fraction * 100).toFixed(2)}% (ideal ${(100 / (n + 1)).toFixed(2)}%, ratio ${(up.fraction * (n + 1)).toFixed(2)}, between old servers ${((up.stray / KEYS) * 100).toFixed(2)}%); ` +
        `remove ${(down.fraction * 100).toFixed(2)}% (ideal ${(100 / n).toFixed(2)}%, ratio ${(down.fraction * n).toFixed(2)}, between the others ${((down.stray / KEYS) * 100).toFixed(2)}%)`,
    )
    // Within a third of the ideal either way: 160 points a server put a server's share within about 8%
    // (one standard deviation) of its ideal, and a step across 1/7 takes each server from 160 to 156 points.
    assert.ok(up.fraction > (1 / (n + 1)) * 0.67 && up.fraction < (1 / (n + 1)) * 1.33, rows.at(-1))
    assert.ok(down.fraction > (1 / n) * 0.67 && down.fraction < (1 / n) * 1.33, rows.at(-1))
    // Keys move only to the new server or off the removed one, except where the digests of a server of
    // equal weight change with n (1/7 × 40 × 7 is 39.999…: 39 digests each at 7 servers, 40 at 6 or 8).
    const each = (count: number): number => Math.floor((1 / count) * 40 * count)
    if (each(n) === each(n + 1)) assert.equal(up.stray, 0, rows.at(-1))
    else assert.ok(up.stray > 0 && up.stray < KEYS * 0.05, rows.at(-1))
    if (each(n) === each(n - 1)) assert.equal(down.stray, 0, rows.at(-1))
    else assert.ok(down.stray > 0 && down.stray < KEYS * 0.05, rows.at(-1))
  }
  t.diagnostic(rows.join('\n'))
})

test('weights: a server of weight 3 gets about three times the keys of weight 1', () => {
  const ring = createNodeRing([['10.0.0.1:6379', 3], '10.0.0.2:6379', '10.0.0.3:6379', '10.0.0.4:6379'])
  const counts = new Map<string, number>()
  for (const owner of owners(ring)) counts.set(owner, (counts.get(owner) ?? 0) + 1)
  const heavy = counts.get('10.0.0.1:6379')!
  const light = (KEYS - heavy) / 3
  assert.ok(heavy / light > 2.4 && heavy / light < 3.6, `weight 3 got ${heavy}, weight 1 about ${light}`)
  assert.deepEqual(
    ring.servers().map((server) => [server.key, server.weight, server.points]),
    [
      ['10.0.0.1:6379', 3, 4 * Math.floor((3 / 6) * 40 * 4)],
      ['10.0.0.2:6379', 1, 4 * Math.floor((1 / 6) * 40 * 4)],
      ['10.0.0.3:6379', 1, 4 * Math.floor((1 / 6) * 40 * 4)],
      ['10.0.0.4:6379', 1, 4 * Math.floor((1 / 6) * 40 * 4)],
    ],
  )
  assert.equal(ring.weightOf('10.0.0.1:6379'), 3)
  assert.equal(ring.weightOf('10.0.0.9:6379'), undefined)
  assert.equal(ring.setWeight('10.0.0.1:6379', 1), '10.0.0.1:6379')
  assert.deepEqual(
    owners(ring, 20_000),
    owners(createNodeRing(['10.0.0.1:6379', '10.0.0.2:6379', '10.0.0.3:6379', '10.0.0.4:6379']), 20_000),
  )
  // setWeight puts a server that is not on the ring yet on it.
  assert.equal(ring.setWeight('localhost:6379', 2), '127.0.0.1:6379')
  assert.equal(ring.size, 5)
  const reference = referenceOf(ring)
  for (let i = 0; i < 5000; i++) assert.equal(ring.get(keys[i]!), reference.get(keys[i]!))
})

test('get takes strings and bytes; has, remove and size follow the servers', () => {
  const ring = createNodeRing(['localhost:7000', '10.0.0.2:7000'])
  assert.equal(ring.size, 2)
  assert.equal(ring.points, 320)
  assert.equal(ring.get(Buffer.from('user:42')), ring.get('user:42'))
  assert.equal(ring.get(new TextEncoder().encode('ключ')), ring.get('ключ'))
  assert.equal(ring.has('LOCALHOST:7000'), true)
  assert.equal(ring.has('localhost:7001'), false)
  assert.equal(ring.remove('localhost:7001'), false)
  assert.equal(ring.remove('redis://127.0.0.1:7000'), true)
  assert.equal(ring.size, 1)
  assert.equal(ring.get('anything'), '10.0.0.2:7000')
  assert.equal(ring.add({ host: 'localhost', port: 7000 }), '127.0.0.1:7000')
  assert.equal(ring.size, 2)
})

test('a custom keyer: its default port and its resolver decide the keys', () => {
  const keyer = createNodeKeyer({ defaultPort: 11211 })
  const ring = createNodeRing(['localhost', 'cache-b'], { keyer })
  assert.deepEqual(
    ring.servers().map((server) => server.key),
    ['127.0.0.1:11211', 'cache-b:11211'],
  )
  assert.equal(ring.has('127.0.0.1'), true)
  assert.throws(() => createNodeRing(['localhost']), InvalidPortError)
  assert.throws(
    () => createNodeRing(['a:1'], { keyer: (() => 'not a key') as never }),
    (error: unknown) =>
      error instanceof TypeError &&
      /Expected the keyer of createNodeRing to return node keys/.test(error.message),
  )
})

const refused = (reason: string, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof NodeRingError, String(error))
  assert.ok(error instanceof NodeKeyError)
  assert.ok(isNodeKeyError(error))
  assert.equal(error.code, 'ERR_NODE_KEY_RING')
  assert.equal(error.reason, reason)
  assert.match(error.message, pattern)
  return true
}

test('bad input is refused with typed errors that say what was expected', () => {
  assert.throws(() => createNodeRing(['a..b:7000']), InvalidHostError)
  assert.throws(() => createNodeRing(['redis:0']), InvalidPortError)
  for (const weight of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '2', null]) {
    assert.throws(
      () => createNodeRing([['redis:7000', weight as number]]),
      refused('invalid-weight', /Expected the weight of "redis:7000" to be a positive finite number, got/),
    )
  }
  assert.throws(
    () =>
      createNodeRing([
        ['a:1', Number.MAX_VALUE],
        ['b:1', Number.MAX_VALUE],
      ]),
    refused('invalid-weight', /add up to a finite number, got Infinity/),
  )
  assert.throws(() => createNodeRing([]).get('k'), refused('empty-ring', /no server/))
  assert.throws(
    () => createNodeRing(['localhost:7000', '127.0.0.1:7000']),
    refused(
      'duplicate-server',
      /"127\.0\.0\.1:7000" is 127\.0\.0\.1:7000, which is on the ring already as "localhost:7000"\. .*setWeight/,
    ),
  )
  const ring = createNodeRing(['localhost:7000', '10.0.0.2:7000'])
  const before = owners(ring, 2000)
  assert.throws(() => ring.add('redis://LOCALHOST:7000'), refused('duplicate-server', /on the ring already/))
  assert.throws(() => ring.add('10.0.0.3:7000', 0), refused('invalid-weight', /positive finite/))
  assert.deepEqual(owners(ring, 2000), before, 'a refused change leaves the ring as it was')
  assert.equal(ring.size, 2)
  const heavy = createNodeRing([['10.0.0.1:7000', Number.MAX_VALUE], '10.0.0.2:7000'])
  const placed = owners(heavy, 2000)
  assert.throws(() => heavy.add('10.0.0.3:7000', Number.MAX_VALUE), refused('invalid-weight', /finite/))
  assert.throws(() => heavy.setWeight('10.0.0.2:7000', Number.MAX_VALUE), refused('invalid-weight', /finite/))
  assert.throws(() => heavy.setWeight('10.0.0.4:7000', Number.MAX_VALUE), refused('invalid-weight', /finite/))
  assert.deepEqual(owners(heavy, 2000), placed, 'a refused change leaves the ring as it was')
  assert.equal(heavy.size, 2)
  assert.equal(heavy.weightOf('10.0.0.2:7000'), 1)
  for (const servers of ['localhost:7000', 7000, null, undefined, { host: 'a', port: 1 }]) {
    assert.throws(
      () => createNodeRing(servers as never),
      refused('invalid-servers', /Expected the servers of createNodeRing to be an array or another iterable/),
    )
  }
  assert.throws(
    () => createNodeRing([['a:1', 1, 2] as never]),
    refused('invalid-servers', /an \[address, weight\] pair, got an array of 3/),
  )
  for (const key of [42, null, undefined, ['k'], new Uint16Array(2)]) {
    assert.throws(
      () => ring.get(key as never),
      refused('invalid-ring-key', /Expected the key to place to be a string or a Uint8Array/),
    )
  }
  assert.throws(
    () => createNodeRing([], { keyer: 'no' } as never),
    /Expected `keyer` of createNodeRing to be a keyer function/,
  )
  assert.throws(
    () => createNodeRing([], { keyr: undefined } as never),
    /Unknown option "keyr" of createNodeRing/,
  )
})
