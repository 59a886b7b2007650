import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createDnsTable, type DnsEvent, type DnsTable } from '../../src/dns/index.ts'
import { createNodeKeyer } from '../../src/index.ts'
import { type DnsServer, type HostsRecord, skipUnlessDnsmasq, startDnsServer } from './dns-server.ts'

// The runner prints the reason as the one skip line.
const skip = skipUnlessDnsmasq()

const records: HostsRecord[] = [
  ['127.0.0.11', 'one.test'],
  ['127.0.0.13', 'two.test'],
  ['127.0.0.12', 'two.test'],
  ['::1', 'six.test'],
  ['127.0.0.14', 'dual.test'],
  ['::1', 'dual.test'],
  ['127.0.0.20', 'change.test'],
  // Names for the saturation test: more names than lookups may run at once.
  ...Array.from({ length: 24 }, (_, i) => [`127.0.1.${i + 1}`, `burst-${i}.test`] as const),
]

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Call `probe` every 50 ms until it returns `want` or `ms` pass; returns the last value and the time. */
const until = async <T>(probe: () => T, want: T, ms: number): Promise<{ value: T; elapsed: number }> => {
  const started = performance.now()
  let value = probe()
  while (value !== want && performance.now() - started < ms) {
    await sleep(50)
    value = probe()
  }
  return { value, elapsed: performance.now() - started }
}

describe('DNS identity against a real dnsmasq', { skip }, () => {
  let server: DnsServer
  let dns: DnsTable
  const events: DnsEvent[] = []

  before(async () => {
    server = await startDnsServer(records, 1)
    dns = createDnsTable({ servers: [server.address], timeout: 2, negativeTtl: 0.3 })
    dns.onChange((event) => events.push(event))
  })

  after(async () => {
    dns?.close()
    const pid = server?.pid
    await server?.dispose()
    if (pid !== undefined) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'dnsmasq is gone')
  })

  test('names in the test zone resolve to the right keys', async () => {
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    assert.deepEqual(await dns.prime(['one.test', 'TWO.test', 'six.test', 'dual.test', 'missing.test']), [
      '127.0.0.11',
      '127.0.0.12',
      '::1',
      '127.0.0.14',
      undefined,
    ])
    assert.equal(keyer('one.test', 7000), '127.0.0.11:7000')
    assert.equal(keyer('redis://ONE.TEST:7000'), '127.0.0.11:7000')
    assert.equal(keyer('127.0.0.11', 7000), '127.0.0.11:7000')
    assert.equal(keyer('two.test', 7000), '127.0.0.12:7000', 'the lowest of two addresses')
    assert.equal(keyer('six.test', 7000), '[::1]:7000')
    assert.equal(keyer('dual.test', 7000), '127.0.0.14:7000', 'IPv4 before IPv6')
    assert.equal(keyer('missing.test', 7000), 'missing.test:7000')
    const missing = events.find((e) => e.type === 'error' && e.host === 'missing.test')
    assert.equal(missing?.type === 'error' && missing.notFound, true)
    assert.equal(await dns.keyAsync('one.test', 7001, keyer), '127.0.0.11:7001')
  })

  test('a record changed in the hosts file gives a new identity after the TTL, and listeners hear it', async () => {
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    assert.equal(await dns.keyAsync('change.test', 7000, keyer), '127.0.0.20:7000')
    server.writeHosts(
      records.map(([address, ...names]) =>
        names.includes('change.test') ? ['127.0.0.21', ...names] : [address, ...names],
      ),
    )
    await server.reload()
    const changed = await until<string>(() => keyer('change.test', 7000), '127.0.0.21:7000', 10_000)
    assert.equal(changed.value, '127.0.0.21:7000')
    // The old answer lived its TTL (1 s, refreshed from 90% of it on use).
    assert.ok(changed.elapsed < 5_000, `changed after ${Math.round(changed.elapsed)} ms`)
    const change = events.find(
      (e) => e.type === 'change' && e.host === 'change.test' && e.previous === '127.0.0.20',
    )
    assert.equal(change?.type === 'change' && change.identity, '127.0.0.21')
    assert.equal(change?.type === 'change' && change.reason, 'answer')
  })

  test('names that arrive while lookups are saturated all get their IP keys once the lookups clear', async () => {
    // A resolver of its own on the same server, allowed two lookups at a time.
    const narrow = createDnsTable({ servers: [server.address], timeout: 2, concurrency: 2 })
    try {
      const keyer = createNodeKeyer({ resolver: narrow.resolver })
      const names = Array.from({ length: 24 }, (_, i) => `burst-${i}.test`)
      // Each name keys as itself at first, and the keyer memoizes that.
      for (const name of names) assert.equal(keyer(name, 7000), `${name}:7000`)
      const stats = narrow.stats()
      assert.equal(stats.names, 24)
      assert.equal(stats.lookups, 2)
      assert.equal(stats.queued, 22)
      let peak = 0
      const allKeyed = () => {
        peak = Math.max(peak, narrow.stats().lookups)
        return names.every((name, i) => keyer(name, 7000) === `127.0.1.${i + 1}:7000`)
      }
      const done = await until(allKeyed, true, 10_000)
      assert.equal(done.value, true, 'every name keys by its address through the same keyer')
      assert.ok(peak <= 2, `at most two lookups at once, saw ${peak}`)
      assert.deepEqual(narrow.stats(), { names: 24, lookups: 0, queued: 0 })
    } finally {
      narrow.close()
    }
  })

  test('dnsmasq stopped: stale answers are served and the failure reported; restarted: fresh answers', async () => {
    const keyer = createNodeKeyer({ resolver: dns.resolver })
    assert.equal(await dns.keyAsync('one.test', 7000, keyer), '127.0.0.11:7000')
    const pid = server.pid
    await server.stop()
    assert.ok(pid !== undefined)
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' })
    const failuresBefore = events.filter((e) => e.type === 'error' && e.host === 'one.test').length
    // Past the TTL every use still gets the old identity while the refreshes fail.
    const deadline = performance.now() + 3_000
    while (performance.now() < deadline) {
      assert.equal(keyer('one.test', 7000), '127.0.0.11:7000')
      await sleep(50)
    }
    const failures = events.filter((e) => e.type === 'error' && e.host === 'one.test').slice(failuresBefore)
    assert.ok(failures.length >= 2, `${failures.length} failures reported`)
    for (const failure of failures) {
      assert.equal(failure.type === 'error' && failure.notFound, false)
      assert.equal(failure.type === 'error' && failure.identity, '127.0.0.11', 'served stale')
    }
    // A name never learned stays itself while the server is down, and that is reported too.
    assert.equal(await dns.keyAsync('dual-down.test', 7000, keyer), 'dual-down.test:7000')
    assert.ok(events.some((e) => e.type === 'error' && e.host === 'dual-down.test' && !e.notFound))

    server.writeHosts(
      records.map(([address, ...names]) =>
        names.includes('one.test') ? ['127.0.0.15', ...names] : [address, ...names],
      ),
    )
    await server.start()
    assert.notEqual(server.pid, pid)
    const fresh = await until<string>(() => keyer('one.test', 7000), '127.0.0.15:7000', 10_000)
    assert.equal(fresh.value, '127.0.0.15:7000', 'fresh answers once the server is back')
  })
})
