import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  chainResolvers,
  createNodeKeyer,
  type Endpoint,
  loopbackResolver,
  type NodeKey,
  type Resolver,
  type ResolverListener,
} from '../src/index.ts'
import { Memo } from '../src/key/memo.ts'

test('stats count hits, misses and size for every memoized call shape', () => {
  const keyer = createNodeKeyer({ resolver: null })
  assert.deepEqual(keyer.stats(), { hits: 0, misses: 0, size: 0, evictions: 0 })
  keyer('a', 1)
  assert.deepEqual(keyer.stats(), { hits: 0, misses: 1, size: 1, evictions: 0 })
  keyer('a', 1)
  keyer('a', 1)
  assert.deepEqual(keyer.stats(), { hits: 2, misses: 1, size: 1, evictions: 0 })
  // An address string is remembered apart from the pair that spells the same characters.
  keyer('a:1')
  keyer('a:1')
  // { host, port } is memoized as the pair it holds.
  keyer({ host: 'b', port: 2 })
  keyer('b', 2)
  const stats = keyer.stats()
  assert.equal(stats.hits + stats.misses, 7)
  assert.equal(stats.hits, 4)
  assert.equal(stats.misses, 3)
  assert.equal(stats.evictions, 0)
})

test('the same answers after a hit, whichever shape asked first', () => {
  const keyer = createNodeKeyer({ resolver: null })
  // 'redis://a' + ':' + 1 spells the remembered address 'redis://a:1', but as a pair it is no host.
  assert.equal(keyer('redis://a:1'), 'a:1')
  assert.equal(keyer('redis://a:1'), 'a:1')
  assert.throws(() => keyer('redis://a', 1), { name: 'InvalidHostError' })
  assert.equal(keyer('::1', 1), '[::1]:1')
  assert.equal(keyer('::1:1'), '[::1]:1')
  assert.equal(keyer('h', 7000), 'h:7000')
  assert.equal(keyer('h', '7000'), 'h:7000')
  assert.equal(keyer('h', '07000'), 'h:7000')
  assert.equal(keyer('h:7000'), 'h:7000')
})

test('failures are not remembered, and fail again', () => {
  const keyer = createNodeKeyer()
  for (let i = 0; i < 3; i++) {
    assert.throws(() => keyer('a..b', 1), { reason: 'invalid-label' })
    assert.throws(() => keyer('a:0'), { reason: 'port-out-of-range' })
  }
  assert.equal(keyer.stats().size, 0)
})

test('the memo is bounded by cacheSize and counts evictions', () => {
  const keyer = createNodeKeyer({ cacheSize: 3, resolver: null })
  for (let i = 1; i <= 10; i++) keyer('h', i)
  assert.deepEqual(keyer.stats(), { hits: 0, misses: 10, size: 3, evictions: 7 })
  // The most recent three are still there; the first is not.
  keyer('h', 10)
  keyer('h', 1)
  assert.deepEqual(keyer.stats(), { hits: 1, misses: 11, size: 3, evictions: 8 })

  const big = createNodeKeyer({ cacheSize: 100, resolver: null })
  for (let i = 0; i < 5000; i++) big(`node-${i}.example`, 6379)
  assert.equal(big.stats().size, 100)
  assert.equal(big.stats().evictions, 4900)
})

test('cacheSize 0 turns the memo off', () => {
  const keyer = createNodeKeyer({ cacheSize: 0 })
  assert.equal(keyer('localhost', 1), '127.0.0.1:1')
  assert.equal(keyer('localhost', 1), '127.0.0.1:1')
  assert.equal(keyer('localhost:1'), '127.0.0.1:1')
  assert.deepEqual(keyer.stats(), { hits: 0, misses: 3, size: 0, evictions: 0 })
})

test('clear empties the memo; the counters go on', () => {
  const keyer = createNodeKeyer()
  keyer('a', 1)
  keyer('a', 1)
  keyer('b:2')
  keyer.clear()
  assert.deepEqual(keyer.stats(), { hits: 1, misses: 2, size: 0, evictions: 0 })
  keyer('a', 1)
  assert.deepEqual(keyer.stats(), { hits: 1, misses: 3, size: 1, evictions: 0 })
})

/** A resolver backed by a mutable table, which tells its listeners what changed. */
const mutableResolver = () => {
  const table = new Map<string, string>()
  const listeners = new Set<ResolverListener>()
  const resolver: Resolver = (endpoint: Endpoint) => {
    const host = table.get(endpoint.host)
    return host === undefined ? undefined : { host, port: endpoint.port }
  }
  resolver.subscribe = (listener) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }
  const set = (from: string, to: string, announce: 'host' | 'all' | 'none' = 'host') => {
    table.set(from, to)
    if (announce === 'none') return
    for (const listener of listeners) listener(announce === 'all' ? {} : { hosts: [from] })
  }
  return { resolver, set, listeners }
}

test('a resolver change drops the memo entries of the hosts it names, and only those', () => {
  const { resolver, set } = mutableResolver()
  const keyer = createNodeKeyer({ resolver })
  set('cache-a', '10.0.0.1')
  assert.equal(keyer('cache-a', 6379), '10.0.0.1:6379')
  assert.equal(keyer('CACHE-A:6379'), '10.0.0.1:6379')
  assert.equal(keyer('cache-b', 6379), 'cache-b:6379')
  assert.equal(keyer.stats().size, 3)

  set('cache-a', '10.0.0.2')
  assert.equal(keyer.stats().size, 1)
  assert.equal(keyer('cache-a', 6379), '10.0.0.2:6379')
  assert.equal(keyer('CACHE-A:6379'), '10.0.0.2:6379')

  // A change of everything drops everything.
  set('cache-b', '10.0.0.3', 'all')
  assert.equal(keyer.stats().size, 0)
  assert.equal(keyer('cache-b', 6379), '10.0.0.3:6379')
})

