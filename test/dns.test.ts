import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createDnsTable, type DnsAddress, type DnsEvent, type DnsFamily } from '../src/dns/index.ts'
import { chainResolvers, createNodeKeyer, InvalidHostError, loopbackResolver } from '../src/index.ts'

/** A lookup whose answers the test gives by hand, one pending call at a time. */
const manualLookup = () => {
  const calls: {
    host: string
    family: DnsFamily
    signal: AbortSignal
    resolve: (answer: readonly DnsAddress[]) => void
    reject: (error: unknown) => void
  }[] = []
  const lookup = (host: string, { family, signal }: { family: DnsFamily; signal: AbortSignal }) =>
    new Promise<readonly DnsAddress[]>((resolve, reject) => {
      calls.push({ host, family, signal, resolve, reject })
    })
  return { calls, lookup }
}

/** A lookup answering from a table the test edits, counting calls per name. */
const tableLookup = (table: Record<string, readonly DnsAddress[] | Error>) => {
  const counts = new Map<string, number>()
  const lookup = async (host: string) => {
    counts.set(host, (counts.get(host) ?? 0) + 1)
    const answer = table[host]
    if (answer === undefined)
      throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    if (answer instanceof Error) throw answer
    return answer
  }
  return { counts, lookup }
}

const manualClock = () => ({
  t: 1_000,
  now() {
    return this.t
  },
})

