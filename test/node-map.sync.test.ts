/**
 * NodeMap.sync: the map follows a cluster's topology. Unit cases for each rule (departed, replaced, linked,
 * nothing created, creations in flight, the empty-topology guard, bad input), then a fast-check model of
 * topologies changing in sequence while values are created and creations settle in random order.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { type AddressInput, canonicalNodeKey, isNodeKeyError, type NodeKey } from '../src/index.ts'
import {
  NodeMap,
  type NodeMapDisposeReason,
  NodeMapSyncError,
  type NodeMapSyncNode,
  StaleCreationError,
} from '../src/node-map/index.ts'
import { readClusterNodes, readClusterSlots } from '../src/topology/index.ts'

type Departure = [value: unknown, key: NodeKey, reason: NodeMapDisposeReason]

/** A map whose dispose calls are recorded. */
const recorded = <V>() => {
  const disposed: Departure[] = []
  const map = new NodeMap<V>({ dispose: (value, key, reason) => disposed.push([value, key, reason]) })
  return { map, disposed }
}

const key = (address: string): NodeKey => canonicalNodeKey(address)
const A = '07c37dfeb235213a872192d90877d0cd55635b91'
const B = 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca'
const C = '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1'

/** A deferred value: a promise and its resolver, for creations that settle when the test says. */
const deferred = <T>() => {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((res) => {
    resolve = res
  })
  return { promise, resolve }
}

describe('NodeMap.sync: entries of nodes gone are disposed, once', () => {
  test('an entry no listed address finds leaves with reason departed; the present ones stay as they are', () => {
    const { map, disposed } = recorded<string>()
    map.set('localhost:7000', 'a')
    map.set('127.0.0.1:7001', 'b')
    map.set('[::1]:7002', 'c')
    const result = map.sync([
      { id: A, key: key('127.0.0.1:7000') },
      { id: B, key: key('127.0.0.1:7001') },
    ])
    assert.deepEqual(disposed, [['c', '[::1]:7002', 'departed']])
    assert.deepEqual(result.departed, [{ key: '[::1]:7002', id: undefined }])
    assert.deepEqual(result.replaced, [])
    assert.deepEqual(result.linked, [])
    assert.deepEqual(result.added, [
      { id: A, key: '127.0.0.1:7000' },
      { id: B, key: '127.0.0.1:7001' },
    ])
    assert.deepEqual(
      [...map.entries()],
      [
        ['127.0.0.1:7000', 'a'],
        ['127.0.0.1:7001', 'b'],
      ],
    )
    // The same topology again changes nothing and reports nothing new.
    assert.deepEqual(
      map.sync([
        { id: A, key: key('127.0.0.1:7000') },
        { id: B, key: key('127.0.0.1:7001') },
      ]),
      {
        added: [],
        departed: [],
        replaced: [],
        linked: [],
      },
    )
    assert.equal(disposed.length, 1)
  })

  test('a node that leaves takes its entry; an entry synced under an id departs with that id', () => {
    const { map, disposed } = recorded<string>()
    map.set('127.0.0.1:7000', 'a')
    map.set('127.0.0.1:7001', 'b')
    map.sync([
      { id: A, key: key('127.0.0.1:7000') },
      { id: B, key: key('127.0.0.1:7001') },
    ])
    const result = map.sync([{ id: A, key: key('127.0.0.1:7000') }])
    assert.deepEqual(result.departed, [{ key: '127.0.0.1:7001', id: B }])
    assert.deepEqual(disposed, [['b', '127.0.0.1:7001', 'departed']])
    assert.equal(map.get('127.0.0.1:7001'), undefined)
  })

  test('sync creates nothing: listed nodes without an entry are only added to what the map knows', () => {
    const { map } = recorded<string>()
    let created = 0
    const result = map.sync([
      { id: A, key: key('127.0.0.1:7000') },
      { id: B, key: key('127.0.0.1:7001') },
    ])
    assert.equal(map.size, 0)
    assert.equal(result.added.length, 2)
    map.getOrCreate('127.0.0.1:7000', () => `made ${++created}`)
    assert.equal(created, 1)
    assert.equal(map.size, 1)
  })

  test('dispose runs after the map has synced, and its errors surface as for the other methods', () => {
    const seen: [NodeKey, boolean, number][] = []
    const map: NodeMap<string> = new NodeMap<string>({
      dispose: (_value, key) => {
        seen.push([key, map.has(key), map.size])
        throw new Error(`close ${key}`)
      },
    })
    map.set('127.0.0.1:7000', 'a')
    map.set('127.0.0.1:7001', 'b')
    map.set('127.0.0.1:7002', 'c')
    assert.throws(
      () => map.sync([{ id: A, key: key('127.0.0.1:7000') }]),
      (error: unknown) => error instanceof AggregateError && error.errors.length === 2,
    )
    assert.deepEqual(seen, [
      ['127.0.0.1:7001', false, 1],
      ['127.0.0.1:7002', false, 1],
    ])
    const errors: unknown[] = []
    const quiet = new NodeMap<string>({
      dispose: () => {
        throw new Error('close')
      },
      onError: (error) => errors.push(error),
    })
    quiet.set('127.0.0.1:7001', 'b')
    quiet.sync([{ id: A, key: key('127.0.0.1:7000') }])
    assert.equal(errors.length, 1)
    assert.equal(quiet.size, 0)
  })
})

