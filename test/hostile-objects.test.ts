/**
 * Hostile objects and options, as an attacker would pass them: a revoked Proxy, getters that throw or answer
 * differently on every read, names on `Object.prototype`, numbers past every bound. Every public function
 * refuses them with a typed error or, for a predicate, a plain `false`; nothing crashes, and nothing is
 * read twice or through the prototype chain.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ioredisNatMapTable } from '../src/adapters/ioredis.ts'
import { createDnsTable, type DnsEvent } from '../src/dns/index.ts'
import {
  canonicalNodeKey,
  createNodeKeyer,
  isNodeKey,
  isNodeKeyError,
  isValidHost,
  isValidPort,
  loopbackResolver,
  parseAddress,
  staticResolver,
} from '../src/index.ts'
import { NodeMap } from '../src/node-map/index.ts'
import { readClusterSlots } from '../src/topology/index.ts'

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  return proxy
}

test('predicates never throw: a revoked Proxy, a throwing option getter, options the function refuses', () => {
  const proxy = revoked()
  assert.equal(isValidHost(proxy), false)
  assert.equal(isValidHost('a', proxy as never), false)
  assert.equal(isValidPort(proxy), false)
  assert.equal(isNodeKey(proxy), false)
  assert.equal(isNodeKeyError(proxy), false)
  const throwing = {
    get trailingDot(): 'keep' {
      throw new Error('boom')
    },
  }
  assert.equal(isValidHost('a', throwing), false)
  assert.equal(isValidHost('a', { trailingDot: 'bogus' as 'keep' }), false)
  // The functions they guard refuse the same options with a TypeError.
  assert.throws(() => canonicalNodeKey(proxy as never), { name: 'InvalidHostError' })
  assert.throws(() => createNodeKeyer(proxy as never), TypeError)
  assert.throws(() => createNodeKeyer(throwing as never), {
    name: 'TypeError',
    message: /Expected the options of createNodeKeyer to be readable/,
  })
})

test('options are own properties: nothing on Object.prototype becomes an option', () => {
  const proto = Object.prototype as Record<string, unknown>
  const planted = {
    resolver: () => ({ host: '6.6.6.6', port: 6666 }),
    trailingDot: 'strip',
    defaultPort: 1,
    originHost: '6.6.6.6',
    keyer: () => '6.6.6.6:6666',
    origin: '6.6.6.6',
    to: '6.6.6.6',
    cacheSize: 'x',
    max: 'x',
    host: '6.6.6.6',
    port: 6666,
    ports: { 6379: 6666 },
  }
  for (const [name, value] of Object.entries(planted)) proto[name] = value
  try {
    assert.equal(createNodeKeyer()('redis-1:6379'), 'redis-1:6379')
    assert.equal(createNodeKeyer({})('redis-1.:6379'), 'redis-1.:6379')
    assert.throws(() => parseAddress(':7000', {}), { name: 'InvalidHostError', reason: 'empty-host' })
    assert.equal(createNodeKeyer({ resolver: loopbackResolver({}) })('localhost:1'), '127.0.0.1:1')
    const nodes = new NodeMap<number>({})
    nodes.set('redis-1:6379', 1)
    assert.deepEqual([...nodes.keys()], ['redis-1:6379'])
    assert.deepEqual(
      readClusterSlots([[0, 16383, ['redis-1', 6379, 'a'.repeat(40)]]], {}).nodes.map((node) => node.key),
      ['redis-1:6379'],
    )
    const dns = createDnsTable({ lookup: () => [] })
    dns.close()
    // Nor of an address object, nor of a resolver table's value.
    assert.throws(() => canonicalNodeKey({ host: 'redis-1' } as never), { reason: 'missing-port' })
    assert.deepEqual(staticResolver({ 'redis-1': { host: '10.0.0.1' } })({ host: 'redis-1', port: 6379 }), {
      host: '10.0.0.1',
      port: 6379,
    })
  } finally {
    for (const name of Object.keys(planted)) delete proto[name]
  }
})

test('a getter-backed address is read once: its key, its spelling and its dial agree', () => {
  let reads = 0
  const shifty = {
    get host() {
      reads++
      return reads === 1 ? 'a.test' : 'b.test'
    },
    port: 1,
  }
  const nodes = new NodeMap<string>()
  nodes.set('a.test:1', 'A')
  assert.equal(nodes.get(shifty), 'A')
  assert.equal(reads, 1)
  assert.deepEqual(nodes.aliases('a.test:1'), ['a.test:1'])
  reads = 0
  const dials: string[] = []
  nodes.getOrCreate(
    {
      get host() {
        reads++
        return reads === 1 ? 'c.test' : 'd.test'
      },
      port: 1,
    },
    (key, dial) => {
      dials.push(`${key} ${dial.host} ${dial.servername}`)
      return 'C'
    },
  )
  assert.deepEqual(dials, ['c.test:1 c.test c.test'])
  assert.equal(reads, 1)
})

test('a table spelled __proto__ keeps it as a key, not as its prototype', () => {
  const keyer = createNodeKeyer({ defaultPort: 6379 })
  const table = ioredisNatMapTable(['__proto__', 'a'], keyer)
  assert.equal(Object.getPrototypeOf(table), Object.prototype)
  assert.ok(Object.hasOwn(table, '__proto__'))
  assert.deepEqual(Object.keys(table), ['__proto__', 'a'])
})

test('numbers past their bounds are TypeErrors, before any of them is used', () => {
  for (const cacheSize of [2 ** 53, 2 ** 32 + 1, 1e8, 1_048_577]) {
    assert.throws(() => createNodeKeyer({ cacheSize }), {
      name: 'TypeError',
      message: /Expected `cacheSize` of createNodeKeyer to be an integer from 0 to 1048576/,
    })
  }
  assert.equal(createNodeKeyer({ cacheSize: 1_048_576 })('a:1'), 'a:1')
  for (const options of [{ max: 2 ** 53 }, { timeout: 3e6 }, { maxTtl: 1e7 }, { concurrency: 1e6 }]) {
    assert.throws(() => createDnsTable({ lookup: () => [], ...options }), TypeError, JSON.stringify(options))
  }
})

// A stall would wait for the table's timeout (600 s); the test's own bound fails it long before that.
test('a DNS answer whose items throw when read is a failed lookup: no unhandled rejection, no stall', {
  timeout: 10_000,
}, async () => {
  const unhandled: unknown[] = []
  const trap = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', trap)
  try {
    const dns = createDnsTable({
      timeout: 600,
      lookup: () => [
        {
          get address(): string {
            throw new Error('x')
          },
        },
      ],
    })
    const events: DnsEvent[] = []
    dns.onChange((event) => events.push(event))
    assert.deepEqual(await dns.prime(['a.test']), [undefined])
    assert.equal(events[0]?.type, 'error')
    assert.equal(dns.status('a.test').error?.message, 'x')
    dns.close()
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(unhandled, [])
  } finally {
    process.off('unhandledRejection', trap)
  }
})

test('the CLI reports 125,000 malformed CLUSTER NODES lines, each with its line, and exits 1', () => {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const input = 'x\n'.repeat(125_000)
  const result = spawnSync(
    process.execPath,
    [join(root, 'dist', 'esm', 'cli', 'main.js'), '--format', 'cluster-nodes'],
    { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 },
  )
  assert.equal(result.status, 1, result.stderr.slice(-500))
  const lines = result.stderr.split('\n').filter((line) => /: line \d+: /.test(line))
  assert.equal(lines.length, 125_000)
  assert.match(lines.at(-1) ?? '', /line 125000: Invalid CLUSTER NODES reply/)
})