/** Let every settled lookup's handlers run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

const coded = (code: string) => Object.assign(new Error(`lookup failed: ${code}`), { code })

// Every failure must reach a listener, never the process: any unhandled rejection fails the suite.
const unhandled: unknown[] = []
const trap = (reason: unknown) => unhandled.push(reason)
before(() => process.on('unhandledRejection', trap))
after(() => {
  process.off('unhandledRejection', trap)
  assert.deepEqual(unhandled, [], 'no unhandled rejection during the DNS tests')
})

describe('createDnsTable: learning names', () => {
  test('an unknown name stays itself, a background lookup learns it, and the keyer memo drops it', async () => {
    const { calls, lookup } = manualLookup()
    const dns = createDnsTable({ lookup })
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    assert.equal(keyer('Redis-1.Internal', 6379), 'redis-1.internal:6379')
    assert.equal(keyer('redis-1.internal', 6379), 'redis-1.internal:6379')
    assert.equal(calls.length, 0, 'the lookup starts after the key function returned')
    await flush()
    assert.equal(calls.length, 1, 'one lookup for two spellings')
    assert.equal(calls[0]?.host, 'redis-1.internal', 'looked up in canonical form')
    assert.equal(calls[0]?.family, 'any')
    calls[0]?.resolve([{ address: '10.0.0.5', ttl: 60 }])
    await flush()
    // Both memo entries (two raw spellings, one canonical host) are dropped and recomputed.
    const before = keyer.stats().misses
    assert.equal(keyer('Redis-1.Internal', 6379), '10.0.0.5:6379')
    assert.equal(keyer('redis-1.internal', 6379), '10.0.0.5:6379')
    assert.equal(keyer.stats().misses, before + 2)
    assert.equal(keyer('10.0.0.5', 6379), '10.0.0.5:6379')
    assert.equal(calls.length, 1, 'no lookup for an IP address')
    dns.close()
  })

  test('IP addresses and localhost names are never looked up', async () => {
    const { calls, lookup } = manualLookup()
    const dns = createDnsTable({ lookup })
    const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
    assert.equal(keyer('127.0.0.1', 1), '127.0.0.1:1')
    assert.equal(keyer('0x7f.1', 1), '127.0.0.1:1')
    assert.equal(keyer('::1', 1), '[::1]:1')
    assert.equal(keyer('[fe80::1%eth0]:1'), '[fe80::1%eth0]:1')
    assert.equal(keyer('LOCALHOST', 1), '127.0.0.1:1')
    assert.equal(keyer('a.localhost.', 1), '127.0.0.1:1')
    assert.deepEqual(await dns.prime(['127.0.0.1', '::1', 'localhost']), ['127.0.0.1', '::1', undefined])
    assert.equal(calls.length, 0)
    dns.close()
  })

  test('lazy: false learns only through prime and keyAsync', async () => {
    const { counts, lookup } = tableLookup({ 'a.test': [{ address: '127.0.0.2', ttl: 60 }] })
    const dns = createDnsTable({ lookup, lazy: false })
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    assert.equal(keyer('a.test', 1), 'a.test:1')
    await flush()
    assert.equal(counts.size, 0)
    assert.deepEqual(await dns.prime(['A.TEST']), ['127.0.0.2'])
    assert.equal(keyer('a.test', 1), '127.0.0.2:1')
    assert.equal(await dns.keyAsync('a.test', 2, keyer), '127.0.0.2:2')
    assert.equal(counts.get('a.test'), 1)
    dns.close()
  })

  test('prime keeps input order and rejects a host that is not one with a typed error', async () => {
    const { lookup } = tableLookup({
      'a.test': [{ address: '127.0.0.2' }],
      'b.test': [{ address: '::1' }],
    })
    const dns = createDnsTable({ lookup })
    assert.deepEqual(await dns.prime(['b.test', 'missing.test', 'a.test']), ['::1', undefined, '127.0.0.2'])
    await assert.rejects(dns.prime(['a..test']), InvalidHostError)
    await assert.rejects(dns.prime('a.test' as unknown as string[]), TypeError)
    dns.close()
  })

  test('keyAsync resolves first, then keys with the keyer it is given; a keyer is required', async () => {
    const { counts, lookup } = tableLookup({ 'a.test': [{ address: '127.0.0.2' }] })
    const dns = createDnsTable({ lookup })
    const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
    assert.equal(await dns.keyAsync('A.test', '6379', keyer), '127.0.0.2:6379')
    assert.equal(await dns.keyAsync('localhost', 6379, keyer), '127.0.0.1:6379')
    assert.equal(await dns.keyAsync('nowhere.test', 6379, keyer), 'nowhere.test:6379')
    await assert.rejects(dns.keyAsync('a.test', 0, keyer), { code: 'ERR_NODE_KEY_INVALID_PORT' })
    await assert.rejects(dns.keyAsync('a b', 1, keyer), InvalidHostError)
    await assert.rejects(dns.keyAsync('a.test', 1, undefined as never), /Expected the keyer of keyAsync/)
    assert.equal(counts.get('a.test'), 1)
    assert.equal(counts.has('localhost'), false)
    dns.close()
  })
})

describe('createDnsTable: TTL', () => {
  test('an answer is served until 90% of its TTL, refreshed on use after, and a change reaches keyer and listeners', async () => {
    const clock = manualClock()
    const table: Record<string, DnsAddress[]> = { 'a.test': [{ address: '10.0.0.1', ttl: 10 }] }
    const { counts, lookup } = tableLookup(table)
    const dns = createDnsTable({ lookup, clock })
    const events: DnsEvent[] = []
    dns.onChange((event) => events.push(event))
    const keyer = createNodeKeyer({ resolver: dns.resolver, cacheSize: 0 })
    await dns.prime(['a.test'])
    assert.equal(keyer('a.test', 1), '10.0.0.1:1')
    table['a.test'] = [{ address: '10.0.0.2', ttl: 10 }]
    clock.t += 8_999
    assert.equal(keyer('a.test', 1), '10.0.0.1:1')
    await flush()
    assert.equal(counts.get('a.test'), 1, 'no refresh before 90% of the TTL')
    clock.t += 1
    // The old identity is served while the refresh is in flight: keys never flip to the name.
    assert.equal(keyer('a.test', 1), '10.0.0.1:1')
    await flush()
    assert.equal(counts.get('a.test'), 2)
    assert.equal(keyer('a.test', 1), '10.0.0.2:1')
    assert.deepEqual(
      events.map((e) => e.type === 'change' && [e.previous, e.identity, e.reason]),
      [
        [undefined, '10.0.0.1', 'answer'],
        ['10.0.0.1', '10.0.0.2', 'answer'],
      ],
    )
    dns.close()
  })

  test('TTLs are clamped to minTtl and maxTtl, and an answer without one lives defaultTtl', async () => {
    const clock = manualClock()
    const { counts, lookup } = tableLookup({
      'zero.test': [{ address: '10.0.0.1', ttl: 0 }],
      'huge.test': [{ address: '10.0.0.2', ttl: 1e9 }],
      'none.test': [{ address: '10.0.0.3' }],
    })
    const dns = createDnsTable({ lookup, clock, minTtl: 2, maxTtl: 100, defaultTtl: 20 })
    const primed = clock.t
    await dns.prime(['zero.test', 'huge.test', 'none.test'])
    /** Seconds after the prime when a use first refreshes the name: 90% of its clamped TTL. */
    const refreshedAfter = async (host: string): Promise<number> => {
      for (let tenths = 0; tenths <= 2_000; tenths++) {
        clock.t = primed + tenths * 100
        dns.resolver({ host, port: 1 })
        await flush()
        if (counts.get(host) !== 1) return tenths / 10
      }
      return Number.POSITIVE_INFINITY
    }
    assert.equal(await refreshedAfter('zero.test'), 1.8)
    assert.equal(await refreshedAfter('none.test'), 18)
    assert.equal(await refreshedAfter('huge.test'), 90)
    dns.close()
  })
})