describe('NodeMap.sync: a new id at an address replaces what was there', () => {
  test('a node restarted with a new id: its old value is disposed with reason replaced, the next lookup dials', () => {
    const { map, disposed } = recorded<string>()
    let dials = 0
    const connect = (k: NodeKey) => `${k} #${++dials}`
    map.sync([{ id: A, key: key('127.0.0.1:7000') }])
    const first = map.getOrCreate('localhost:7000', connect)
    const result = map.sync([{ id: B, key: key('127.0.0.1:7000') }])
    assert.deepEqual(result.replaced, [{ key: '127.0.0.1:7000', id: A, by: B }])
    assert.deepEqual(result.added, [{ id: B, key: '127.0.0.1:7000' }])
    assert.deepEqual(result.departed, [])
    assert.deepEqual(disposed, [[first, '127.0.0.1:7000', 'replaced']])
    const second = map.getOrCreate('127.0.0.1:7000', connect)
    assert.notEqual(second, first)
    assert.equal(dials, 2)
    // The new value is B's: the same topology again keeps it.
    map.sync([{ id: B, key: key('127.0.0.1:7000') }])
    assert.equal(map.get('127.0.0.1:7000'), second)
    assert.equal(disposed.length, 1)
  })

  test('an entry filed before any sync takes the id its address is first listed under, then is replaced on a change', () => {
    const { map, disposed } = recorded<string>()
    map.set('127.0.0.1:7000', 'a')
    assert.deepEqual(map.sync([{ id: A, key: key('127.0.0.1:7000') }]).replaced, [])
    assert.equal(map.get('127.0.0.1:7000'), 'a')
    map.sync([{ id: B, key: key('127.0.0.1:7000') }])
    assert.deepEqual(disposed, [['a', '127.0.0.1:7000', 'replaced']])
  })

  test("two nodes swap addresses: both values go, neither is linked to the other's node", () => {
    const { map, disposed } = recorded<string>()
    map.sync([
      { id: A, key: key('127.0.0.1:7000') },
      { id: B, key: key('127.0.0.1:7001') },
    ])
    map.set('127.0.0.1:7000', 'a')
    map.set('127.0.0.1:7001', 'b')
    const result = map.sync([
      { id: B, key: key('127.0.0.1:7000') },
      { id: A, key: key('127.0.0.1:7001') },
    ])
    assert.deepEqual(
      disposed.map(([value, , reason]) => [value, reason]),
      [
        ['a', 'replaced'],
        ['b', 'replaced'],
      ],
    )
    assert.equal(result.linked.length, 0)
    assert.equal(map.size, 0)
  })

  test('an address listed under two ids (peers still list the old one) keeps an entry synced under either', () => {
    const { map, disposed } = recorded<string>()
    map.sync([{ id: A, key: key('127.0.0.1:7000') }])
    map.set('127.0.0.1:7000', 'a')
    const both = [
      { id: A, key: key('127.0.0.1:7000') },
      { id: B, key: key('127.0.0.1:7000') },
    ]
    assert.deepEqual(map.sync(both), {
      added: [{ id: B, key: '127.0.0.1:7000' }],
      departed: [],
      replaced: [],
      linked: [],
    })
    assert.equal(map.get('127.0.0.1:7000'), 'a')
    // Under neither of them, it is another node's address.
    map.sync([
      { id: B, key: key('127.0.0.1:7000') },
      { id: C, key: key('127.0.0.1:7000') },
    ])
    assert.deepEqual(disposed, [['a', '127.0.0.1:7000', 'replaced']])
  })

  test('an address no longer its node’s is unlinked: it finds nothing until its new node has a value', () => {
    const { map } = recorded<string>()
    map.set('127.0.0.1:7000', 'a')
    map.sync([{ id: A, key: key('127.0.0.1:7000'), addresses: ['[::1]:7000'] }])
    assert.equal(map.get('[::1]:7000'), 'a')
    map.sync([
      { id: A, key: key('127.0.0.1:7000') },
      { id: B, key: key('[::1]:7000') },
    ])
    assert.equal(map.get('[::1]:7000'), undefined)
    assert.equal(map.get('127.0.0.1:7000'), 'a')
    assert.equal(map.keyOf('::1:7000'), '[::1]:7000')
  })
})

