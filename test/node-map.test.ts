import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import fc from 'fast-check'
import {
  type AddressInput,
  canonicalNodeKey,
  createNodeKeyer,
  isNodeKeyError,
  loopbackResolver,
  type NodeKey,
  type Resolver,
  staticResolver,
} from '../src/index.ts'
import { NodeMap, type NodeMapDisposeReason, StaleCreationError } from '../src/node-map/index.ts'

type Departure = [value: unknown, key: NodeKey, reason: NodeMapDisposeReason]

/** A map whose dispose calls are recorded. */
const recorded = <V>(options: { max?: number } = {}) => {
  const disposed: Departure[] = []
  const map = new NodeMap<V>({
    ...options,
    dispose: (value, key, reason) => disposed.push([value, key, reason]),
  })
  return { map, disposed }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('NodeMap: one entry per node, whatever the spelling', () => {
  test('every spelling of 127.0.0.1:7000 finds the same entry', () => {
    const { map } = recorded<string>()
    map.set('LOCALHOST', 7000, 'a')
    for (const spelling of [
      '127.0.0.1:7000',
      'localhost:7000',
      'redis://localhost:7000',
      '::ffff:127.0.0.1:7000',
      '[::ffff:7f00:1]:7000',
      '2130706433:7000',
      { host: '127.1', port: '7000' },
    ]) {
      assert.equal(map.get(spelling), 'a', JSON.stringify(spelling))
      assert.equal(map.has(spelling), true)
    }
    assert.equal(map.get('localhost', '7000'), 'a')
    assert.equal(map.size, 1)
    assert.deepEqual([...map.keys()], ['127.0.0.1:7000'])
  })

  test('different nodes stay apart: 127.0.0.2, ::1, another port', () => {
    const { map } = recorded<string>()
    map.set('127.0.0.1:7000', 'v4')
    map.set('127.0.0.2:7000', 'other')
    map.set('::1:7000', 'v6')
    map.set('127.0.0.1:7001', 'port')
    assert.equal(map.size, 4)
    assert.equal(map.get('[0:0::1]:7000'), 'v6')
    assert.equal(map.get('localhost:7001'), 'port')
  })

  test('a key the map yields passes through the default keyer unchanged, so it finds its own entry', () => {
    const spellings = [
      'LOCALHOST:7000',
      'foo.localhost.:1',
      '[0:0::1]:7002',
      '::1:7002',
      '[FE80::1%eth0]:7000',
      'Redis-A.Example.:6379',
      'rediss://Bücher.example',
      '0x7f.1:80',
      '::ffff:10.0.0.1:7000',
    ]
    const { map } = recorded<number>()
    spellings.forEach((spelling, i) => {
      const key = canonicalNodeKey(spelling)
      assert.equal(canonicalNodeKey(key), key, spelling)
      map.set(spelling, i)
    })
    for (const [key, value] of map) assert.equal(map.get(key), value)
  })

  test('get, has and delete never throw; set and getOrCreate throw a NodeKeyError', () => {
    const { map } = recorded<number>()
    const bad: unknown[] = [
      '',
      'a b:1',
      '1.2.3.256:1',
      'host:0',
      'host:http',
      null,
      42,
      {},
      [],
      'x'.repeat(5000),
    ]
    for (const input of bad) {
      assert.equal(map.get(input as string), undefined)
      assert.equal(map.has(input as string), false)
      assert.equal(map.delete(input as string), false)
      assert.deepEqual(map.aliases(input as string), [])
      assert.throws(
        () => map.set(input as string, 1),
        (e: unknown) => isNodeKeyError(e),
      )
      assert.throws(
        () => map.getOrCreate(input as string, () => 1),
        (e: unknown) => isNodeKeyError(e),
      )
    }
    assert.equal(map.get('host', 0), undefined)
    assert.equal(map.size, 0)
  })

  test('bad options are TypeErrors that say what was expected', () => {
    assert.throws(() => new NodeMap({ max: 0 }), { name: 'TypeError', message: /`max`.*integer from 1/ })
    assert.throws(() => new NodeMap({ max: 1.5 }), TypeError)
    assert.throws(() => new NodeMap({ keyer: 'x' as never }), /`keyer`/)
    assert.throws(() => new NodeMap({ dispose: 1 as never }), /`dispose`/)
    assert.throws(() => new NodeMap({ onError: 1 as never }), /`onError`/)
    assert.throws(() => new NodeMap(null as never), TypeError)
    assert.throws(() => new NodeMap().getOrCreate('a:1', 1 as never), /`create`/)
    new NodeMap({ max: Number.POSITIVE_INFINITY })
  })

  test('a custom keyer is the one every method goes through', () => {
    const map = new NodeMap<string>({ keyer: createNodeKeyer({ resolver: loopbackResolver({ to: '::1' }) }) })
    map.set('localhost', 6379, 'x')
    assert.deepEqual([...map.keys()], ['[::1]:6379'])
    assert.equal(map.get('::1:6379'), 'x')
    assert.equal(map.get('127.0.0.1:6379'), undefined)
    const withDefault = new NodeMap<string>({ keyer: createNodeKeyer({ defaultPort: 6379 }) })
    withDefault.set('LOCALHOST', 'y')
    assert.equal(withDefault.get('127.0.0.1:6379'), 'y')
    let dialed: unknown
    withDefault.delete('localhost')
    withDefault.getOrCreate('Localhost.', (_key, dial) => {
      dialed = dial
      return 'z'
    })
    assert.deepEqual(dialed, { host: '127.0.0.1', port: 6379, servername: 'localhost' })
  })
})

describe('NodeMap: dispose runs exactly once for every value that leaves', () => {
  test('delete, overwrite, clear, each with its reason', () => {
    const { map, disposed } = recorded<string>()
    map.set('localhost:7000', 'a')
    map.set('127.0.0.1:7000', 'b')
    map.set('127.0.0.1:7000', 'b') // the same value again: nothing leaves
    assert.deepEqual(disposed, [['a', '127.0.0.1:7000', 'set']])
    assert.equal(map.delete('redis://localhost:7000'), true)
    assert.equal(map.delete('redis://localhost:7000'), false)
    map.set('::1:1', 'c')
    map.set('::1:2', 'd')
    map.clear()
    assert.equal(map.size, 0)
    assert.deepEqual(disposed, [
      ['a', '127.0.0.1:7000', 'set'],
      ['b', '127.0.0.1:7000', 'delete'],
      ['c', '[::1]:1', 'clear'],
      ['d', '[::1]:2', 'clear'],
    ])
  })

  test('max evicts the least recently used; get and getOrCreate count as use, has does not', () => {
    const { map, disposed } = recorded<string>({ max: 2 })
    map.set('localhost:1', 'one')
    map.set('localhost:2', 'two')
    assert.equal(map.get('127.0.0.1:1'), 'one') // 1 is now the most recent
    map.set('localhost:3', 'three')
    assert.deepEqual(disposed, [['two', '127.0.0.1:2', 'evict']])
    assert.equal(map.has('localhost:1'), true) // not a use
    map.getOrCreate('localhost:3', () => 'never')
    map.set('localhost:4', 'four')
    assert.deepEqual(disposed.at(-1), ['one', '127.0.0.1:1', 'evict'])
    assert.deepEqual([...map.keys()], ['127.0.0.1:3', '127.0.0.1:4'])
    assert.equal(map.size, 2)
  })

  test('a throwing dispose leaves the map consistent, then the error is rethrown', () => {
    const boom = new Error('close failed')
    const map = new NodeMap<string>({
      dispose: (value) => {
        if (value !== 'ok') throw boom
      },
    })
    map.set('a:1', 'bad')
    assert.throws(() => map.delete('a:1'), boom)
    assert.equal(map.has('a:1'), false)
    map.set('a:1', 'bad')
    assert.throws(() => map.set('a:1', 'ok'), boom)
    assert.equal(map.get('a:1'), 'ok')
    map.set('b:1', 'bad')
    map.set('c:1', 'bad')
    assert.throws(
      () => map.clear(),
      (e: unknown) => e instanceof AggregateError && e.errors.length === 2,
    )
    assert.equal(map.size, 0)
    map.set('d:1', 'ok')
    assert.equal(map.size, 1)
  })

  test('with onError, dispose errors go there and the operation succeeds', () => {
    const reported: unknown[][] = []
    const map = new NodeMap<string>({
      dispose: () => {
        throw new Error('nope')
      },
      onError: (error, value, key, reason) => reported.push([(error as Error).message, value, key, reason]),
      max: 1,
    })
    map.set('a:1', 'x')
    map.set('b:1', 'y')
    map.delete('b:1')
    assert.deepEqual(reported, [
      ['nope', 'x', 'a:1', 'evict'],
      ['nope', 'y', 'b:1', 'delete'],
    ])
  })

  test('dispose may use the map: it runs after the map is consistent', () => {
    const seen: number[] = []
    const map: NodeMap<number> = new NodeMap<number>({
      dispose: (value, key) => {
        seen.push(map.size)
        assert.equal(map.has(key), false)
        if (value === 1) map.set('other:1', 99)
      },
    })
    map.set('a:1', 1)
    map.delete('a:1')
    assert.deepEqual(seen, [0])
    assert.equal(map.get('other:1'), 99)
  })
})

describe('NodeMap: aliases, dial address and links', () => {
  test('aliases keep the distinct spellings as given, capped at 16, and leave with the entry', () => {
    const { map } = recorded<string>()
    map.set('LOCALHOST', 7000, 'a')
    map.get('127.0.0.1:7000')
    map.get({ host: '::ffff:127.0.0.1', port: 7000 })
    map.get('127.0.0.1:7000')
    map.has('redis://localhost:7000') // has only looks
    assert.deepEqual(map.aliases('localhost:7000'), [
      'LOCALHOST:7000',
      '127.0.0.1:7000',
      '::ffff:127.0.0.1:7000',
    ])
    // 40 more spellings of localhost: each letter's case flipped by the bits of i
    for (let i = 1; i <= 40; i++) {
      const host = [...'localhost'].map((c, bit) => ((i >> bit) & 1 ? c.toUpperCase() : c)).join('')
      assert.equal(map.get(host, 7000), 'a')
    }
    assert.equal(map.aliases('127.0.0.1:7000').length, 16)
    map.delete('127.0.0.1:7000')
    assert.deepEqual(map.aliases('127.0.0.1:7000'), [])
    map.set('127.0.0.1:7000', 'b')
    assert.deepEqual(map.aliases('127.0.0.1:7000'), ['127.0.0.1:7000'])
  })

  test('create dials the endpoint the key stands for, with the name the address gave as servername', async () => {
    const { map } = recorded<string>()
    const given: unknown[] = []
    map.getOrCreate('rediss://user:pw@Cache.LOCALHOST', (key, dial) => {
      given.push([key, dial])
      return 'tls'
    })
    map.getOrCreate('LOCALHOST', '07000', (key, dial) => {
      given.push([key, dial])
      return 'c'
    })
    await map.getOrCreateAsync('[0:0::1]:7000', async (key, dial) => {
      given.push([key, dial])
      return 'v6'
    })
    assert.deepEqual(given, [
      ['127.0.0.1:6379', { host: '127.0.0.1', port: 6379, servername: 'cache.localhost' }],
      ['127.0.0.1:7000', { host: '127.0.0.1', port: 7000, servername: 'localhost' }],
      ['[::1]:7000', { host: '::1', port: 7000 }],
    ])
    // NAT: the internal address a topology reply gives is dialled at the external one the key names.
    const nat = new NodeMap<string>({
      keyer: createNodeKeyer({
        resolver: staticResolver({ '10.0.1.230:30001': { host: '203.0.113.73', port: 30001 } }),
      }),
    })
    nat.getOrCreate('10.0.1.230', 30001, (key, dial) => {
      given.push([key, dial])
      return 'nat'
    })
    assert.deepEqual(given.at(-1), ['203.0.113.73:30001', { host: '203.0.113.73', port: 30001 }])
    // A keyer without `endpoint` (a plain function): the key's endpoint, and the name the address gave.
    const plain = new NodeMap<string>({ keyer: ((input: string) => canonicalNodeKey(input)) as never })
    plain.getOrCreate('Localhost:7000', (key, dial) => {
      given.push([key, dial])
      return 'plain'
    })
    assert.deepEqual(given.at(-1), [
      '127.0.0.1:7000',
      { host: '127.0.0.1', port: 7000, servername: 'localhost' },
    ])
  })

  test('link: every spelling of the linked address finds the entry, until the entry leaves', () => {
    const { map, disposed } = recorded<string>()
    map.set('127.0.0.1:7000', 'conn')
    assert.equal(map.link('::1:7000', 'localhost:7000'), true)
    for (const spelling of ['[::1]:7000', '[0:0::1]:7000', '::1:7000', 'redis://[::1]:7000']) {
      assert.equal(map.get(spelling), 'conn', spelling)
    }
    assert.equal(map.keyOf('[::1]:7000'), '127.0.0.1:7000')
    assert.equal(
      map.getOrCreate('[::1]:7000', () => 'second'),
      'conn',
    )
    assert.equal(map.size, 1)
    assert.deepEqual(map.aliases('[::1]:7000'), [
      '127.0.0.1:7000',
      '::1:7000',
      '[::1]:7000',
      '[0:0::1]:7000',
      'redis://[::1]:7000',
    ])
    map.delete('[::1]:7000') // deletes the linked entry
    assert.deepEqual(disposed, [['conn', '127.0.0.1:7000', 'delete']])
    // the link left with the entry: ::1 is its own node again
    map.set('[::1]:7000', 'v6')
    assert.equal(map.get('127.0.0.1:7000'), undefined)
    assert.deepEqual([...map.keys()], ['[::1]:7000'])
  })

  test('link to a key with nothing filed links nothing', () => {
    const { map } = recorded<string>()
    assert.equal(map.link('::1:7000', '127.0.0.1:7000'), false)
    map.set('::1:7000', 'v6')
    assert.equal(map.get('127.0.0.1:7000'), undefined)
    assert.throws(
      () => map.link('bad host:1', '::1:7000'),
      (e: unknown) => isNodeKeyError(e),
    )
  })

  test('link merges an entry filed under the address: one connection stays', () => {
    const { map, disposed } = recorded<string>()
    map.set('127.0.0.1:7000', 'v4')
    map.set('::1:7000', 'v6')
    map.set('::1:7001', 'other')
    map.link('10.0.0.9:7000', '::1:7000') // linked to ::1, which then merges into 127.0.0.1
    assert.equal(map.link('::1:7000', '127.0.0.1:7000'), true)
    assert.deepEqual(disposed, [['v6', '[::1]:7000', 'link']])
    assert.equal(map.get('::1:7000'), 'v4')
    assert.equal(map.get('10.0.0.9:7000'), 'v4') // the follower moved along
    assert.deepEqual(map.aliases('127.0.0.1:7000').slice(0, 3), [
      '127.0.0.1:7000',
      '::1:7000',
      '10.0.0.9:7000',
    ])
    assert.equal(map.size, 2)
    assert.equal(map.link('127.0.0.1:7000', '::1:7000'), true) // the same node: nothing to do
    assert.equal(map.get('127.0.0.1:7000'), 'v4')
  })

  test('links per key are capped at 16: the oldest goes', () => {
    const { map } = recorded<string>()
    map.set('127.0.0.1:7000', 'conn')
    for (let i = 1; i <= 20; i++) map.link(`10.0.0.${i}:7000`, '127.0.0.1:7000')
    for (let i = 1; i <= 4; i++) assert.equal(map.has(`10.0.0.${i}:7000`), false, `10.0.0.${i}`)
    for (let i = 5; i <= 20; i++) assert.equal(map.get(`10.0.0.${i}:7000`), 'conn', `10.0.0.${i}`)
  })
})

describe('NodeMap: getOrCreate and getOrCreateAsync', () => {
  test('getOrCreate creates once; a throwing create caches nothing', () => {
    const { map } = recorded<object>()
    let creations = 0
    const create = () => ({ n: ++creations })
    const a = map.getOrCreate('localhost', 7000, create)
    assert.equal(map.getOrCreate('127.0.0.1:7000', create), a)
    assert.equal(map.getOrCreate({ host: '::ffff:127.0.0.1', port: 7000 }, create), a)
    assert.equal(creations, 1)
    assert.throws(() =>
      map.getOrCreate('localhost:7001', () => {
        throw new Error('refused')
      }),
    )
    assert.equal(map.has('localhost:7001'), false)
    map.getOrCreate('localhost:7001', create)
    assert.equal(creations, 2)
  })

  test('1,000 concurrent getOrCreateAsync calls over mixed spellings make one creation', async () => {
    const { map, disposed } = recorded<{ id: number }>()
    const spellings = [
      'localhost:7000',
      '127.0.0.1:7000',
      'LOCALHOST:7000',
      '::ffff:127.0.0.1:7000',
      '[::ffff:7f00:1]:7000',
      'redis://localhost:7000',
      { host: '127.0.0.1', port: '7000' },
    ]
    let creations = 0
    const create = async () => {
      creations++
      await tick()
      return { id: creations }
    }
    const calls = Array.from({ length: 1000 }, (_, i) => {
      const spelling = spellings[i % spellings.length]!
      return i % 3 === 0
        ? map.getOrCreateAsync('localhost', 7000, create)
        : map.getOrCreateAsync(spelling, create)
    })
    const values = await Promise.all(calls)
    assert.equal(creations, 1)
    assert.equal(new Set(values).size, 1)
    assert.equal(map.size, 1)
    assert.equal(map.get('127.0.0.1:7000'), values[0])
    assert.equal(await map.getOrCreateAsync('localhost:7000', create), values[0])
    assert.equal(creations, 1)
    assert.deepEqual(disposed, [])
    // `{ host, port }` and `(host, port)` are remembered as `host:port`, like the strings they equal
    assert.deepEqual(
      map.aliases('127.0.0.1:7000').sort(),
      [
        '127.0.0.1:7000',
        '::ffff:127.0.0.1:7000',
        'LOCALHOST:7000',
        '[::ffff:7f00:1]:7000',
        'localhost:7000',
        'redis://localhost:7000',
      ].sort(),
    )
  })

  test('a failed creation gives every waiter the same rejection and is not cached', async () => {
    const { map } = recorded<string>()
    const refused = new Error('ECONNREFUSED')
    let creations = 0
    const failing = async () => {
      creations++
      await tick()
      throw refused
    }
    const results = await Promise.allSettled(
      ['localhost:7000', '127.0.0.1:7000', 'redis://localhost:7000'].map((a) =>
        map.getOrCreateAsync(a, failing),
      ),
    )
    assert.equal(creations, 1)
    for (const result of results) assert.deepEqual(result, { status: 'rejected', reason: refused })
    assert.equal(map.has('127.0.0.1:7000'), false)
    assert.equal(await map.getOrCreateAsync('localhost:7000', async () => 'ok'), 'ok')
    // a create that throws synchronously rejects too
    await assert.rejects(
      map.getOrCreateAsync('localhost:7001', () => {
        throw refused
      }),
      refused,
    )
    await assert.rejects(
      map.getOrCreateAsync('bad host:1', async () => 'x'),
      (e: unknown) => isNodeKeyError(e),
    )
  })

  test('a value whose key is deleted while it is being created is disposed, not leaked', async () => {
    const { map, disposed } = recorded<string>()
    let signal: AbortSignal | undefined
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const pending = map.getOrCreateAsync('localhost:7000', async (_key, _address, s) => {
      signal = s
      await gate
      return 'late'
    })
    await tick()
    map.delete('127.0.0.1:7000')
    assert.equal(signal?.aborted, true)
    release()
    await assert.rejects(pending, (e: unknown) => {
      assert.ok(e instanceof StaleCreationError)
      // A library error like the others: its code is one isNodeKeyError knows.
      assert.ok(isNodeKeyError(e))
      assert.equal(e.code, 'ERR_NODE_KEY_STALE_CREATION')
      assert.equal(e.name, 'StaleCreationError')
      assert.equal(e.reason, 'delete')
      assert.equal(e.key, '127.0.0.1:7000')
      assert.equal(e.input, '127.0.0.1:7000')
      assert.equal(e.hint, 'Call getOrCreateAsync again for a new one.')
      assert.equal(
        e.message,
        'The value created for 127.0.0.1:7000 was disposed: the key was deleted while it was being created. Call getOrCreateAsync again for a new one.',
      )
      return true
    })
    assert.deepEqual(disposed, [['late', '127.0.0.1:7000', 'stale']])
    assert.equal(map.size, 0)
  })

  test('clear during creation disposes the late value; set during creation wins', async () => {
    const { map, disposed } = recorded<string>()
    const slow = (value: string) => async () => {
      await tick()
      return value
    }
    const cleared = map.getOrCreateAsync('localhost:1', slow('late-1'))
    map.clear()
    await assert.rejects(cleared, (e: unknown) => e instanceof StaleCreationError && e.reason === 'clear')
    const superseded = map.getOrCreateAsync('localhost:2', slow('late-2'))
    map.set('127.0.0.1:2', 'set')
    assert.equal(await superseded, 'set')
    assert.deepEqual(disposed, [
      ['late-1', '127.0.0.1:1', 'stale'],
      ['late-2', '127.0.0.1:2', 'stale'],
    ])
    assert.equal(map.get('localhost:2'), 'set')
  })

  test('getOrCreateAsync after a delete during creation makes a fresh value, and the old waiters get it', async () => {
    const { map, disposed } = recorded<string>()
    let creations = 0
    const create = async () => {
      const n = ++creations
      await tick()
      await tick()
      return `v${n}`
    }
    const first = map.getOrCreateAsync('localhost:7000', create)
    map.delete('localhost:7000')
    const second = map.getOrCreateAsync('localhost:7000', create)
    assert.deepEqual(await Promise.all([first, second]), ['v2', 'v2'])
    assert.deepEqual(disposed, [['v1', '127.0.0.1:7000', 'stale']])
    assert.equal(map.size, 1)
  })
})

describe('redis-py#3163 replay: 27 slot ranges over 3 nodes, 10 topology refreshes', () => {
  const ports = [7000, 7001, 7002]
  const seeds = ports.map((port) => ({ host: 'localhost', port }))
  const spellings = ['127.0.0.1', 'localhost', '::ffff:127.0.0.1']
  /** A CLUSTER SLOTS reply: 27 ranges of 16384 slots, round robin over the nodes, each spelled in turn. */
  const topology = (refresh: number) =>
    Array.from({ length: 27 }, (_, range) => ({
      start: Math.floor((range * 16384) / 27),
      end: Math.floor(((range + 1) * 16384) / 27) - 1,
      host: spellings[(range + refresh) % spellings.length]!,
      port: ports[range % ports.length]!,
    }))

  interface Connection {
    id: number
    closed: boolean
  }
  /** The node cache a cluster client keeps; the two implementations differ only in how they key. */
  interface NodeCache {
    get(host: string, port: number): Connection | undefined
    set(host: string, port: number, connection: Connection): void
    clear(): void
  }

  /** The client: seed lookups under the seed spelling, topology entries stored under the reply spelling. */
  const replay = (cache: NodeCache) => {
    let creations = 0
    const connect = (): Connection => ({ id: ++creations, closed: false })
    const slots = new Map<number, Connection>()
    for (let refresh = 0; refresh < 10; refresh++) {
      for (const seed of seeds) {
        if (cache.get(seed.host, seed.port) === undefined) cache.set(seed.host, seed.port, connect())
      }
      for (const range of topology(refresh)) {
        let node = cache.get(range.host, range.port)
        if (node === undefined) {
          node = connect()
          cache.set(range.host, range.port, node)
        }
        slots.set(range.start, node)
      }
    }
    return { creations, slots }
  }

  test('a plain Map keyed by the raw host:port string leaks connections', () => {
    const map = new Map<string, Connection>()
    const { creations } = replay({
      get: (host, port) => map.get(`${host}:${port}`),
      set: (host, port, connection) => map.set(`${host}:${port}`, connection),
      clear: () => map.clear(),
    })
    assert.ok(creations > 3, `expected the raw-keyed Map to leak, got ${creations} creations`)
    assert.equal(creations, 9) // 3 nodes x 3 spellings
  })

  test('NodeMap makes exactly 3 connections and disposes none until clear()', () => {
    const disposed: Connection[] = []
    const nodes = new NodeMap<Connection>({
      dispose: (connection) => {
        connection.closed = true
        disposed.push(connection)
      },
    })
    const { creations, slots } = replay({
      get: (host, port) => nodes.get(host, port),
      set: (host, port, connection) => nodes.set(host, port, connection),
      clear: () => nodes.clear(),
    })
    assert.equal(creations, 3)
    assert.equal(disposed.length, 0)
    assert.equal(new Set(slots.values()).size, 3)
    assert.deepEqual([...nodes.keys()], ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'])
    for (const key of nodes.keys()) {
      assert.deepEqual(nodes.aliases(key).sort(), [
        `127.0.0.1:${key.slice(-4)}`,
        `::ffff:127.0.0.1:${key.slice(-4)}`,
        `localhost:${key.slice(-4)}`,
      ])
    }
    nodes.clear()
    assert.equal(disposed.length, 3)
    assert.ok(disposed.every((connection) => connection.closed))
  })
})

describe('NodeMap: creations in flight meet set, getOrCreate, link and eviction', () => {
  test('a sync getOrCreate during an async creation wins; the async value is disposed as stale', async () => {
    const { map, disposed } = recorded<string>()
    const pending = map.getOrCreateAsync('localhost:7000', async () => {
      await tick()
      return 'async'
    })
    assert.equal(
      map.getOrCreate('127.0.0.1:7000', () => 'sync'),
      'sync',
    )
    assert.equal(await pending, 'sync')
    assert.deepEqual(disposed, [['async', '127.0.0.1:7000', 'stale']])
    assert.deepEqual(map.aliases('127.0.0.1:7000'), ['localhost:7000', '127.0.0.1:7000'])
  })

  test('a link to a key whose value is still being created holds if it succeeds and leaves if it fails', async () => {
    const { map } = recorded<string>()
    const ok = map.getOrCreateAsync('localhost:7000', async () => {
      await tick()
      return 'conn'
    })
    assert.equal(map.link('::1:7000', '127.0.0.1:7000'), true)
    assert.equal(await map.getOrCreateAsync('[::1]:7000', async () => 'second'), 'conn')
    assert.equal(await ok, 'conn')
    assert.equal(map.size, 1)

    const failing = map.getOrCreateAsync('localhost:7001', async () => {
      await tick()
      throw new Error('refused')
    })
    map.link('::1:7001', 'localhost:7001')
    await assert.rejects(failing, /refused/)
    map.set('::1:7001', 'v6') // the link left with the failed creation: ::1 is its own node
    assert.deepEqual([...map.keys()].sort(), ['127.0.0.1:7000', '[::1]:7001'])
  })

  test('eviction takes the entry bookkeeping with it: links and aliases', () => {
    const { map } = recorded<string>({ max: 1 })
    map.set('localhost:7000', 'a')
    map.link('::1:7000', '127.0.0.1:7000')
    map.get('LOCALHOST:7000')
    map.set('127.0.0.2:7000', 'b') // evicts 127.0.0.1:7000
    assert.equal(map.has('::1:7000'), false)
    assert.equal(map.keyOf('::1:7000'), '[::1]:7000')
    map.set('localhost:7000', 'c') // evicts 127.0.0.2
    assert.deepEqual(map.aliases('127.0.0.1:7000'), ['localhost:7000'])
  })

  test('linking an address whose own value is being created supersedes that creation', async () => {
    const { map, disposed } = recorded<string>()
    map.set('127.0.0.1:7000', 'v4')
    const own = map.getOrCreateAsync('::1:7000', async () => {
      await tick()
      return 'v6'
    })
    map.link('::1:7000', '127.0.0.1:7000')
    assert.equal(await own, 'v4') // its callers get what the address finds now
    assert.deepEqual(disposed, [['v6', '[::1]:7000', 'stale']])
    assert.equal(map.size, 1)
  })

  test('a creation superseded by link aborts with the map already linked', async () => {
    const map = new NodeMap<string>()
    map.set('127.0.0.1:7000', 'v4')
    const seen: (string | undefined)[] = []
    const own = map.getOrCreateAsync('::1:7000', async (_key, _dial, signal) => {
      // Twice: the first lookup may index the address, and the second must still see the link.
      signal.addEventListener('abort', () => seen.push(map.get('[::1]:7000'), map.get('[::1]:7000')))
      await tick()
      return 'v6'
    })
    map.link('::1:7000', '127.0.0.1:7000')
    assert.deepEqual(seen, ['v4', 'v4'])
    assert.equal(map.get('[::1]:7000'), 'v4')
    assert.equal(await own, 'v4')
  })
})

describe('repeated lookups by one address string', () => {
  test('follow a resolver whose answer changes', () => {
    let target = '10.0.0.1'
    const listeners = new Set<(change: { hosts?: readonly string[] }) => void>()
    const resolver = Object.assign(
      (endpoint: { host: string; port: number }) =>
        endpoint.host === 'cache.internal' ? { host: target, port: endpoint.port } : undefined,
      {
        subscribe: (listener: (change: { hosts?: readonly string[] }) => void) => {
          listeners.add(listener)
          return () => listeners.delete(listener)
        },
      },
    )
    const nodes = new NodeMap<string>({ keyer: createNodeKeyer({ resolver }) })
    nodes.set('10.0.0.1:6379', 'one')
    nodes.set('10.0.0.2:6379', 'two')
    for (let i = 0; i < 3; i++) assert.equal(nodes.get('cache.internal:6379'), 'one')
    target = '10.0.0.2'
    for (const listener of listeners) listener({ hosts: ['cache.internal'] })
    for (let i = 0; i < 3; i++) assert.equal(nodes.get('cache.internal:6379'), 'two')
  })

  test('follow deletes, replacements, links and clears', () => {
    const disposed: string[] = []
    const nodes = new NodeMap<string>({ dispose: (value) => disposed.push(value) })
    nodes.set('127.0.0.1:7000', 'v4')
    nodes.set('[::1]:7000', 'v6')
    for (let i = 0; i < 3; i++) assert.equal(nodes.get('::1:7000'), 'v6')
    nodes.link('::1:7000', '127.0.0.1:7000')
    assert.equal(nodes.get('::1:7000'), 'v4')
    nodes.set('LOCALHOST:7000', 'v4 again')
    assert.equal(nodes.get('::1:7000'), 'v4 again')
    nodes.delete('127.0.0.1:7000')
    assert.equal(nodes.get('::1:7000'), undefined)
    nodes.set('[::1]:7000', 'v6 again')
    assert.equal(nodes.get('::1:7000'), 'v6 again')
    nodes.clear()
    assert.equal(nodes.get('::1:7000'), undefined)
    assert.deepEqual(disposed, ['v6', 'v4', 'v4 again', 'v6 again'])
  })

  test('follow evictions past max', () => {
    const nodes = new NodeMap<number>({ max: 2 })
    nodes.set('a:1', 1)
    assert.equal(nodes.get('A:1'), 1)
    nodes.set('b:1', 2)
    nodes.set('c:1', 3)
    assert.equal(nodes.get('A:1'), undefined)
    nodes.set('a:1', 4)
    assert.equal(nodes.get('A:1'), 4)
  })
})

describe('a create that files its own value', () => {
  test('getOrCreate: the value is disposed once, when it leaves', () => {
    const disposed: string[] = []
    const nodes = new NodeMap<object>({ dispose: (_value, key, reason) => disposed.push(`${key} ${reason}`) })
    const value = {}
    const got = nodes.getOrCreate('localhost:7000', (key) => {
      nodes.set(key, value)
      return value
    })
    assert.equal(got, value)
    assert.deepEqual(disposed, [])
    nodes.delete('127.0.0.1:7000')
    assert.deepEqual(disposed, ['127.0.0.1:7000 delete'])
  })

  test('getOrCreateAsync: the value is disposed once, when it leaves', async () => {
    const disposed: string[] = []
    const nodes = new NodeMap<object>({ dispose: (_value, key, reason) => disposed.push(`${key} ${reason}`) })
    const value = {}
    const got = await nodes.getOrCreateAsync('localhost:7000', async (key) => {
      nodes.set(key, value)
      return value
    })
    assert.equal(got, value)
    assert.equal(nodes.get('127.0.0.1:7000'), value)
    assert.deepEqual(disposed, [])
    nodes.clear()
    assert.deepEqual(disposed, ['127.0.0.1:7000 clear'])
  })
})

describe('NodeMap follows its keyer when the answers change', () => {
  /** A DNS-like resolver over a table the test changes, announcing each change. */
  const table = () => {
    const names = new Map<string, string>()
    const listeners = new Set<(change: { hosts?: readonly string[] }) => void>()
    const resolver = Object.assign(
      ({ host, port }: { host: string; port: number }) => {
        const ip = names.get(host)
        return ip === undefined ? undefined : { host: ip, port }
      },
      {
        subscribe: (listener: (change: { hosts?: readonly string[] }) => void) => {
          listeners.add(listener)
          return () => listeners.delete(listener)
        },
      },
    )
    const point = (name: string, ip: string | undefined) => {
      if (ip === undefined) names.delete(name)
      else names.set(name, ip)
      for (const listener of listeners) listener({ hosts: [name] })
    }
    return { keyer: createNodeKeyer({ resolver }), point }
  }

  test('a name learned after its value was filed: the value moves to the new key, no second connection', () => {
    const { keyer, point } = table()
    const disposed: unknown[] = []
    const map = new NodeMap<string>({ keyer, dispose: (...args) => disposed.push(args) })
    const dials: unknown[] = []
    const connect = (key: NodeKey, dial: unknown) => {
      dials.push(dial)
      return `conn${dials.length}:${key}`
    }
    const conn1 = map.getOrCreate('redis-1.internal', 6379, connect)
    assert.deepEqual(dials, [{ host: 'redis-1.internal', port: 6379, servername: 'redis-1.internal' }])
    point('redis-1.internal', '10.0.0.5')
    assert.equal(map.getOrCreate('redis-1.internal', 6379, connect), conn1)
    assert.deepEqual([...map.keys()], ['10.0.0.5:6379'])
    assert.equal(map.get('10.0.0.5:6379'), conn1)
    assert.equal(dials.length, 1)
    assert.deepEqual(disposed, [])
  })

  test('a name that moves leaves the old value to the spellings that still reach it; back again, the older stays', () => {
    const { keyer, point } = table()
    const disposed: unknown[] = []
    const map = new NodeMap<string>({ keyer, dispose: (...args) => disposed.push(args) })
    point('node-a.test', '127.0.0.1')
    const first = map.getOrCreate('node-a.test:7000', () => 'first')
    assert.equal(map.get('127.0.0.1:7000'), first)
    point('node-a.test', '127.0.0.2')
    // The IP spelling still gives 127.0.0.1:7000, so the value stays there; the name now finds nothing.
    assert.equal(map.get('node-a.test:7000'), undefined)
    assert.equal(map.get('127.0.0.1:7000'), first)
    const second = map.getOrCreate('node-a.test:7000', () => 'second')
    assert.deepEqual([...map.keys()], ['127.0.0.1:7000', '127.0.0.2:7000'])
    point('node-a.test', '127.0.0.1')
    // Both entries are 127.0.0.1:7000 now: the older one stays, and takes the other's spellings.
    assert.deepEqual([...map], [['127.0.0.1:7000', first]])
    assert.deepEqual(disposed, [[second, '127.0.0.2:7000', 'rekeyed']])
    assert.deepEqual(map.aliases('node-a.test:7000'), ['node-a.test:7000', '127.0.0.1:7000'])
    // Forgotten: the name keys as itself again, and the IP spelling keeps the value at its key.
    point('node-a.test', undefined)
    assert.equal(map.get('node-a.test:7000'), undefined)
    assert.equal(map.get('127.0.0.1:7000'), first)
    assert.equal(disposed.length, 1)
  })

  test('an entry no spelling keys any more is disposed with reason rekeyed', () => {
    const { keyer, point } = table()
    const disposed: unknown[] = []
    const strict = (input: AddressInput | string, port?: number | string) => {
      const key = port === undefined ? keyer(input) : keyer(input as string, port)
      if (key.startsWith('10.66.')) throw new Error('refused')
      return key
    }
    Object.defineProperty(strict, 'generation', { get: () => keyer.generation })
    const map = new NodeMap<string>({ keyer: strict as never, dispose: (...args) => disposed.push(args) })
    map.set('gone.example:1', 'v')
    point('gone.example', '10.66.0.1')
    assert.equal(map.size, 0)
    assert.deepEqual(disposed, [['v', 'gone.example:1', 'rekeyed']])
  })

  test('a creation in flight settles under the key the answer gives, and meets a value filed there first', async () => {
    const { keyer, point } = table()
    const disposed: unknown[] = []
    const map = new NodeMap<string>({ keyer, dispose: (...args) => disposed.push(args) })
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const keys: NodeKey[] = []
    const pending = map.getOrCreateAsync('cache.internal:6379', async (key) => {
      keys.push(key)
      await gate
      return 'made'
    })
    point('cache.internal', '10.0.0.9')
    // A second caller by the new key joins the creation in flight instead of starting another.
    const joined = map.getOrCreateAsync('10.0.0.9:6379', async () => 'other')
    release()
    assert.equal(await pending, 'made')
    assert.equal(await joined, 'made')
    assert.deepEqual(keys, ['cache.internal:6379'])
    assert.deepEqual([...map], [['10.0.0.9:6379', 'made']])
    assert.deepEqual(disposed, [])

    // A value filed under the new key while the creation ran is older: it stays; the new one is disposed.
    const late = map.getOrCreateAsync('late.internal:6379', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      return 'late'
    })
    map.set('10.0.0.10:6379', 'established')
    point('late.internal', '10.0.0.10')
    assert.equal(await late, 'established')
    assert.equal(map.get('late.internal:6379'), 'established')
    assert.deepEqual(disposed, [['late', '10.0.0.10:6379', 'rekeyed']])
  })

  test('links follow their target; a link whose address now keys to a node held on its own is dropped', () => {
    const { keyer, point } = table()
    const disposed: unknown[] = []
    const map = new NodeMap<string>({ keyer, dispose: (...args) => disposed.push(args) })
    map.set('primary.internal:7000', 'conn')
    assert.equal(map.link('alias.internal:7000', 'primary.internal:7000'), true)
    point('primary.internal', '10.0.0.1')
    assert.deepEqual([...map.keys()], ['10.0.0.1:7000'])
    assert.equal(map.get('alias.internal:7000'), 'conn')
    point('alias.internal', '10.0.0.2')
    assert.equal(map.get('alias.internal:7000'), 'conn')
    assert.equal(map.get('10.0.0.2:7000'), 'conn')
    map.delete('10.0.0.1:7000')
    map.set('10.0.0.3:7000', 'other')
    map.set('primary.internal:7000', 'conn2')
    map.link('alias.internal:7000', 'primary.internal:7000')
    point('alias.internal', '10.0.0.3')
    // The alias now keys to a node the map holds on its own: the answer wins over the link.
    assert.equal(map.get('alias.internal:7000'), 'other')
    assert.equal(map.get('primary.internal:7000'), 'conn2')
    assert.deepEqual(disposed, [['conn', '10.0.0.1:7000', 'delete']])
  })
})

describe('NodeMap: util.inspect shows size and entries, as for a Map', () => {
  test('empty, filled, nested and past the depth', () => {
    const map = new NodeMap<unknown>()
    assert.equal(inspect(map), 'NodeMap(0) {}')
    map.set('localhost', 7000, 'a')
    map.set('::1', 7001, { deep: { deeper: { deepest: 1 } } })
    const plain = new Map<NodeKey, unknown>(map)
    assert.equal(inspect(map), `Node${inspect(plain)}`)
    assert.equal(
      inspect(map, { breakLength: Number.POSITIVE_INFINITY }),
      "NodeMap(2) { '127.0.0.1:7000' => 'a', '[::1]:7001' => { deep: { deeper: [Object] } } }",
    )
    // Inside another value it gets the depth left there, as a Map would.
    const oneLine = { breakLength: Number.POSITIVE_INFINITY }
    assert.equal(
      inspect({ x: { y: map } }, oneLine),
      inspect({ x: { y: plain } }, oneLine).replace('Map(', 'NodeMap('),
    )
    assert.equal(inspect([map], { depth: 0 }), '[ [NodeMap] ]')
    assert.equal(inspect(map, { depth: null }).includes('deepest: 1'), true)
  })

  test('inspecting is not use: the order for max stays as it was', () => {
    const map = new NodeMap<string>({ max: 2 })
    map.set('localhost', 1, 'a')
    map.set('localhost', 2, 'b')
    inspect(map)
    map.set('localhost', 3, 'c')
    assert.deepEqual([...map.keys()], ['127.0.0.1:2', '127.0.0.1:3'])
  })

  test('without a Node inspect (other runtimes), the keys are listed plainly', () => {
    const map = new NodeMap<string>()
    const custom = Symbol.for('nodejs.util.inspect.custom')
    const show = (map as unknown as Record<symbol, (depth: number, options: object) => string>)[custom]!
    assert.equal(show.call(map, 2, {}), 'NodeMap(0) {}')
    map.set('localhost', 1, 'a')
    map.set('::1', 2, 'b')
    assert.equal(show.call(map, 2, {}), 'NodeMap(2) { 127.0.0.1:1, [::1]:2 }')
  })
})

describe('one trip through the keyer, and re-keying by host', () => {
  test('a fresh getOrCreate asks the keyer once: one miss, no hit', () => {
    const keyer = createNodeKeyer()
    const nodes = new NodeMap<string>({ keyer })
    const dials: unknown[] = []
    nodes.getOrCreate('LOCALHOST:7000', (key, dial) => {
      dials.push(dial)
      return key
    })
    assert.deepEqual(dials, [{ host: '127.0.0.1', port: 7000, servername: 'localhost' }])
    assert.deepEqual(keyer.stats(), { hits: 0, misses: 1, size: 1, evictions: 0 })
    nodes.getOrCreate('LOCALHOST:7000', () => 'again')
    assert.equal(keyer.stats().misses, 1)
  })

  test('when one name moves, only the spellings given for it are keyed again', () => {
    const names = new Map<string, string>()
    const listeners = new Set<(change: { hosts?: readonly string[] | undefined }) => void>()
    const resolver: Resolver = ({ host, port }) => {
      const ip = names.get(host)
      return ip === undefined ? undefined : { host: ip, port }
    }
    resolver.subscribe = (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
    const move = (name: string, ip: string) => {
      names.set(name, ip)
      for (const listener of listeners) listener({ hosts: [name] })
    }
    const keyer = createNodeKeyer({ resolver })
    // A key function that counts what it is asked, with the keyer's generation, endpoint and change log.
    const asked: string[] = []
    const counting = Object.defineProperties(
      (input: AddressInput | string, port?: number | string) => {
        asked.push(String(input))
        return port === undefined ? keyer(input as AddressInput) : keyer(input as string, port)
      },
      {
        generation: { get: () => keyer.generation },
        endpoint: {
          value: (input: AddressInput | string, port?: number | string) => {
            asked.push(String(input))
            return port === undefined
              ? keyer.endpoint(input as AddressInput)
              : keyer.endpoint(input as string, port)
          },
        },
        changedSince: { value: (generation: number) => keyer.changedSince(generation) },
      },
    )
    const disposed: string[] = []
    const nodes = new NodeMap<string>({ keyer: counting, dispose: (value) => disposed.push(value) })
    move('moving.test', '10.0.0.1')
    for (let i = 0; i < 1000; i++) nodes.set(`node-${i}.test:6379`, `v${i}`)
    nodes.set('moving.test:6379', 'moving')
    // (Looked up by its name: a lookup by 10.0.0.1 would be a spelling that keeps the entry there.)
    assert.equal(nodes.get('moving.test:6379'), 'moving')
    assert.equal(nodes.keyOf('moving.test:6379'), '10.0.0.1:6379')
    asked.length = 0
    move('moving.test', '10.0.0.2')
    assert.equal(nodes.get('10.0.0.2:6379'), 'moving')
    assert.equal(nodes.get('10.0.0.1:6379'), undefined)
    assert.equal(nodes.size, 1001)
    // The moved spelling, then the two lookups: nothing of the other 1,000 entries.
    assert.deepEqual(asked, ['moving.test:6379', '10.0.0.2:6379', '10.0.0.1:6379'])
    assert.deepEqual(disposed, [])
    // A key function without a change log has every spelling keyed again.
    const plain = Object.defineProperty(
      (input: AddressInput | string, port?: number | string) => counting(input, port),
      'generation',
      { get: () => keyer.generation },
    )
    const all = new NodeMap<string>({ keyer: plain })
    for (let i = 0; i < 10; i++) all.set(`node-${i}.test:6379`, `v${i}`)
    asked.length = 0
    move('moving.test', '10.0.0.3')
    assert.equal(all.size, 10)
    assert.equal(asked.length, 10)
  })
})

test("the README lists every reason NodeMap's dispose is given", () => {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const source = readFileSync(join(root, 'src', 'node-map', 'node-map.ts'), 'utf8')
  const start = source.indexOf('export type NodeMapDisposeReason =')
  const union = source.slice(start, source.indexOf('\n\n', start))
  const reasons = [...union.matchAll(/\| '([a-z]+)'/g)].map((match) => match[1]!)
  assert.ok(reasons.length >= 7, reasons.join())
  const listed = readme.slice(readme.indexOf('map. `reason` is'), readme.indexOf('map. `reason` is') + 700)
  for (const reason of reasons) assert.ok(listed.includes(`\`'${reason}'\``), `the README lists '${reason}'`)
})

describe('values that die: isAlive, and a compare-and-delete for close handlers', () => {
  interface Connection {
    readonly id: number
    dead: boolean
  }
  const setup = () => {
    let next = 0
    const disposed: [number, NodeMapDisposeReason][] = []
    const nodes = new NodeMap<Connection>({
      isAlive: (connection) => !connection.dead,
      dispose: (connection, _key, reason) => disposed.push([connection.id, reason]),
    })
    const connect = (): Connection => ({ id: next++, dead: false })
    return { nodes, disposed, connect }
  }

  test('a dead value is found by no lookup, disposed once, and the next getOrCreate dials again', () => {
    const { nodes, disposed, connect } = setup()
    const first = nodes.getOrCreate('LOCALHOST:7000', connect)
    assert.equal(nodes.get('127.0.0.1:7000'), first)
    assert.equal(nodes.get('127.0.0.1:7000'), first) // now through the front index
    first.dead = true
    assert.equal(nodes.get('127.0.0.1:7000'), undefined)
    assert.equal(nodes.has('localhost:7000'), false)
    assert.deepEqual(disposed, [[0, 'dead']])
    const second = nodes.getOrCreate('localhost', 7000, connect)
    assert.equal(second.id, 1)
    assert.equal(nodes.size, 1)
    second.dead = true
    const third = nodes.getOrCreate('127.0.0.1:7000', connect)
    assert.equal(third.id, 2)
    assert.deepEqual(disposed, [
      [0, 'dead'],
      [1, 'dead'],
    ])
    // A check that throws counts as dead: the value is not handed out.
    const throwing = new NodeMap<number>({
      isAlive: () => {
        throw new Error('cannot tell')
      },
    })
    throwing.set('a:1', 1)
    assert.equal(throwing.get('a:1'), undefined)
  })

  test('getOrCreateAsync after a death: one creation however many callers, single flight as ever', async () => {
    const { nodes, disposed, connect } = setup()
    const first = await nodes.getOrCreateAsync('localhost:7000', async () => connect())
    first.dead = true
    let creations = 0
    const all = await Promise.all(
      ['localhost:7000', '127.0.0.1:7000', '[::ffff:127.0.0.1]:7000'].map((address) =>
        nodes.getOrCreateAsync(address, async () => {
          creations++
          return connect()
        }),
      ),
    )
    assert.equal(creations, 1)
    assert.ok(all.every((connection) => connection === all[0] && !connection.dead))
    assert.deepEqual(disposed, [[0, 'dead']])
  })

  test('delete with ifValue removes only the value asked about, and no creation in flight', async () => {
    const { nodes, disposed, connect } = setup()
    const old = nodes.getOrCreate('localhost:7000', connect)
    const newer = connect()
    nodes.set('localhost:7000', newer)
    // The old connection's close handler runs late: the newer one stays.
    assert.equal(nodes.delete('127.0.0.1:7000', { ifValue: old }), false)
    assert.equal(nodes.get('localhost:7000'), newer)
    assert.equal(nodes.delete('localhost', 7000, { ifValue: newer }), true)
    assert.equal(nodes.size, 0)
    assert.deepEqual(disposed, [
      [old.id, 'set'],
      [newer.id, 'delete'],
    ])
    let finish!: (connection: Connection) => void
    const pending = nodes.getOrCreateAsync(
      'localhost:7000',
      () => new Promise<Connection>((resolve) => (finish = resolve)),
    )
    assert.equal(nodes.delete('localhost:7000', { ifValue: old }), false)
    const made = connect()
    finish(made)
    assert.equal(await pending, made)
    assert.equal(nodes.get('localhost:7000'), made)
    // Without ifValue, delete is as before: it also cancels a creation in flight.
    assert.equal(nodes.delete('localhost:7000', {}), true)
  })

  test('model: values die at random between commands; every caller gets a live value, each disposed once (fast-check)', async () => {
    const address = fc.constantFrom(
      'localhost:7000',
      '127.0.0.1:7000',
      'redis://LOCALHOST:7000',
      'localhost:7001',
      '[::1]:7001',
    )
    const command = fc.oneof(
      fc.record({ op: fc.constant('get' as const), address }),
      fc.record({ op: fc.constant('getOrCreate' as const), address }),
      fc.record({ op: fc.constant('getOrCreateAsync' as const), address }),
      fc.record({ op: fc.constant('die' as const), address }),
      fc.record({ op: fc.constant('closeHandler' as const), address }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
        let next = 0
        const made: Connection[] = []
        const disposals = new Map<number, number>()
        const dead: Connection[] = []
        const nodes = new NodeMap<Connection>({
          isAlive: (connection) => !connection.dead,
          dispose: (connection) => disposals.set(connection.id, (disposals.get(connection.id) ?? 0) + 1),
        })
        const connect = (): Connection => {
          const connection = { id: next++, dead: false }
          made.push(connection)
          return connection
        }
        const pending: Promise<void>[] = []
        const handed = (connection: Connection | undefined) => {
          if (connection !== undefined)
            assert.equal(connection.dead, false, `connection ${connection.id} handed out dead`)
        }
        for (const { op, address: spelling } of commands) {
          if (op === 'get') handed(nodes.get(spelling))
          else if (op === 'getOrCreate') handed(nodes.getOrCreate(spelling, connect))
          else if (op === 'getOrCreateAsync') {
            pending.push(
              nodes
                .getOrCreateAsync(spelling, async () => connect())
                .then(
                  (connection) => handed(connection.dead ? undefined : connection),
                  () => {},
                ),
            )
          } else if (op === 'die') {
            const victim = made.filter((connection) => !connection.dead).at(-1)
            if (victim !== undefined) {
              victim.dead = true
              dead.push(victim)
            }
          } else {
            const victim = dead.at(-1)
            if (victim !== undefined) nodes.delete(spelling, { ifValue: victim })
          }
        }
        await Promise.all(pending)
        nodes.clear()
        // Every value made was disposed exactly once, whether it died, was replaced or was cleared.
        for (const connection of made)
          assert.equal(disposals.get(connection.id), 1, `connection ${connection.id}`)
      }),
      { numRuns: 300 },
    )
  })
})