describe('createDnsTable: refresh behind a memoizing keyer', () => {
  // A memo hit never reaches the resolver; the resolver tells the keyer when an answer falls due, so the
  // next use misses the memo and refreshes the name. Real time, short TTLs: the sweep runs on timers.
  test('a changed answer reaches a memoizing keyer after the TTL, with one lookup per TTL', async () => {
    const table: Record<string, DnsAddress[]> = { 'a.test': [{ address: '10.0.0.1', ttl: 0.2 }] }
    const { counts, lookup } = tableLookup(table)
    const dns = createDnsTable({ lookup, minTtl: 0 })
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    // Taken before the answer arrives: the refresh cannot come before 90% of 200 ms after it.
    const started = performance.now()
    await dns.prime(['a.test'])
    assert.equal(keyer('a.test', 1), '10.0.0.1:1')
    table['a.test'] = [{ address: '10.0.0.2', ttl: 0.2 }]
    let key = keyer('a.test', 1)
    while (key === '10.0.0.1:1' && performance.now() - started < 3_000) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      key = keyer('a.test', 1)
    }
    const elapsed = performance.now() - started
    assert.equal(key, '10.0.0.2:1')
    assert.ok(elapsed >= 179 && elapsed < 2_000, `changed after ${Math.round(elapsed)} ms`)
    assert.ok((counts.get('a.test') ?? 0) <= 3, `${counts.get('a.test')} lookups`)
    dns.close()
  })

  test('a name that did not exist is asked again after negativeTtl, also behind the memo', async () => {
    const table: Record<string, DnsAddress[]> = {}
    const { counts, lookup } = tableLookup(table)
    const dns = createDnsTable({ lookup, negativeTtl: 0.2 })
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    assert.equal(await dns.keyAsync('late.test', 1, keyer), 'late.test:1')
    table['late.test'] = [{ address: '10.0.0.3', ttl: 60 }]
    const started = performance.now()
    let key = keyer('late.test', 1)
    while (key === 'late.test:1' && performance.now() - started < 3_000) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      key = keyer('late.test', 1)
    }
    assert.equal(key, '10.0.0.3:1')
    assert.equal(counts.get('late.test'), 2)
    dns.close()
  })
})

describe('createDnsTable: single flight', () => {
  test('1,000 concurrent resolver, prime and keyAsync calls for one name make one lookup', async () => {
    const { calls, lookup } = manualLookup()
    const dns = createDnsTable({ lookup })
    const keyer = createNodeKeyer({ resolver: dns.resolver, cacheSize: 0 })
    const pending: Promise<string>[] = []
    for (let i = 0; i < 1_000; i++) {
      if (i % 3 === 0) pending.push(dns.keyAsync('One.Test', 7000 + (i % 7), keyer))
      else if (i % 3 === 1) pending.push(dns.prime(['one.test']).then(([identity]) => String(identity)))
      else keyer('one.test', 7000)
    }
    await flush()
    assert.equal(calls.length, 1)
    calls[0]?.resolve([
      { address: '::1', ttl: 30 },
      { address: '127.0.0.3', ttl: 30 },
    ])
    const results = await Promise.all(pending)
    assert.equal(calls.length, 1)
    // IPv4 before IPv6 for 'any'; every caller saw the same answer.
    assert.deepEqual(
      new Set(results),
      new Set(['127.0.0.3', ...[0, 1, 2, 3, 4, 5, 6].map((p) => `127.0.0.3:${7000 + p}`)]),
    )
    assert.equal(results.filter((r) => r.startsWith('127.0.0.3:')).length, 334)
    assert.equal(keyer('one.test', 7000), '127.0.0.3:7000')
    dns.close()
  })
})