describe('NodeMap.sync: every address of a node finds one entry', () => {
  test('a node listed under two addresses (two replies, or `addresses`) is one entry; a second value merges away', () => {
    const { map, disposed } = recorded<string>()
    map.set('127.0.0.1:7000', 'v4')
    map.set('[::1]:7000', 'v6')
    const result = map.sync([
      { id: A, key: key('127.0.0.1:7000') },
      { id: A, key: key('[::1]:7000') },
    ])
    assert.deepEqual(result.linked, [{ address: '[::1]:7000', key: '127.0.0.1:7000', id: A }])
    assert.deepEqual(disposed, [['v6', '[::1]:7000', 'link']])
    assert.equal(map.get('::1', 7000), 'v4')
    assert.equal(map.keyOf('[::1]:7000'), '127.0.0.1:7000')
    assert.deepEqual([...map.keys()], ['127.0.0.1:7000'])
    const again = map.sync([{ id: A, key: key('127.0.0.1:7000'), addresses: ['::1:7000'] }])
    assert.deepEqual(again.linked, [])
  })

  test('an entry is preferred to a creation in flight as the node’s one value', async () => {
    const { map, disposed } = recorded<string>()
    const gate = deferred<string>()
    const waiting = map.getOrCreateAsync('127.0.0.1:7000', () => gate.promise)
    map.set('[::1]:7000', 'filed')
    map.sync([{ id: A, key: key('127.0.0.1:7000'), addresses: ['[::1]:7000'] }])
    assert.equal(map.keyOf('127.0.0.1:7000'), '[::1]:7000')
    gate.resolve('late')
    assert.equal(await waiting, 'filed')
    assert.deepEqual(disposed, [['late', '127.0.0.1:7000', 'stale']])
  })

  test('after a sync, a value made at any address of a node is found at all of them: one dial', () => {
    const { map } = recorded<string>()
    let dials = 0
    map.sync([{ id: A, key: key('127.0.0.1:7000'), addresses: ['[::1]:7000', 'redis-a.example:7000'] }])
    const value = map.getOrCreate('REDIS-A.example', 7000, (k) => `${k} #${++dials}`)
    assert.equal(value, 'redis-a.example:7000 #1')
    for (const address of ['127.0.0.1:7000', '::1:7000', 'redis-a.example:7000']) {
      assert.equal(
        map.getOrCreate(address, (k) => `${k} #${++dials}`),
        value,
        address,
      )
    }
    assert.equal(dials, 1)
    assert.equal(map.size, 1)
  })

  test('a creation in flight at one address is joined from the others', async () => {
    const { map } = recorded<string>()
    map.sync([{ id: A, key: key('127.0.0.1:7000'), addresses: ['[::1]:7000'] }])
    let dials = 0
    const create = async (k: NodeKey) => `${k} #${++dials}`
    const [one, two] = await Promise.all([
      map.getOrCreateAsync('[::1]:7000', create),
      map.getOrCreateAsync('127.0.0.1:7000', create),
    ])
    assert.equal(one, two)
    assert.equal(dials, 1)
  })

  test('a node announced at a new address keeps its value, found at the new address too', () => {
    const { map, disposed } = recorded<string>()
    map.sync([{ id: A, key: key('127.0.0.1:7000') }])
    map.set('127.0.0.1:7000', 'a')
    const result = map.sync([{ id: A, key: key('127.0.0.2:7000') }])
    assert.deepEqual(result.linked, [{ address: '127.0.0.2:7000', key: '127.0.0.1:7000', id: A }])
    assert.deepEqual(result.departed, [])
    assert.equal(map.get('127.0.0.2:7000'), 'a')
    assert.equal(disposed.length, 0)
    // Gone from both: it departs, and its link with it.
    map.sync([{ id: B, key: key('127.0.0.3:7000') }])
    assert.deepEqual(disposed, [['a', '127.0.0.1:7000', 'departed']])
    assert.equal(map.keyOf('127.0.0.2:7000'), '127.0.0.2:7000')
  })

  test('addresses listed without an id keep what they find, and take no id', () => {
    const { map, disposed } = recorded<string>()
    map.set('127.0.0.1:7000', 'a')
    map.set('127.0.0.1:7001', 'b')
    map.sync(['localhost:7000', { host: '127.0.0.1', port: 7001 }])
    assert.equal(disposed.length, 0)
    map.sync([{ key: key('127.0.0.1:7000') }])
    assert.deepEqual(disposed, [['b', '127.0.0.1:7001', 'departed']])
    // Listed under an id later, the entry takes it without being replaced.
    assert.deepEqual(map.sync([{ id: A, key: key('127.0.0.1:7000') }]).replaced, [])
    assert.equal(map.get('127.0.0.1:7000'), 'a')
  })
})