test('a change the resolver does not announce is not seen until clear (the contract of subscribe)', () => {
  const { resolver, set } = mutableResolver()
  const keyer = createNodeKeyer({ resolver })
  assert.equal(keyer('n', 1), 'n:1')
  set('n', '10.0.0.9', 'none')
  assert.equal(keyer('n', 1), 'n:1')
  keyer.clear()
  assert.equal(keyer('n', 1), '10.0.0.9:1')
})

test('changes reach the keyer through chainResolvers; close unsubscribes', () => {
  const first = mutableResolver()
  const last = mutableResolver()
  const keyer = createNodeKeyer({
    resolver: chainResolvers(loopbackResolver(), first.resolver, last.resolver),
  })
  assert.equal(keyer('x', 1), 'x:1')
  first.set('x', 'y')
  assert.equal(keyer('x', 1), 'y:1')
  last.set('y', '10.0.0.4')
  assert.equal(keyer('x', 1), '10.0.0.4:1')
  assert.equal(first.listeners.size, 1)
  assert.equal(last.listeners.size, 1)
  keyer.close()
  assert.equal(first.listeners.size, 0)
  assert.equal(last.listeners.size, 0)
})

test('drop finds the entries of a host through the index by host, and the index leaves with its entries', () => {
  const memo = new Memo(100)
  const answer = (key: string) => ({
    key: key as NodeKey,
    host: key.split(':')[0]!,
    port: 1,
    given: key.split(':')[0]!,
  })
  for (let i = 0; i < 50; i++) memo.setPair(`h${i}`, 1, answer(`h${i}:1`), `h${i}`)
  memo.setAddress('H7:1', answer('h7:1'), 'h7')
  memo.setAddress('redis://h7:1', answer('h7:1'), 'h7')
  assert.equal(memo.indexedHosts, 50)
  memo.drop(['h7', 'not-there'])
  assert.equal(memo.stats().size, 49)
  assert.equal(memo.pair('h7', 1), undefined)
  assert.equal(memo.address('H7:1'), undefined)
  assert.notEqual(memo.pair('h8', 1), undefined)
  assert.equal(memo.indexedHosts, 49)
  // Evictions take entries out of the index too: it never holds more hosts than the memo holds entries.
  for (let i = 100; i < 400; i++) memo.setPair(`h${i}`, 1, answer(`h${i}:1`), `h${i}`)
  assert.equal(memo.stats().size, 100)
  assert.equal(memo.indexedHosts, 100)
  memo.clear()
  assert.equal(memo.indexedHosts, 0)
})

test('the memo is bounded in bytes: ordinary inputs fill its 10,000 entries, the longest accepted ones do not', () => {
  const keyer = createNodeKeyer({ resolver: null })
  for (let i = 0; i < 10_000; i++) keyer(`redis-node-${i}.cluster.example.internal`, 6379)
  assert.equal(keyer.stats().size, 10_000)
  assert.equal(keyer.stats().evictions, 0)
  const long = createNodeKeyer({ resolver: null })
  const name = (i: number) => `${'\u00ad'.repeat(1000)}node-${i}.example`
  for (let i = 0; i < 10_000; i++) long(name(i), 6379)
  const { size, evictions } = long.stats()
  assert.ok(size > 100 && size < 5_000, `${size} entries of 1,000+ characters`)
  assert.equal(size + evictions, 10_000)
  // Still correct: an evicted input is computed again, to the same key.
  assert.equal(long(name(0), 6379), 'node-0.example:6379')
  // An input too big for the whole budget is answered and not remembered.
  const tiny = new Memo(10, 1_000)
  tiny.setAddress('x'.repeat(2_000), { key: 'x:1' as NodeKey, host: 'x', port: 1, given: 'x' }, 'x')
  assert.equal(tiny.stats().size, 0)
})

test('a refusal is remembered: the same bad input again is a hit, and throws afresh as the first did', () => {
  const keyer = createNodeKeyer()
  const bad = `${'\uFDFA'.repeat(512)}${'\u4e00'.repeat(512)}`
  const first = (() => {
    try {
      keyer(bad, 1)
    } catch (error) {
      return error as Error & { reason: string }
    }
  })()
  assert.equal(first?.name, 'InvalidHostError')
  assert.equal(first?.reason, 'label-too-long')
  assert.deepEqual(keyer.stats(), { hits: 0, misses: 1, size: 0, evictions: 0 })
  assert.throws(() => keyer(bad, 1), {
    name: 'InvalidHostError',
    reason: 'label-too-long',
    message: first?.message,
  })
  assert.throws(() => keyer('a..b:1'), { reason: 'invalid-label' })
  assert.throws(() => keyer('a..b:1'), { reason: 'invalid-label' })
  assert.deepEqual(keyer.stats(), { hits: 2, misses: 2, size: 0, evictions: 0 })
  // Refusals take no room from the answers, and leave with clear().
  keyer.clear()
  assert.throws(() => keyer('a..b:1'))
  assert.equal(keyer.stats().misses, 3)
})