describe('createDnsTable: negative caching and failures', () => {
  test('a name that does not exist is remembered for negativeTtl and reported', async () => {
    const clock = manualClock()
    const { counts, lookup } = tableLookup({ 'empty.test': [] })
    const dns = createDnsTable({ lookup, clock, negativeTtl: 5 })
    const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
    const events: DnsEvent[] = []
    dns.onChange((event) => events.push(event))
    assert.deepEqual(await dns.prime(['gone.test', 'empty.test']), [undefined, undefined])
    for (let i = 0; i < 50; i++) {
      clock.t += 99
      dns.resolver({ host: 'gone.test', port: 1 })
      await dns.keyAsync('empty.test', 1, keyer)
    }
    assert.equal(counts.get('gone.test'), 1)
    assert.equal(counts.get('empty.test'), 1)
    clock.t += 100
    dns.resolver({ host: 'gone.test', port: 1 })
    await flush()
    assert.equal(counts.get('gone.test'), 2)
    assert.deepEqual(
      events.map((e) => e.type === 'error' && [e.host, e.notFound, (e.error as { code?: string }).code]),
      [
        ['gone.test', true, 'ENOTFOUND'],
        ['empty.test', true, 'ENODATA'],
        ['gone.test', true, 'ENOTFOUND'],
      ],
    )
    dns.close()
  })

  test('a name that disappears loses its identity at once (NXDOMAIN is an answer, not an outage)', async () => {
    const clock = manualClock()
    const table: Record<string, DnsAddress[]> = { 'a.test': [{ address: '10.0.0.1', ttl: 1 }] }
    const { lookup } = tableLookup(table)
    const dns = createDnsTable({ lookup, clock })
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    const events: DnsEvent[] = []
    dns.onChange((event) => events.push(event))
    await dns.prime(['a.test'])
    assert.equal(keyer('a.test', 1), '10.0.0.1:1')
    delete table['a.test']
    clock.t += 2_000
    await dns.keyAsync('a.test', 1, keyer)
    assert.equal(keyer('a.test', 1), 'a.test:1')
    const change = events.at(-1)
    assert.equal(change?.type === 'change' && change.reason, 'not-found')
    dns.close()
  })

  test('stale-if-error: the last answer is served while lookups fail, then dropped', async () => {
    const clock = manualClock()
    const table: Record<string, DnsAddress[] | Error> = { 'a.test': [{ address: '10.0.0.1', ttl: 10 }] }
    const { counts, lookup } = tableLookup(table)
    const dns = createDnsTable({ lookup, clock, staleIfError: 60, negativeTtl: 5 })
    const keyer = createNodeKeyer({ resolver: dns.resolver, cacheSize: 0 })
    const events: DnsEvent[] = []
    dns.onChange((event) => events.push(event))
    await dns.prime(['a.test'])
    table['a.test'] = coded('ESERVFAIL')
    clock.t += 10_000
    assert.equal(await dns.keyAsync('a.test', 1, keyer), '10.0.0.1:1', 'stale while the server fails')
    const failure = events.at(-1)
    assert.equal(failure?.type, 'error')
    assert.equal(failure?.type === 'error' && failure.identity, '10.0.0.1')
    assert.equal(failure?.type === 'error' && failure.notFound, false)
    // Retries wait negativeTtl; the answer stays until 60 s after its expiry.
    clock.t += 4_000
    assert.equal(keyer('a.test', 1), '10.0.0.1:1')
    await flush()
    assert.equal(counts.get('a.test'), 2)
    clock.t += 55_000
    assert.equal(keyer('a.test', 1), '10.0.0.1:1')
    await flush()
    assert.equal(counts.get('a.test'), 3)
    assert.equal(keyer('a.test', 1), '10.0.0.1:1', 'still within staleIfError at 59 s past expiry')
    // Past staleIfError a use tries once more, within negativeTtl of the last try, and the answer goes.
    clock.t += 2_000
    assert.equal(keyer('a.test', 1), '10.0.0.1:1')
    await flush()
    assert.equal(counts.get('a.test'), 4)
    assert.equal(keyer('a.test', 1), 'a.test:1', 'dropped once a failure comes after staleIfError')
    const last = events.at(-1)
    assert.equal(last?.type === 'change' && last.reason, 'stale-expired')
    // The server comes back: fresh answers again.
    table['a.test'] = [{ address: '10.0.0.9', ttl: 10 }]
    clock.t += 5_000
    assert.equal(await dns.keyAsync('a.test', 1, keyer), '10.0.0.9:1')
    dns.close()
  })

  test('staleIfError 0 drops the answer at the first failed refresh', async () => {
    const clock = manualClock()
    const table: Record<string, DnsAddress[] | Error> = { 'a.test': [{ address: '10.0.0.1', ttl: 10 }] }
    const { lookup } = tableLookup(table)
    const dns = createDnsTable({ lookup, clock, staleIfError: 0 })
    const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
    await dns.prime(['a.test'])
    table['a.test'] = coded('ETIMEOUT')
    clock.t += 10_000
    assert.equal(await dns.keyAsync('a.test', 1, keyer), 'a.test:1')
    dns.close()
  })

  test('bad answers, throwing lookups and throwing listeners are reported, never unhandled', async () => {
    const answers: unknown[] = ['not an array', [{ address: 'not an ip' }, null, 42], [{ address: '::1' }]]
    const lookups = [
      () => {
        throw new Error('synchronous throw')
      },
      () => Promise.reject('a string, not an error'),
      ...answers.map((answer) => () => answer as DnsAddress[]),
    ]
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      for (const [index, lookup] of lookups.entries()) {
        const dns = createDnsTable({ lookup, family: 4 })
        const events: DnsEvent[] = []
        dns.onChange(() => {
          throw new Error('a listener that throws')
        })
        dns.onChange((event) => events.push(event))
        assert.deepEqual(await dns.prime(['a.test']), [undefined], `lookup ${index}`)
        assert.equal(events.length, 1, `lookup ${index}`)
        const [event] = events
        assert.equal(event?.type, 'error')
        assert.ok(event?.type === 'error' && event.error instanceof Error)
        assert.equal(event?.type === 'error' && event.notFound, false)
        dns.close()
      }
      await flush()
      assert.equal(warnings.filter((w) => w.message === 'a listener that throws').length, lookups.length)
    } finally {
      process.off('warning', onWarning)
    }
  })

  test('a lookup that hangs times out, is aborted and reported', async () => {
    const { calls, lookup } = manualLookup()
    const dns = createDnsTable({ lookup, timeout: 0.05 })
    const events: DnsEvent[] = []
    dns.onChange((event) => events.push(event))
    const started = performance.now()
    assert.deepEqual(await dns.prime(['hang.test']), [undefined])
    assert.ok(performance.now() - started < 2_000)
    assert.equal(calls[0]?.signal.aborted, true)
    assert.equal(events[0]?.type === 'error' && (events[0].error as { code?: string }).code, 'ETIMEOUT')
    // The lookup answering late changes nothing.
    calls[0]?.resolve([{ address: '10.0.0.1' }])
    await flush()
    assert.equal(dns.resolver({ host: 'hang.test', port: 1 }), undefined)
    dns.close()
  })
})