describe('NodeMap.sync: creations in flight', () => {
  test('a creation for a departed node is cancelled: its signal aborts, its value is disposed stale', async () => {
    const { map, disposed } = recorded<string>()
    const gate = deferred<string>()
    let aborted: { reason: unknown; present: boolean } | undefined
    const waiting = map.getOrCreateAsync('127.0.0.1:7000', (_k, _dial, signal) => {
      signal.addEventListener('abort', () => {
        aborted = { reason: signal.reason, present: map.has('127.0.0.1:7001') }
      })
      return gate.promise
    })
    map.set('127.0.0.1:7001', 'b')
    const result = map.sync([{ id: B, key: key('127.0.0.1:7001') }])
    assert.deepEqual(result.departed, [{ key: '127.0.0.1:7000', id: undefined }])
    assert.ok(aborted !== undefined)
    assert.equal(aborted.present, true)
    assert.match(String((aborted.reason as Error).message), /departed/)
    gate.resolve('late')
    await assert.rejects(
      waiting,
      (error: unknown) =>
        error instanceof StaleCreationError &&
        error.reason === 'departed' &&
        /left the topology/.test(error.message),
    )
    assert.deepEqual(disposed, [['late', '127.0.0.1:7000', 'stale']])
    assert.equal(map.has('127.0.0.1:7000'), false)
  })

  test('a creation begun under one id is cancelled when another id is listed at its address', async () => {
    const { map, disposed } = recorded<string>()
    map.sync([{ id: A, key: key('127.0.0.1:7000') }])
    const gate = deferred<string>()
    const waiting = map.getOrCreateAsync('127.0.0.1:7000', () => gate.promise)
    const result = map.sync([{ id: B, key: key('127.0.0.1:7000') }])
    assert.deepEqual(result.replaced, [{ key: '127.0.0.1:7000', id: A, by: B }])
    gate.resolve('late')
    await assert.rejects(
      waiting,
      (error: unknown) => error instanceof StaleCreationError && error.reason === 'replaced',
    )
    assert.deepEqual(disposed, [['late', '127.0.0.1:7000', 'stale']])
  })

  test('a value filed over a creation in flight takes the id the creation was synced under', async () => {
    const { map, disposed } = recorded<string>()
    map.sync([{ id: A, key: key('127.0.0.1:7000') }])
    const gate = deferred<string>()
    const waiting = map.getOrCreateAsync('127.0.0.1:7000', () => gate.promise)
    // The node moves: its creation in flight stays its one value, found at the new address.
    assert.deepEqual(map.sync([{ id: A, key: key('127.0.0.1:7001') }]).linked, [
      { address: '127.0.0.1:7001', key: '127.0.0.1:7000', id: A },
    ])
    map.set('127.0.0.1:7000', 'v')
    assert.equal(map.get('127.0.0.1:7001'), 'v')
    // Another node at the new address: the value is still A's, which has left, so it goes.
    map.sync([{ id: B, key: key('127.0.0.1:7001') }])
    assert.deepEqual(disposed, [['v', '127.0.0.1:7000', 'departed']])
    assert.equal(map.get('127.0.0.1:7001'), undefined)
    gate.resolve('late')
    // The creation was superseded by the value filed over it: its callers got nothing filed since.
    await assert.rejects(waiting, StaleCreationError)
    assert.deepEqual(disposed.at(-1), ['late', '127.0.0.1:7000', 'stale'])
  })

  test('a creation for a present node survives the sync, is filed, and carries the id it was synced under', async () => {
    const { map, disposed } = recorded<string>()
    const gate = deferred<string>()
    const waiting = map.getOrCreateAsync('127.0.0.1:7000', () => gate.promise)
    map.sync([{ id: A, key: key('127.0.0.1:7000') }])
    gate.resolve('made')
    assert.equal(await waiting, 'made')
    assert.equal(map.get('127.0.0.1:7000'), 'made')
    map.sync([{ id: B, key: key('127.0.0.1:7000') }])
    assert.deepEqual(disposed, [['made', '127.0.0.1:7000', 'replaced']])
  })
})

describe('NodeMap.sync: input', () => {
  const CLUSTER_SLOTS = [
    [0, 8191, ['127.0.0.1', 7000, A], ['127.0.0.1', 7003, C]],
    [8192, 16383, ['', 7001, B]],
  ]

  test("a topology reader's result is taken as it is", () => {
    const { map, disposed } = recorded<string>()
    for (const port of [7000, 7001, 7002, 7003]) map.set(`localhost:${port}`, `v${port}`)
    const result = map.sync(readClusterSlots(CLUSTER_SLOTS, { origin: '127.0.0.1' }))
    assert.deepEqual(
      result.added.map(({ id }) => id),
      [A, C, B],
    )
    assert.deepEqual(disposed, [['v7002', '127.0.0.1:7002', 'departed']])
    // The nodes alone work as well.
    assert.equal(map.sync(readClusterSlots(CLUSTER_SLOTS, { origin: '127.0.0.1' }).nodes).departed.length, 0)
  })

  test('a node listed without an address (unkeyed) keeps the entry synced under its id', () => {
    const { map, disposed } = recorded<string>()
    const line = (id: string, address: string, flags: string) => `${id} ${address} ${flags} - 0 0 1 connected`
    const before = [
      line(A, '127.0.0.1:7000@17000', 'myself,master'),
      line(B, '127.0.0.1:7001@17001', 'master'),
    ]
    map.sync(readClusterNodes(before.join('\n')))
    map.set('127.0.0.1:7001', 'b')
    const after = [line(A, '127.0.0.1:7000@17000', 'myself,master'), line(B, ':0@0', 'master,noaddr')]
    const topology = readClusterNodes(after.join('\n'))
    assert.equal(topology.unkeyed.length, 1)
    assert.deepEqual(map.sync(topology).departed, [])
    assert.equal(map.get('127.0.0.1:7001'), 'b')
    // Gone from the reply altogether, it departs.
    map.sync(readClusterNodes(before[0]!))
    assert.deepEqual(disposed, [['b', '127.0.0.1:7001', 'departed']])
  })

  test('an empty topology is refused unless allowEmpty is given: a failed read must not close everything', () => {
    const { map, disposed } = recorded<string>()
    map.set('127.0.0.1:7000', 'a')
    for (const empty of [[], { nodes: [] }, { nodes: [], unkeyed: [{ id: A }] }, new Set<string>()]) {
      assert.throws(
        () => map.sync(empty),
        (error: unknown) =>
          error instanceof NodeMapSyncError &&
          isNodeKeyError(error) &&
          error.code === 'ERR_NODE_KEY_SYNC_REFUSED' &&
          error.reason === 'empty-topology' &&
          /allowEmpty/.test(error.message),
      )
    }
    assert.equal(map.get('127.0.0.1:7000'), 'a')
    assert.deepEqual(map.sync([], { allowEmpty: true }).departed, [{ key: '127.0.0.1:7000', id: undefined }])
    assert.deepEqual(disposed, [['a', '127.0.0.1:7000', 'departed']])
  })

  test('bad input is refused with a typed error naming what was expected, and the map is unchanged', () => {
    const throwing = {
      get key(): string {
        throw new Error('no key')
      },
    }
    const cases: [input: unknown, reason: string, pattern: RegExp, index?: number][] = [
      ['127.0.0.1:7000', 'not-a-topology', /wrap one address in an array/],
      [42, 'not-a-topology', /Expected a topology/],
      [null, 'not-a-topology', /Expected a topology/],
      [{ nodes: 7 }, 'not-a-topology', /Expected a topology/],
      [{ nodes: [], unkeyed: 'x' }, 'not-a-topology', /unkeyed/],
      [{ nodes: [{ id: A, key: '127.0.0.1:1' }], unkeyed: [{ id: 1 }] }, 'invalid-id', /unkeyed node/],
      [[7000], 'not-a-node', /\{ id\?, key, addresses\? \} or an address/, 0],
      [
        [
          { id: A, key: '127.0.0.1:1' },
          { id: 7, key: '127.0.0.1:2' },
        ],
        'invalid-id',
        /node 1/,
        1,
      ],
      [[{ id: '', key: '127.0.0.1:2' }], 'invalid-id', /non-empty string/, 0],
      [[{ id: A, host: '127.0.0.1', port: 7000 }], 'not-a-node', /as `key`/, 0],
      [[{ id: A, key: 'bad host:1' }], 'invalid-address', /node 0 \(id "07c3/, 0],
      [[{ id: A, key: '127.0.0.1:0' }], 'invalid-address', /port/, 0],
      [[{ id: A, key: '127.0.0.1:1', addresses: '::1:1' }], 'not-a-node', /iterable of addresses/, 0],
      [[{ id: A, key: '127.0.0.1:1', addresses: ['::1:0'] }], 'invalid-address', /node 0/, 0],
      [
        [
          {
            id: A,
            key: '127.0.0.1:1',
            addresses: Array.from({ length: 16 }, (_, i) => `127.0.0.2:${i + 1}`),
          },
        ],
        'too-many-addresses',
        /at most 15/,
        0,
      ],
      [[throwing], 'unreadable', /readable/],
      [
        {
          *[Symbol.iterator]() {
            yield '127.0.0.1:7000'
            throw new Error('broken')
          },
        },
        'unreadable',
        /readable/,
      ],
    ]
    for (const [input, reason, pattern, index] of cases) {
      const { map, disposed } = recorded<string>()
      map.set('127.0.0.1:7000', 'a')
      map.set('127.0.0.1:7009', 'z')
      assert.throws(
        () => map.sync(input as never),
        (error: unknown) => {
          assert.ok(error instanceof NodeMapSyncError, String(error))
          assert.equal(error.reason, reason, String(error))
          assert.match(error.message, pattern)
          assert.equal(error.index, index)
          return true
        },
      )
      assert.deepEqual([...map.keys()], ['127.0.0.1:7000', '127.0.0.1:7009'])
      assert.deepEqual(disposed, [])
    }
    const keyerError = (() => {
      try {
        new NodeMap().sync([{ key: 'bad host:1' }])
      } catch (error) {
        return error as NodeMapSyncError
      }
      return undefined
    })()
    assert.ok(keyerError !== undefined && isNodeKeyError(keyerError.cause))
    // Recognized by its code too, as an error from another realm is.
    const foreign = { code: 'ERR_NODE_KEY_SYNC_REFUSED', reason: 'empty-topology', message: 'm' }
    assert.equal(isNodeKeyError(foreign), true)
  })

  test('options: allowEmpty must be a boolean, and unknown names are refused', () => {
    const map = new NodeMap<string>()
    assert.throws(
      () => map.sync([], { allowEmpty: 'yes' as never }),
      /`allowEmpty` of NodeMap.sync to be a boolean/,
    )
    assert.throws(() => map.sync(['127.0.0.1:1'], { allowempty: true } as never), /did you mean `allowEmpty`/)
    assert.throws(() => map.sync(['127.0.0.1:1'], 'x' as never), TypeError)
  })

  test('clear() forgets the ids: the next sync adds them all again and replaces nothing filed since', () => {
    const { map, disposed } = recorded<string>()
    map.sync([{ id: A, key: key('127.0.0.1:7000') }])
    map.set('127.0.0.1:7000', 'a')
    map.clear()
    map.set('127.0.0.1:7000', 'fresh')
    const result = map.sync([{ id: B, key: key('127.0.0.1:7000') }])
    assert.deepEqual(result.added, [{ id: B, key: '127.0.0.1:7000' }])
    assert.deepEqual(result.replaced, [])
    assert.deepEqual(disposed, [['a', '127.0.0.1:7000', 'clear']])
  })

  test('a link made by hand from an address the topology does not list stays with its entry', () => {
    const { map } = recorded<string>()
    map.set('127.0.0.1:7000', 'a')
    map.link('[::1]:7000', '127.0.0.1:7000')
    map.sync([{ id: A, key: key('127.0.0.1:7000') }])
    assert.equal(map.get('::1:7000'), 'a')
  })
})

// ---------------------------------------------------------------------------------------------------------
// The model: topologies in sequence over a few addresses (each with several spellings), node ids moving
// among them, leaving and coming back, while values are made (at once and in flight) and creations settle in
// an order fast-check picks.

const ADDRESSES: { key: NodeKey; spellings: AddressInput[] }[] = [
  { key: key('127.0.0.1:7000'), spellings: ['127.0.0.1:7000', 'localhost:7000', '::ffff:127.0.0.1:7000'] },
  { key: key('[::1]:7000'), spellings: ['[::1]:7000', '::1:7000', { host: '0:0::1', port: 7000 }] },
  { key: key('127.0.0.2:7001'), spellings: ['127.0.0.2:7001', '127.2:7001'] },
  { key: key('127.0.0.1:7002'), spellings: ['127.0.0.1:7002', { host: 'LOCALHOST', port: '7002' }] },
  { key: key('redis-a.example:7003'), spellings: ['redis-a.example:7003', 'REDIS-A.example:7003'] },
]
const IDS = ['n0', 'n1', 'n2', 'n3']

/** A topology: each address under one id or none, listed in one or two pieces, in the spellings given. */
interface Topology {
  /** The id each address is listed under, or -1. */
  owners: number[]
  /** Per address: which spelling, and whether it goes in a second listing of its node. */
  spellings: number[]
  split: boolean[]
  /** Pass `{ nodes }` rather than the array. */
  wrapped: boolean
}

const topologyArb: fc.Arbitrary<Topology> = fc.record({
  owners: fc.array(fc.integer({ min: -1, max: IDS.length - 1 }), {
    minLength: ADDRESSES.length,
    maxLength: ADDRESSES.length,
  }),
  spellings: fc.array(fc.nat(2), { minLength: ADDRESSES.length, maxLength: ADDRESSES.length }),
  split: fc.array(fc.boolean(), { minLength: ADDRESSES.length, maxLength: ADDRESSES.length }),
  wrapped: fc.boolean(),
})

const spellingOf = (address: number, which: number): AddressInput => {
  const { spellings } = ADDRESSES[address]!
  return spellings[which % spellings.length]!
}

/** The nodes of a topology as sync takes them. */
const nodesOf = (topology: Topology): NodeMapSyncNode[] => {
  const nodes: NodeMapSyncNode[] = []
  for (const [owner, id] of IDS.entries()) {
    const listed = [...ADDRESSES.keys()].filter((address) => topology.owners[address] === owner)
    const pieces = [listed.filter((a) => !topology.split[a]), listed.filter((a) => topology.split[a])]
    for (const piece of pieces) {
      const [first, ...rest] = piece
      if (first === undefined) continue
      nodes.push({
        id,
        key: spellingOf(first, topology.spellings[first]!),
        addresses: rest.map((a) => spellingOf(a, topology.spellings[a]!)),
      })
    }
  }
  return nodes
}

type Step =
  | { op: 'sync'; topology: Topology }
  | { op: 'create'; address: number; spelling: number }
  | { op: 'async'; address: number; spelling: number; fail: boolean }
  | { op: 'get'; address: number; spelling: number }
  | { op: 'delete'; address: number; spelling: number }

const addressArb = fc.nat(ADDRESSES.length - 1)
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('sync' as const), topology: topologyArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('create' as const), address: addressArb, spelling: fc.nat(2) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('async' as const),
      address: addressArb,
      spelling: fc.nat(2),
      fail: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('get' as const), address: addressArb, spelling: fc.nat(2) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('delete' as const), address: addressArb, spelling: fc.nat(2) }),
  },
)