describe('createDnsTable: identity of several addresses', () => {
  test('the lowest address by numeric value, IPv4 before IPv6, whatever the order of the answer', async () => {
    const answer = [
      { address: '::1', ttl: 30 },
      { address: '10.0.0.10', ttl: 30 },
      { address: '0:0::2', ttl: 30 },
      { address: '10.0.0.9', ttl: 30 },
    ]
    const expected: [DnsFamily, string][] = [
      ['any', '10.0.0.9'],
      [4, '10.0.0.9'],
      [6, '::1'],
    ]
    for (const [family, identity] of expected) {
      for (const order of [answer, [...answer].reverse()]) {
        const dns = createDnsTable({ lookup: () => order, family })
        assert.deepEqual(await dns.prime(['multi.test']), [identity], `family ${family}`)
        dns.close()
      }
    }
    const v6 = createDnsTable({
      lookup: () => [{ address: '::a' }, { address: '::9' }, { address: '::1:0' }],
    })
    assert.deepEqual(await v6.prime(['v6.test']), ['::9'])
    v6.close()
  })

  test('round-robin: the identity stays while it is among the answers, then moves to the lowest', async () => {
    const clock = manualClock()
    const rotations = [
      ['10.0.0.2', '10.0.0.3', '10.0.0.1'],
      ['10.0.0.3', '10.0.0.1', '10.0.0.2'],
      ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
    ]
    let round = 0
    let current = rotations[0] as string[]
    const lookup = () => current.map((address) => ({ address, ttl: 1 }))
    const dns = createDnsTable({ lookup, clock })
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    const changes: DnsEvent[] = []
    dns.onChange((event) => changes.push(event))
    await dns.prime(['rr.test'])
    assert.equal(keyer('rr.test', 1), '10.0.0.1:1')
    // A pool member that is not the identity joins and leaves: the key holds.
    for (round = 0; round < 30; round++) {
      current = rotations[round % 3] as string[]
      if (round === 10) current = ['10.0.0.4', ...current]
      if (round === 20) current = current.filter((a) => a !== '10.0.0.2')
      clock.t += 1_000
      assert.equal(await dns.keyAsync('rr.test', 1, keyer), '10.0.0.1:1', `round ${round}`)
    }
    assert.equal(changes.length, 1)
    current = ['10.0.0.3', '10.0.0.2']
    clock.t += 1_000
    assert.equal(await dns.keyAsync('rr.test', 1, keyer), '10.0.0.2:1')
    current = ['10.0.0.3', '10.0.0.1', '10.0.0.2']
    clock.t += 1_000
    assert.equal(await dns.keyAsync('rr.test', 1, keyer), '10.0.0.2:1', 'no flip back to the lowest')
    dns.close()
  })
})