/** A value the model made: where it was made, and the id the model expects the map to have filed it under. */
interface Made {
  readonly n: number
  readonly key: NodeKey
  /** The id the map should hold it under, as the test follows it; `undefined`: none yet. */
  id: string | undefined
  /** How many syncs had run when its creation began. */
  readonly epoch: number
}

/** A creation the model started, followed so that the value it files (if any) gets the right id. */
interface Started {
  readonly key: NodeKey
  id: string | undefined
  readonly epoch: number
  /** Its value, once `create` has made it (the map files it a moment later, if at all). */
  value?: Made
  /** Aborted once the map no longer holds the creation (superseded, deleted, synced away). */
  readonly signal: AbortSignal
  failed?: boolean
}

test('sync in sequence with creations settling in any order: only present nodes, one value per node, each value disposed once (fast-check)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.array(stepArb, { maxLength: 30 }), async (s, steps) => {
      const made: Made[] = []
      const reasons = new Map<Made, NodeMapDisposeReason[]>()
      const map = new NodeMap<Made>({
        dispose: (value, _key, reason) => {
          const list = reasons.get(value) ?? []
          list.push(reason)
          reasons.set(value, list)
          // At most once, at every moment.
          assert.equal(list.length, 1, `${value.n} disposed twice: ${list.join(', ')}`)
        },
      })
      /** The id each address was listed under by the last sync. */
      let table = new Map<NodeKey, string>()
      let syncs = 0
      /** Every value the last topology's addresses find. */
      const reachable = (): Set<Made> => {
        const values = new Set<Made>()
        for (const address of ADDRESSES) {
          if (!table.has(address.key)) continue
          for (const spelling of address.spellings) {
            const value = map.get(spelling)
            if (value !== undefined) values.add(value)
          }
        }
        return values
      }
      /**
       * Between syncs too: a value held whose creation began before the last sync is a node of that sync
       * (no creation cancelled by a sync files its value later).
       */
      const checkHeld = (): void => {
        if (syncs === 0) return
        // Each node of the last sync has one value at most, found at all of its addresses that find one.
        const byNode = new Map<string, Set<Made>>()
        for (const address of ADDRESSES) {
          const id = table.get(address.key)
          if (id === undefined) continue
          const values = byNode.get(id) ?? new Set()
          byNode.set(id, values)
          for (const spelling of address.spellings) {
            const value = map.get(spelling)
            if (value !== undefined) values.add(value)
          }
        }
        for (const [id, values] of byNode) assert.ok(values.size <= 1, `${id} has ${values.size} values`)
        const found = reachable()
        for (const value of map.values()) {
          if (value.epoch < syncs)
            assert.ok(found.has(value), `${value.n}, begun before the last sync, is no node of it`)
        }
      }
      const started: Started[] = []
      const refused = new Error('refused')
      const outcomes: Promise<void>[] = []

      const syncTo = (topology: Topology): void => {
        const owners = new Map<NodeKey, string>()
        for (const [address, owner] of topology.owners.entries()) {
          if (owner >= 0) owners.set(ADDRESSES[address]!.key, IDS[owner]!)
        }
        const present = new Set(owners.values())
        const before = new Map([...map.entries()].map(([k, value]) => [value, k]))
        const nodes = nodesOf(topology)
        const disposedBefore = new Set(reasons.keys())
        // What the rules say of each value held now.
        const replaced = new Set<Made>()
        const departed = new Set<Made>()
        for (const [value, at] of before) {
          const now = owners.get(at)
          if (now !== undefined && value.id !== undefined && value.id !== now) replaced.add(value)
          else if (now === undefined && (value.id === undefined || !present.has(value.id)))
            departed.add(value)
        }
        const result =
          nodes.length === 0
            ? map.sync(topology.wrapped ? { nodes } : nodes, { allowEmpty: true })
            : map.sync(topology.wrapped ? { nodes } : nodes)
        const after = new Map([...map.entries()].map(([k, value]) => [value, k]))
        // Nothing is created by sync, and whatever it disposed is for a reason of its own.
        for (const value of after.keys()) assert.ok(before.has(value), `sync filed ${value.n}`)
        for (const [value, list] of reasons) {
          if (disposedBefore.has(value)) continue
          const reason = list[0]!
          if (reason === 'replaced') assert.ok(replaced.has(value), `${value.n} replaced`)
          else if (reason === 'departed') assert.ok(departed.has(value), `${value.n} departed`)
          else assert.equal(reason, 'link', `${value.n} disposed by sync with ${reason}`)
        }
        for (const value of [...replaced, ...departed]) assert.ok(!after.has(value), `${value.n} kept`)
        // The report names every replaced value's key (and the keys of creations in flight replaced).
        const reported = new Set(result.replaced.map((r) => r.key))
        for (const value of replaced) assert.ok(reported.has(before.get(value)!), `${value.n} not reported`)
        const kept = new Set(after.values())
        for (const { key: at } of result.departed) assert.ok(!kept.has(at), `${at} departed and kept`)
        // Every value held is some present node's, found by its addresses, one value per node.
        const found = new Map<string, Made | undefined>()
        for (const [address, owner] of topology.owners.entries()) {
          if (owner < 0) continue
          for (const spelling of ADDRESSES[address]!.spellings) {
            const value = map.get(spelling)
            const id = IDS[owner]!
            if (!found.has(id)) found.set(id, value)
            assert.equal(value, found.get(id), `${id}: two values, or one not found at every address`)
          }
        }
        const reachable = [...found.values()].filter((value) => value !== undefined)
        assert.equal(new Set(reachable).size, reachable.length, 'two nodes share a value')
        assert.deepEqual(new Set(map.values()), new Set(reachable), 'a value no listed address finds')
        // A value that stayed and was not replaced or departed is still its node's.
        for (const value of before.keys()) {
          if (replaced.has(value) || departed.has(value) || after.has(value)) continue
          assert.deepEqual(reasons.get(value), ['link'])
        }
        // The ids the map now holds values under, as the rules give them.
        for (const [value, at] of after) value.id = owners.get(at) ?? value.id
        for (const creation of started) {
          const { value } = creation
          if (value !== undefined && (before.has(value) || reasons.has(value))) continue
          // Still in flight (or made and not yet filed): it follows the rules of an entry at its key.
          const holder = value ?? creation
          const now = owners.get(creation.key)
          if (now !== undefined) holder.id = now
          else if (holder.id !== undefined && !present.has(holder.id)) holder.id = undefined
        }
        table = owners
        syncs++
      }

      for (const step of steps) {
        outcomes.push(
          s.schedule(Promise.resolve(), step.op).then(() => {
            if (step.op === 'sync') return syncTo(step.topology)
            checkHeld()
            const spelling = spellingOf(step.address, step.spelling)
            if (step.op === 'get') {
              map.get(spelling)
              return
            }
            if (step.op === 'delete') {
              map.delete(spelling)
              return
            }
            if (step.op === 'create') {
              map.getOrCreate(spelling, (k) => {
                // A value filed over a creation in flight takes the id it was synced under.
                const over = started.find(
                  (creation) =>
                    creation.key === k &&
                    creation.failed !== true &&
                    !creation.signal.aborted &&
                    (creation.value === undefined ||
                      !(reasons.has(creation.value) || [...map.values()].includes(creation.value))),
                )
                const value: Made = { n: made.length, key: k, id: table.get(k) ?? over?.id, epoch: syncs }
                made.push(value)
                return value
              })
              return
            }
            const { fail } = step
            const waiter = map.getOrCreateAsync(spelling, async (k, _dial, signal) => {
              const creation: Started = { key: k, id: table.get(k), epoch: syncs, signal }
              started.push(creation)
              await s.schedule(Promise.resolve(), `create ${k}`)
              if (fail) {
                creation.failed = true
                throw refused
              }
              const value: Made = { n: made.length, key: k, id: creation.id, epoch: creation.epoch }
              creation.value = value
              made.push(value)
              return value
            })
            return waiter.then(
              (value) => {
                assert.ok(made.includes(value))
                checkHeld()
              },
              (error: unknown) =>
                assert.ok(error === refused || error instanceof StaleCreationError, String(error)),
            )
          }),
        )
      }
      await s.waitAll()
      await Promise.all(outcomes)
      checkHeld()
      map.clear()
      // Exactly once, after clear().
      for (const value of made) assert.equal(reasons.get(value)?.length, 1, `${value.n} never disposed`)
      assert.equal(reasons.size, made.length)
    }),
    { numRuns: 300 },
  )
})