describe('createDnsTable: bounds and lifecycle', () => {
  test('the table holds at most max names; an evicted identity is dropped from the keyer too', async () => {
    const { lookup } = tableLookup(
      Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [`n${i}.test`, [{ address: `10.0.1.${i}`, ttl: 60 }]]),
      ),
    )
    const dns = createDnsTable({ lookup, max: 3 })
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    const events: DnsEvent[] = []
    dns.onChange((event) => events.push(event))
    await dns.prime(['n0.test', 'n1.test', 'n2.test'])
    assert.equal(keyer('n0.test', 1), '10.0.1.0:1')
    // n0 was used last: n1 goes first.
    await dns.prime(['n3.test'])
    assert.equal(keyer('n1.test', 1), 'n1.test:1')
    assert.equal(keyer('n0.test', 1), '10.0.1.0:1')
    const evicted = events.filter((e) => e.type === 'change' && e.reason === 'evicted').map((e) => e.host)
    assert.deepEqual(evicted.slice(0, 1), ['n1.test'])
    await dns.prime(Array.from({ length: 10 }, (_, i) => `n${i}.test`))
    await flush()
    // Evictions happen while the primes are in flight; at most max names are known at any time.
    let known = 0
    for (let i = 0; i < 10; i++) if (dns.resolver({ host: `n${i}.test`, port: 1 }) !== undefined) known++
    assert.ok(known <= 3, `${known} names known`)
    dns.close()
  })

  test('lookups in flight are bounded by concurrency, not by max; every name waits its turn', async () => {
    // Each lookup answers after a few milliseconds; the peak of lookups running at once is counted.
    let running = 0
    let peak = 0
    const looked = new Map<string, number>()
    const lookup = async (host: string) => {
      looked.set(host, (looked.get(host) ?? 0) + 1)
      running++
      peak = Math.max(peak, running)
      await new Promise((resolve) => setTimeout(resolve, 2))
      running--
      return [{ address: `10.1.${Number(host.slice(1, -5)) >> 8}.${Number(host.slice(1, -5)) & 255}` }]
    }
    const dns = createDnsTable({ lookup })
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    const names = Array.from({ length: 1_000 }, (_, i) => `h${i}.test`)
    for (const name of names) assert.equal(keyer(name, 1), `${name}:1`)
    assert.deepEqual(dns.stats(), { names: 1_000, lookups: 32, queued: 968 })
    const started = performance.now()
    while (dns.stats().lookups + dns.stats().queued > 0 && performance.now() - started < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    assert.equal(peak, 32, 'the default concurrency')
    assert.equal(looked.size, 1_000, 'no name was dropped for want of a turn')
    assert.ok(
      [...looked.values()].every((count) => count === 1),
      'one lookup per name',
    )
    assert.equal(keyer('h0.test', 1), '10.1.0.0:1')
    assert.equal(keyer('h999.test', 1), '10.1.3.231:1')
    dns.close()

    const { calls, lookup: manual } = manualLookup()
    const small = createDnsTable({ lookup: manual, max: 20, concurrency: 3 })
    for (let i = 0; i < 10; i++) small.resolver({ host: `q${i}.test`, port: 1 })
    await flush()
    assert.deepEqual(
      calls.map((call) => call.host),
      ['q0.test', 'q1.test', 'q2.test'],
    )
    assert.deepEqual(small.stats(), { names: 10, lookups: 3, queued: 7 })
    // First come, first served: each finished lookup lets the next name in.
    calls[1]?.resolve([{ address: '10.0.0.1' }])
    await flush()
    assert.deepEqual(
      calls.map((call) => call.host),
      ['q0.test', 'q1.test', 'q2.test', 'q3.test'],
    )
    calls[0]?.reject(coded('ESERVFAIL'))
    calls[2]?.resolve([])
    await flush()
    assert.equal(calls.length, 6)
    assert.deepEqual(small.stats(), { names: 10, lookups: 3, queued: 4 })
    small.close()
    await flush()
    // What was learned stays (one address, two names without one); what was in flight or waiting is gone.
    assert.deepEqual(small.stats(), { names: 3, lookups: 0, queued: 0 })
  })

  test('a name that arrives while lookups are saturated gets its IP key once they clear, through a keyer', async () => {
    const { calls, lookup } = manualLookup()
    const dns = createDnsTable({ lookup, concurrency: 2 })
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    assert.equal(keyer('busy-1.test', 6379), 'busy-1.test:6379')
    assert.equal(keyer('busy-2.test', 6379), 'busy-2.test:6379')
    // Both turns are taken: this name waits. The keyer memoizes it as itself for now.
    assert.equal(keyer('late.test', 6379), 'late.test:6379')
    assert.equal(keyer('late.test', 6379), 'late.test:6379')
    await flush()
    assert.deepEqual(
      calls.map((call) => call.host),
      ['busy-1.test', 'busy-2.test'],
    )
    // The saturation clears; the waiting name is looked up, and the keyer drops its memo entry.
    calls[0]?.resolve([{ address: '10.0.0.1' }])
    calls[1]?.reject(coded('ETIMEOUT'))
    await flush()
    assert.equal(calls[2]?.host, 'late.test')
    calls[2]?.resolve([{ address: '10.0.0.3', ttl: 60 }])
    await flush()
    assert.equal(keyer('late.test', 6379), '10.0.0.3:6379')
    assert.equal(keyer('LATE.test:6379'), '10.0.0.3:6379')
    assert.equal(keyer('busy-1.test', 6379), '10.0.0.1:6379')
    dns.close()
  })

  test('a name that leaves the table while it waits is forgotten by the keyer, and filed again on use', async () => {
    const { calls, lookup } = manualLookup()
    const dns = createDnsTable({ lookup, concurrency: 1, max: 3 })
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    const hosts = () => calls.map((call) => call.host)
    keyer('a.test', 1) // runs
    keyer('b.test', 1) // waits
    keyer('c.test', 1) // waits
    await flush()
    assert.deepEqual(hosts(), ['a.test'])
    dns.resolver({ host: 'a.test', port: 1 }) // a use: b.test is now the least recently used
    keyer('d.test', 1) // the table is full: b.test leaves before its turn came
    await flush()
    assert.deepEqual(dns.stats(), { names: 3, lookups: 1, queued: 2 })
    const misses = keyer.stats().misses
    // The keyer forgot b.test: its next use reaches the table, which files it again (and c.test leaves).
    assert.equal(keyer('b.test', 1), 'b.test:1')
    assert.equal(keyer.stats().misses, misses + 1)
    await flush()
    calls[0]?.resolve([{ address: '10.0.0.1' }])
    await flush()
    calls[1]?.resolve([{ address: '10.0.0.4' }])
    await flush()
    calls[2]?.resolve([{ address: '10.0.0.2' }])
    await flush()
    assert.deepEqual(hosts(), ['a.test', 'd.test', 'b.test'])
    assert.equal(keyer('b.test', 1), '10.0.0.2:1')
    assert.equal(keyer('d.test', 1), '10.0.0.4:1')
    // c.test left while it waited: forgotten too, so this use files it again instead of keying it for good.
    assert.equal(keyer('c.test', 1), 'c.test:1')
    await flush()
    assert.equal(calls[3]?.host, 'c.test')
    assert.equal(calls[0]?.signal.aborted, false)
    dns.close()
    assert.equal(calls[3]?.signal.aborted, true)
  })

  test('close aborts lookups in flight, silences listeners and keeps answering what was learned', async () => {
    const { calls, lookup } = manualLookup()
    const dns = createDnsTable({ lookup })
    const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
    const events: DnsEvent[] = []
    dns.onChange((event) => events.push(event))
    const primed = dns.prime(['a.test'])
    await flush()
    calls[0]?.resolve([{ address: '10.0.0.1' }])
    await primed
    dns.resolver({ host: 'b.test', port: 1 })
    await flush()
    assert.equal(calls.length, 2)
    dns.close()
    assert.equal(calls[1]?.signal.aborted, true)
    calls[1]?.resolve([{ address: '10.0.0.2' }])
    await flush()
    assert.deepEqual(dns.resolver({ host: 'a.test', port: 1 }), { host: '10.0.0.1', port: 1 })
    assert.equal(dns.resolver({ host: 'b.test', port: 1 }), undefined)
    dns.resolver({ host: 'c.test', port: 1 })
    await flush()
    assert.equal(calls.length, 2, 'no lookup after close')
    assert.equal(events.length, 1)
    await assert.rejects(dns.prime(['a.test']), /closed/)
    await assert.rejects(dns.keyAsync('a.test', 1, keyer), /closed/)
  })

  test('close during a refresh keeps the answer being refreshed, and settles whoever waits for it', async () => {
    const clock = manualClock()
    const { calls, lookup } = manualLookup()
    const dns = createDnsTable({ lookup, clock })
    const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
    const primed = dns.prime(['a.test'])
    await flush()
    calls[0]?.resolve([{ address: '10.0.0.1', ttl: 10 }])
    await primed
    clock.t += 11_000 // expired: a use starts a refresh, and keyAsync waits for it
    const waiting = dns.keyAsync('a.test', 1, keyer)
    await flush()
    assert.equal(calls.length, 2)
    dns.close()
    assert.equal(calls[1]?.signal.aborted, true)
    assert.equal(await waiting, '10.0.0.1:1', 'the waiting call settles with the last answer')
    assert.deepEqual(dns.resolver({ host: 'a.test', port: 1 }), { host: '10.0.0.1', port: 1 })
    assert.deepEqual(dns.stats(), { names: 1, lookups: 0, queued: 0 })
  })

  test('background work does not keep the process alive; a lookup someone awaits does, until its timeout', async () => {
    // getActiveResourcesInfo lists what keeps the event loop alive; unref'd timers are not in it.
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const { calls, lookup } = manualLookup()
    const dns = createDnsTable({ lookup, timeout: 600, minTtl: 0 })
    const base = timeouts()
    for (let i = 0; i < 20; i++) dns.resolver({ host: `bg${i}.test`, port: 1 })
    await flush()
    assert.equal(calls.length, 20)
    assert.equal(timeouts(), base, 'background lookups hold no ref')
    const awaited = dns.prime(['bg0.test'])
    await flush()
    assert.equal(timeouts(), base + 1, 'an awaited lookup holds its timeout')
    calls[0]?.resolve([{ address: '10.0.0.1', ttl: 0.05 }])
    await awaited
    // The sweep that announces the refresh is scheduled, and unref'd too.
    assert.equal(timeouts(), base)
    dns.close()
    assert.equal(timeouts(), base)
  })

  test('a lookup awaited while it waits its turn holds the process only once it runs', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const { calls, lookup } = manualLookup()
    const dns = createDnsTable({ lookup, timeout: 600, concurrency: 1 })
    const base = timeouts()
    dns.resolver({ host: 'first.test', port: 1 })
    const awaited = dns.prime(['second.test'])
    await flush()
    assert.deepEqual(dns.stats(), { names: 2, lookups: 1, queued: 1 })
    assert.equal(timeouts(), base, 'the running lookup is background work; the waiting one has no timer yet')
    calls[0]?.resolve([{ address: '10.0.0.1' }])
    await flush()
    assert.equal(calls[1]?.host, 'second.test')
    assert.equal(timeouts(), base + 1, "its timeout runs from its turn, ref'd for the caller awaiting it")
    calls[1]?.resolve([{ address: '10.0.0.2' }])
    assert.deepEqual(await awaited, ['10.0.0.2'])
    assert.equal(timeouts(), base)
    dns.close()
  })

  test('unsubscribing stops events; a keyer can be closed', async () => {
    const { lookup } = tableLookup({ 'a.test': [{ address: '10.0.0.1' }] })
    const dns = createDnsTable({ lookup })
    const events: DnsEvent[] = []
    const stop = dns.onChange((event) => events.push(event))
    stop()
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    assert.equal(keyer('a.test', 1), 'a.test:1')
    keyer.close()
    await dns.prime(['a.test'])
    assert.equal(keyer('a.test', 1), 'a.test:1', 'a closed keyer keeps its memo')
    assert.equal(events.length, 0)
    dns.close()
  })
})