describe('NodeMap.sync: bounds and liveness', () => {
  test('a node that moved finds its entry at every address listed, as many as it may list', () => {
    const { map } = recorded<string>()
    map.sync([{ id: A, key: '10.0.0.1:7000' }])
    map.set('10.0.0.1:7000', 'e')
    // The entry stays under its old key; the node's new key and its 15 more addresses all link to it.
    const addresses = Array.from({ length: 15 }, (_, i) => `10.0.1.${i + 1}:7000`)
    const { linked, departed } = map.sync([{ id: A, key: '10.0.1.0:7000', addresses }])
    assert.deepEqual(departed, [])
    for (const address of ['10.0.1.0:7000', ...addresses]) assert.equal(map.get(address), 'e', address)
    assert.equal(linked.length, 16)
    for (const link of linked) assert.equal(map.keyOf(link.address), link.key)
  })

  test('an address linked before is linked again, so older links give way first', () => {
    const { map } = recorded<string>()
    map.sync([{ id: A, key: '10.0.0.1:7000', addresses: ['10.0.0.2:7000'] }])
    map.set('10.0.0.1:7000', 'e')
    // 15 links made by hand to the entry, after the listed one: the target is full.
    for (let i = 1; i <= 15; i++) map.link(`10.0.9.${i}:7000`, '10.0.0.1:7000')
    map.sync([{ id: A, key: '10.0.0.1:7000', addresses: ['10.0.0.2:7000'] }])
    map.link('10.0.9.99:7000', '10.0.0.1:7000')
    assert.equal(map.get('10.0.0.2:7000'), 'e', 'the listed address kept its link')
  })

  test('a dead value is disposed as dead and never chosen over a live one', () => {
    const dead = new Set<string>()
    const disposed: Departure[] = []
    const map = new NodeMap<string>({
      isAlive: (value) => !dead.has(value),
      dispose: (value, key, reason) => disposed.push([value, key, reason]),
    })
    map.set('10.0.0.1:7000', 'old')
    map.set('10.0.0.2:7000', 'live')
    dead.add('old')
    map.sync([{ id: A, key: '10.0.0.1:7000', addresses: ['10.0.0.2:7000'] }])
    assert.deepEqual(disposed, [['old', key('10.0.0.1:7000'), 'dead']])
    assert.equal(map.get('10.0.0.1:7000'), 'live')
    assert.equal(map.get('10.0.0.2:7000'), 'live')
  })

  test('a creation filed under the key of an entry that stays is not reported departed', async () => {
    // A keyer whose answers change: a.test comes to key as 10.0.0.1 once `names` says so.
    const names = new Map<string, string>()
    const keyer = Object.assign(
      (input: unknown, port?: unknown): NodeKey => {
        const known =
          port === undefined
            ? canonicalNodeKey(input as AddressInput)
            : canonicalNodeKey(input as string, port as number)
        const colon = known.lastIndexOf(':')
        const ip = names.get(known.slice(0, colon))
        return ip === undefined ? known : (`${ip}${known.slice(colon)}` as NodeKey)
      },
      { generation: 0 },
    )
    const disposed: Departure[] = []
    const map = new NodeMap<string>({
      keyer,
      dispose: (value, k, reason) => disposed.push([value, k, reason]),
    })
    let release!: (value: string) => void
    const pending = map.getOrCreateAsync(
      'a.test:7000',
      () => new Promise<string>((resolve) => (release = resolve)),
    )
    map.set('10.0.0.1:7000', 'e')
    names.set('a.test', '10.0.0.1')
    keyer.generation++
    const { departed } = map.sync([{ id: A, key: '10.0.0.1:7000' }])
    assert.deepEqual(departed, [])
    assert.equal(map.get('10.0.0.1:7000'), 'e')
    release('p')
    await pending.catch(() => undefined)
    assert.equal(map.get('10.0.0.1:7000'), 'e')
  })
})