describe('createDnsTable: options', () => {
  const bad: [string, unknown][] = [
    ['family', 5],
    ['minTtl', -1],
    ['maxTtl', Number.NaN],
    ['negativeTtl', '5'],
    ['staleIfError', Number.POSITIVE_INFINITY],
    ['defaultTtl', null],
    ['timeout', 0],
    ['max', 0],
    ['max', 1.5],
    ['concurrency', 0],
    ['concurrency', 2.5],
    ['concurrency', '32'],
    ['lazy', 'no'],
    ['clock', {}],
    ['lookup', 'dns'],
    ['servers', []],
    ['servers', ['not a server']],
    ['servers', '127.0.0.1'],
  ]
  for (const [name, value] of bad) {
    test(`${name}: ${String(value)} is a TypeError that names the option`, () => {
      assert.throws(
        () => createDnsTable({ [name]: value }),
        (error: unknown) => {
          assert.ok(error instanceof TypeError)
          assert.match(error.message, new RegExp(`\`${name}\``))
          return true
        },
      )
    })
  }
  test('maxTtl below minTtl, lookup with servers, and non-object options are TypeErrors', () => {
    assert.throws(() => createDnsTable({ minTtl: 10, maxTtl: 5 }), TypeError)
    assert.throws(() => createDnsTable({ lookup: () => [], servers: ['127.0.0.1'] }), TypeError)
    assert.throws(() => createDnsTable(null as never), TypeError)
    assert.throws(() => createDnsTable({}).onChange('x' as never), TypeError)
  })
  test('the default lookups can be made and closed without a query', () => {
    createDnsTable().close()
    createDnsTable({ servers: ['127.0.0.1:5353', '[::1]:53'] }).close()
  })
})

test('close() settles a keyAsync whose lookup never answers', async () => {
  const dns = createDnsTable({ lookup: () => new Promise<DnsAddress[]>(() => {}), timeout: 5 })
  const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
  const waiting = dns.keyAsync('stuck.test', 6379, keyer)
  setTimeout(() => dns.close(), 20)
  const outcome = await Promise.race([
    waiting.then(
      (key) => `settled ${key}`,
      () => 'settled with an error',
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 1000).unref()),
  ])
  assert.notEqual(outcome, 'still waiting')
})

test('status() tells a name state, what it stands for, and why a lookup left it unresolved', async () => {
  const clock = manualClock()
  const table: Record<string, readonly DnsAddress[] | Error> = { 'a.test': coded('ESERVFAIL') }
  const { lookup } = tableLookup(table)
  const { calls, lookup: slow } = manualLookup()
  const dns = createDnsTable({ lookup, clock, negativeTtl: 5 })
  assert.deepEqual(dns.status('a.test'), { state: 'unknown', identity: undefined, addresses: [] })
  assert.deepEqual(await dns.prime(['a.test', 'gone.test']), [undefined, undefined])
  const failed = dns.status('A.Test')
  assert.equal(failed.state, 'fresh')
  assert.equal(failed.identity, undefined)
  assert.equal((failed.error as { code?: unknown } | undefined)?.code, 'ESERVFAIL')
  assert.equal(failed.notFound, false)
  assert.equal(dns.status('gone.test').notFound, true)
  // The next answer clears the error; a due name says so.
  table['a.test'] = [{ address: '10.0.0.1', ttl: 10 }]
  clock.t += 6_000
  assert.equal(dns.status('a.test').state, 'due')
  assert.deepEqual(await dns.prime(['a.test']), ['10.0.0.1'])
  assert.deepEqual(dns.status('a.test'), { state: 'fresh', identity: '10.0.0.1', addresses: ['10.0.0.1'] })
  assert.throws(() => dns.status('a b'), InvalidHostError)
  dns.close()
  // A lookup that runs is 'looking-up'.
  const waiting = createDnsTable({ lookup: slow })
  waiting.resolver({ host: 'b.test', port: 1 })
  await flush()
  assert.equal(waiting.status('b.test').state, 'looking-up')
  calls[0]?.resolve([{ address: '10.0.0.2' }])
  await flush()
  assert.equal(waiting.status('b.test').identity, '10.0.0.2')
  waiting.close()
})
