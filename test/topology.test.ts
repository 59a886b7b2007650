/**
 * The topology readers, on replies in every shape a client hands over: RESP2 flat arrays, RESP3 objects (as
 * redis-cli --json and node-redis's default type mapping give them), Maps, Buffers and String objects, and
 * the real captures in test/fixtures/redis-cli, checked against the facts of manifest.json.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createNodeKeyer, isNodeKeyError, staticResolver } from '../src/index.ts'
import {
  type ClusterTopology,
  InvalidTopologyError,
  readClusterNodes,
  readClusterShards,
  readClusterSlots,
} from '../src/topology/index.ts'

const fixtures = fileURLToPath(new URL('fixtures/redis-cli/', import.meta.url))
const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(40)

/** Turn every plain object of a JSON value into a Map, as node-redis does with `{ [RESP_TYPES.MAP]: Map }`. */
const withMaps = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withMaps)
  if (typeof value === 'object' && value !== null) {
    return new Map(Object.entries(value).map(([key, item]) => [key, withMaps(item)]))
  }
  return value
}

/** Every string as a Buffer, as ioredis 6 decodes RESP3 strings before its per-command encoding. */
const withBuffers = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withBuffers)
  if (typeof value === 'string') return Buffer.from(value)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withBuffers(item)]))
  }
  return value
}

describe('readClusterSlots', () => {
  test('RESP2 metadata (flat array) and RESP3 (object, Map): keys, hostname, ip, roles, ranges', () => {
    const resp2 = [
      [0, 5460, ['127.0.0.1', 7000, A, ['hostname', 'Node-A.example.']], ['::1', 7003, C, []]],
      [5461, 16383, ['node-b.example', 7001, B, ['ip', '10.0.0.2']]],
    ]
    const resp3 = [
      [0, 5460, ['127.0.0.1', 7000, A, { hostname: 'Node-A.example.' }], ['::1', 7003, C, {}]],
      [5461, 16383, ['node-b.example', 7001, B, { ip: '10.0.0.2' }]],
    ]
    const expected: ClusterTopology = {
      slots: [
        { start: 0, end: 5460, master: A, replicas: [C] },
        { start: 5461, end: 16383, master: B, replicas: [] },
      ],
      nodes: [
        {
          id: A,
          key: '127.0.0.1:7000' as never,
          host: '127.0.0.1',
          port: 7000,
          announced: '127.0.0.1',
          hostname: 'Node-A.example.',
          ip: '127.0.0.1',
          role: 'master',
        },
        {
          id: C,
          key: '[::1]:7003' as never,
          host: '::1',
          port: 7003,
          announced: '::1',
          ip: '::1',
          role: 'replica',
        },
        {
          id: B,
          key: 'node-b.example:7001' as never,
          host: 'node-b.example',
          port: 7001,
          servername: 'node-b.example',
          announced: 'node-b.example',
          hostname: 'node-b.example',
          ip: '10.0.0.2',
          role: 'master',
        },
      ],
      unkeyed: [],
    }
    assert.deepEqual(readClusterSlots(resp2), expected)
    assert.deepEqual(readClusterSlots(resp3), expected)
    assert.deepEqual(readClusterSlots(withMaps(resp3)), expected)
    assert.deepEqual(readClusterSlots(withBuffers(resp3)), expected)
  })

  test('the keyer decides the key; host and port are what it stands for; servername is the name used', () => {
    const keyer = createNodeKeyer({
      trailingDot: 'strip',
      resolver: staticResolver({ 'node-b.example': '10.0.0.2' }),
    })
    const reply = [[0, 16383, ['Node-B.Example.', '7001', B]]] // stringNumbers: the port as a string
    const [node] = readClusterSlots(reply, { keyer }).nodes
    assert.deepEqual(node, {
      id: B,
      key: '10.0.0.2:7001',
      host: '10.0.0.2',
      port: 7001,
      servername: 'node-b.example',
      announced: 'Node-B.Example.',
      hostname: 'Node-B.Example.',
      role: 'master',
    })
  })

  test('an empty or null host is the origin; "?" is reported, not keyed; so is an address the keyer refuses', () => {
    const reply = [
      [0, 1, ['', 7000, A, []]],
      [2, 3, [null, 7001, B, { ip: '' }]],
      [4, 5, ['?', 7002, C, { ip: '10.0.0.3' }]],
      [6, 7, ['bad..host', 7003, 'd'.repeat(40)]],
    ]
    const withOrigin = readClusterSlots(reply, { origin: '[::1]' })
    assert.deepEqual(
      withOrigin.nodes.map((node) => [node.id, node.key, node.announced]),
      [
        [A, '[::1]:7000', ''],
        [B, '[::1]:7001', ''],
      ],
    )
    assert.deepEqual(
      withOrigin.unkeyed.map((node) => [node.id, node.reason, node.announced, node.ip]),
      [
        [C, 'unknown-endpoint', '?', '10.0.0.3'],
        ['d'.repeat(40), 'invalid-address', 'bad..host', undefined],
      ],
    )
    assert.ok(isNodeKeyError(withOrigin.unkeyed[1]?.error))
    assert.equal(withOrigin.slots.length, 4, 'every range is kept, with its master id')
    const without = readClusterSlots(reply)
    assert.deepEqual(
      without.unkeyed.map((node) => [node.id, node.reason]),
      [
        [A, 'no-address'],
        [B, 'no-address'],
        [C, 'unknown-endpoint'],
        ['d'.repeat(40), 'invalid-address'],
      ],
    )
    assert.match(without.unkeyed[0]!.message, /pass `origin`/)
  })

  test("node-redis's typed clusterSlots() shape: { from, to, master, replicas }, read as the reply it came from", () => {
    const raw = [
      [0, 8191, ['127.0.0.1', 7000, 'a'.repeat(40)], ['127.0.0.1', 7003, 'd'.repeat(40)]],
      [8192, 16383, ['LOCALHOST', 7001, 'b'.repeat(40)]],
    ]
    const typed = [
      {
        from: 0,
        to: 8191,
        master: { host: '127.0.0.1', port: 7000, id: 'a'.repeat(40) },
        replicas: [{ host: '127.0.0.1', port: 7003, id: 'd'.repeat(40) }],
      },
      { from: 8192, to: 16383, master: { host: 'LOCALHOST', port: 7001, id: 'b'.repeat(40) }, replicas: [] },
    ]
    assert.deepEqual(readClusterSlots(typed), readClusterSlots(raw))
    assert.deepEqual(
      readClusterSlots(typed).nodes.map((node) => [node.key, node.role]),
      [
        ['127.0.0.1:7000', 'master'],
        ['127.0.0.1:7003', 'replica'],
        ['127.0.0.1:7001', 'master'],
      ],
    )
    // A typed range with a bad node is refused, naming what was expected.
    assert.throws(() => readClusterSlots([{ from: 0, to: 1, master: 'x', replicas: [] }]), {
      name: 'InvalidTopologyError',
      message: /Expected the master of slot range 0 to be \{ host, port, id \}/,
    })
  })

  test('a node that serves several ranges is listed once', () => {
    const reply = [
      [0, 1, ['127.0.0.1', 7000, A]],
      [5, 9, ['127.0.0.1', 7000, A]],
    ]
    const topology = readClusterSlots(reply)
    assert.equal(topology.nodes.length, 1)
    assert.deepEqual(
      topology.slots.map((range) => [range.start, range.end, range.master]),
      [
        [0, 1, A],
        [5, 9, A],
      ],
    )
  })

  const bad: Array<[string, unknown, RegExp]> = [
    ['not an array', 'OK', /Expected the reply to be an array, got "OK"/],
    ['a range too short', [[0, 1]], /Expected slot range 0 to be \[start, end, master, replica…\]/],
    [
      'a slot out of range',
      [[0, 16384, ['h', 1, A]]],
      /end of slot range 0 to be an integer from 0 to 16383/,
    ],
    ['a port that is not a number', [[0, 1, ['h', 'x', A]]], /port of node 0 of slot range 0-1/],
    [
      'a node without an id',
      [[0, 1, ['h', 1]]],
      /Expected node 0 of slot range 0-1 to be \[host, port, id, metadata\?\]/,
    ],
    ['an id with a space', [[0, 1, ['h', 1, 'a b']]], /id of node 0 of slot range 0-1 to be a node id/],
    [
      'metadata of odd length',
      [[0, 1, ['h', 1, A, ['ip']]]],
      /metadata of node 0 of slot range 0-1 to be a map/,
    ],
    ['a host that is a number', [[0, 1, [5, 1, A]]], /host of node 0 of slot range 0-1 to be a string/],
  ]
  for (const [name, reply, message] of bad) {
    test(`a bad reply (${name}): InvalidTopologyError saying what was expected`, () => {
      assert.throws(
        () => readClusterSlots(reply),
        (error: unknown) =>
          error instanceof InvalidTopologyError &&
          error.code === 'ERR_NODE_KEY_INVALID_TOPOLOGY' &&
          isNodeKeyError(error) &&
          /^Invalid CLUSTER SLOTS reply: /.test(error.message) &&
          message.test(error.message),
      )
    })
  }

  test('bad options are TypeErrors', () => {
    assert.throws(() => readClusterSlots([], { keyer: 'x' as never }), TypeError)
    assert.throws(() => readClusterSlots([], { origin: 'bad host' }), TypeError)
    assert.throws(() => readClusterSlots([], 5 as never), TypeError)
  })
})

describe('readClusterShards', () => {
  const resp3 = [
    {
      slots: [0, 100, 200, 300],
      nodes: [
        {
          id: A,
          port: 7000,
          'tls-port': 17000,
          ip: '10.0.0.1',
          endpoint: 'node-a.example',
          hostname: 'node-a.example',
          role: 'master',
          'replication-offset': 1,
          health: 'online',
        },
        {
          id: B,
          port: 7001,
          ip: '10.0.0.2',
          endpoint: '10.0.0.2',
          role: 'replica',
          'replication-offset': 1,
          health: 'online',
        },
      ],
    },
    {
      slots: [],
      nodes: [{ id: C, port: 7002, ip: '10.0.0.3', endpoint: '?', role: 'master', health: 'online' }],
    },
  ]
  /** The same reply as RESP2 delivers it: every map a flat [key, value, …] array. */
  const toResp2 = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(toResp2)
    if (typeof value === 'object' && value !== null) {
      return Object.entries(value).flatMap(([key, item]) => [key, toResp2(item)])
    }
    return value
  }

  test('a role is one of the two names, never a member of Object.prototype', () => {
    for (const role of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const reply = [
        {
          slots: [0, 16383],
          nodes: [{ id: 'a'.repeat(40), port: 7000, ip: '127.0.0.1', endpoint: '127.0.0.1', role }],
        },
      ]
      assert.throws(
        () => readClusterShards(reply),
        {
          name: 'InvalidTopologyError',
          message: /Expected the role of node 0 of shard 0 to be "master" or "replica"/,
        },
        role,
      )
    }
  })

  test('RESP3 objects, Maps, Buffers and RESP2 flat arrays read alike', () => {
    const topology = readClusterShards(resp3)
    assert.deepEqual(topology.slots, [
      { start: 0, end: 100, master: A, replicas: [B] },
      { start: 200, end: 300, master: A, replicas: [B] },
    ])
    assert.deepEqual(
      topology.nodes.map((node) => [node.id, node.key, node.role, node.servername, node.hostname, node.ip]),
      [
        [A, 'node-a.example:7000', 'master', 'node-a.example', 'node-a.example', '10.0.0.1'],
        [B, '10.0.0.2:7001', 'replica', undefined, undefined, '10.0.0.2'],
      ],
    )
    assert.deepEqual(
      topology.unkeyed.map((node) => [node.id, node.reason, node.ip]),
      [[C, 'unknown-endpoint', '10.0.0.3']],
    )
    assert.deepEqual(readClusterShards(toResp2(resp3)), topology)
    assert.deepEqual(readClusterShards(withMaps(resp3)), topology)
    assert.deepEqual(readClusterShards(withBuffers(resp3)), topology)
  })

  test('tls: the tls-port rather than the port', () => {
    assert.equal(readClusterShards(resp3, { tls: true }).nodes[0]?.key, 'node-a.example:17000')
    assert.equal(readClusterShards(resp3, { tls: true }).nodes[1]?.key, '10.0.0.2:7001', 'no tls-port: port')
  })

  const bad: Array<[string, unknown, RegExp]> = [
    ['not an array', { slots: [] }, /Expected the reply to be an array/],
    ['a shard that is not a map', [5], /Expected shard 0 to be a map/],
    ['slots of odd length', [{ slots: [0], nodes: [] }], /slots of shard 0 to be \[start, end, …\] pairs/],
    ['no nodes', [{ slots: [] }], /nodes of shard 0 to be an array, got undefined/],
    [
      'a bad role',
      [{ slots: [], nodes: [{ id: A, port: 1, endpoint: 'h', role: 'leader' }] }],
      /role of node 0 of shard 0 to be "master" or "replica"/,
    ],
    [
      'no port',
      [{ slots: [], nodes: [{ id: A, endpoint: 'h', role: 'master' }] }],
      /node 0 of shard 0 to have a port or a tls-port/,
    ],
    ['a key that is not a string', [[5, []]], /a key of shard 0 to be a string/],
  ]
  for (const [name, reply, message] of bad) {
    test(`a bad reply (${name}): InvalidTopologyError`, () => {
      assert.throws(
        () => readClusterShards(reply),
        (error: unknown) => error instanceof InvalidTopologyError && message.test(error.message),
      )
    })
  }
})

describe('readClusterNodes', () => {
  const text = [
    `${A} 127.0.0.1:7000@17000,node-a.example myself,master - 0 0 1 connected 0-100 200 [300->-${B}]`,
    `${B} ::1:7001@17001 slave ${A} 0 0 1 connected`,
    `${C} :7002@17002 master - 0 0 2 connected 101-199`,
    `${'d'.repeat(40)} :0@0 handshake - 0 0 0 connected`,
  ].join('\n')

  test('keys, roles, hostnames, ranges in slot order (migrating slots are not ranges), replicas by master', () => {
    const topology = readClusterNodes(text, { origin: 'localhost' })
    assert.deepEqual(topology.slots, [
      { start: 0, end: 100, master: A, replicas: [B] },
      { start: 101, end: 199, master: C, replicas: [] },
      { start: 200, end: 200, master: A, replicas: [B] },
    ])
    assert.deepEqual(
      topology.nodes.map((node) => [node.id, node.key, node.role, node.hostname]),
      [
        [A, '127.0.0.1:7000', 'master', 'node-a.example'],
        [B, '[::1]:7001', 'replica', undefined],
        [C, '127.0.0.1:7002', 'master', undefined],
      ],
    )
    assert.equal(topology.nodes[2]?.servername, 'localhost', 'the origin was a name')
    assert.deepEqual(
      topology.unkeyed.map((node) => [node.reason, node.message]),
      [['no-address', `node ${'d'.repeat(40)} has no address yet (":0")`]],
    )
  })

  test('a Buffer and a String object (node-redis VerbatimString) read as the string', () => {
    const expected = readClusterNodes(text)
    assert.deepEqual(readClusterNodes(Buffer.from(text)), expected)
    assert.deepEqual(readClusterNodes(new String(text)), expected)
  })

  test('a bad line: InvalidTopologyError naming the line', () => {
    assert.throws(
      () => readClusterNodes(`${A} 127.0.0.1:7000@17000 master - 0 0 1 connected\nhello world\n`),
      /^InvalidTopologyError: Invalid CLUSTER NODES reply, line 2: Expected a CLUSTER NODES line/,
    )
    assert.throws(
      () => readClusterNodes(`${A} 127.0.0.1:7000@17000 master - 0 0 1 connected 0-99999`),
      /Expected a slot or a slot range/,
    )
    assert.throws(() => readClusterNodes(42), InvalidTopologyError)
  })
})

interface Manifest {
  variants: Array<{
    name: string
    nodes: Array<{ index: number; port: number; id: string }>
    files: Array<{ node: number; file: string }>
  }>
}

describe('real captures (test/fixtures/redis-cli): every reader agrees with the facts of the manifest', () => {
  const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as Manifest
  // The key each mode gives node `index` as node `from` reports it, under the default keyer.
  const keyOf: Record<string, (port: number, index: number, from: number) => string> = {
    ip: (port) => `127.0.0.1:${port}`,
    hostname: (port) => `127.0.0.1:${port}`, // localhost, under the default loopback policy
    ipv6: (port) => `[::1]:${port}`,
    'ip-announce-ipv6': (port, index, from) =>
      index === 2 || from === 2 ? `[::1]:${port}` : `127.0.0.1:${port}`,
  }
  const readers: Array<[RegExp, (text: string) => ClusterTopology]> = [
    [/^cluster-nodes-/, (text) => readClusterNodes(text)],
    [/^cluster-slots-(resp2-)?[0-9]/, (text) => readClusterSlots(JSON.parse(text))],
    [/^cluster-shards-(resp2-)?[0-9]/, (text) => readClusterShards(JSON.parse(text))],
  ]
  for (const variant of manifest.variants) {
    test(variant.name, () => {
      let read = 0
      for (const entry of variant.files) {
        const reader = readers.find(([pattern]) => pattern.test(entry.file))?.[1]
        assert.ok(reader !== undefined, `no reader for ${entry.file}`)
        const topology = reader(readFileSync(join(fixtures, variant.name, entry.file), 'utf8'))
        read++
        assert.deepEqual(topology.unkeyed, [], entry.file)
        assert.deepEqual(
          Object.fromEntries(topology.nodes.map((node) => [node.id, [node.key, node.role]])),
          Object.fromEntries(
            variant.nodes.map((node) => [
              node.id,
              [keyOf[variant.name]!(node.port, node.index, entry.node), 'master'],
            ]),
          ),
          entry.file,
        )
        assert.equal(
          topology.slots.reduce((sum, range) => sum + range.end - range.start + 1, 0),
          16384,
          `${entry.file}: every slot once`,
        )
        if (variant.name === 'hostname') {
          for (const node of topology.nodes) {
            assert.equal(node.hostname, 'localhost', entry.file)
            if (!entry.file.startsWith('cluster-nodes'))
              assert.equal(node.servername, 'localhost', entry.file)
          }
        }
      }
      assert.equal(read, variant.nodes.length * 5, 'nodes, slots and shards, RESP3 and RESP2, of every node')
    })
  }
})

describe('replies that contradict themselves are refused alike by the three readers', () => {
  const node = (id: string, port = 7000) => ['127.0.0.1', port, id]
  const shard = (slots: number[], nodes: { id: string; port?: number; role?: string }[]) => ({
    slots,
    nodes: nodes.map(({ id, port = 7000, role = 'master' }) => ({
      id,
      port,
      ip: '127.0.0.1',
      endpoint: '127.0.0.1',
      role,
    })),
  })
  const line = (id: string, port: number, slots: string, flags = 'master', master = '-') =>
    `${id} 127.0.0.1:${port}@1${port} ${flags} ${master} 0 0 1 connected ${slots}`

  test('an inverted range', () => {
    assert.throws(() => readClusterSlots([[16383, 0, node(A)]]), {
      name: 'InvalidTopologyError',
      message: /Expected slot range 0 to start at or before its end, got 16383-0/,
    })
    assert.throws(() => readClusterShards([shard([9, 2], [{ id: A }])]), {
      name: 'InvalidTopologyError',
      message: /Expected a slot range of shard 0 to start at or before its end, got 9-2/,
    })
    assert.throws(() => readClusterNodes(line(A, 7000, '9-2')), { name: 'InvalidTopologyError' })
  })

  test('a slot in two ranges', () => {
    assert.throws(
      () =>
        readClusterSlots([
          [0, 100, node(A)],
          [50, 200, node(B, 7001)],
        ]),
      {
        name: 'InvalidTopologyError',
        message: /Expected each slot in one range, got slots 0-100 and 50-200/,
      },
    )
    assert.throws(
      () =>
        readClusterSlots([
          [0, 100, node(A)],
          [0, 100, node(A)],
        ]),
      { name: 'InvalidTopologyError' },
    )
    assert.throws(
      () => readClusterShards([shard([0, 100], [{ id: A }]), shard([100, 200], [{ id: B, port: 7001 }])]),
      {
        name: 'InvalidTopologyError',
        message: /Expected each slot in one range/,
      },
    )
    assert.throws(() => readClusterNodes(`${line(A, 7000, '0-100')}\n${line(B, 7001, '100-200')}`), {
      name: 'InvalidTopologyError',
      line: 2,
      message: /line 2: Expected each slot in one range, got slot 100 again/,
    })
  })

  test('two masters in one shard', () => {
    assert.throws(() => readClusterShards([shard([0, 16383], [{ id: A }, { id: B, port: 7001 }])]), {
      name: 'InvalidTopologyError',
      message: /Expected at most one master in shard 0, got 2/,
    })
  })

  test('one node id at two addresses', () => {
    assert.throws(
      () =>
        readClusterSlots([
          [0, 100, node(A)],
          [101, 200, node(A, 7009)],
        ]),
      {
        name: 'InvalidTopologyError',
        message:
          /Expected node "a{40}" at one address in one reply, got it at "127\.0\.0\.1:7000" and at "127\.0\.0\.1:7009"/,
      },
    )
    // Listed once per range it serves, at one address, it is one node.
    assert.equal(
      readClusterSlots([
        [0, 100, node(A)],
        [101, 200, node(A)],
      ]).nodes.length,
      1,
    )
    assert.throws(() => readClusterNodes(`${line(A, 7000, '0')}\n${line(A, 7009, '1')}`), {
      name: 'InvalidTopologyError',
      message: /is repeated/,
    })
  })

  test('a node id of any length and content', () => {
    for (const id of ['', 'x'.repeat(65), 'a b', 'a\u001bb', 'ü']) {
      assert.throws(
        () => readClusterSlots([[0, 16383, ['127.0.0.1', 7000, id]]]),
        { name: 'InvalidTopologyError' },
        id,
      )
      assert.throws(
        () => readClusterShards([shard([0, 16383], [{ id }])]),
        { name: 'InvalidTopologyError' },
        id,
      )
    }
    for (const id of ['x'.repeat(65), 'a\u001bb', 'ü']) {
      assert.throws(
        () => readClusterNodes(line(id, 7000, '0-16383')),
        {
          name: 'InvalidTopologyError',
          message:
            /Expected a node id \(1 to 64 letters, digits, "-" or "_"; Redis writes 40 hex characters\)/,
        },
        id,
      )
    }
    assert.equal(readClusterSlots([[0, 16383, ['127.0.0.1', 7000, 'node-1_A']]]).nodes[0]?.id, 'node-1_A')
  })
})

test('a reply past the documented bounds is refused, before it costs more', () => {
  const id = (i: number) => i.toString(16).padStart(40, '0')
  const many = Array.from(
    { length: 100_001 },
    (_, i) => `${id(i)} 10.0.${(i >> 8) & 255}.${i & 255}:7000@17000 master - 0 0 1 connected`,
  )
  assert.throws(() => readClusterNodes(many.join('\n'), { keyer: () => 'x:1' as never }), {
    name: 'InvalidTopologyError',
    message: /Invalid CLUSTER NODES reply: Expected at most 100000 nodes in one reply/,
  })
  assert.throws(() => readClusterNodes(' '.repeat(16 * 1024 * 1024 + 1)), {
    name: 'InvalidTopologyError',
    message: /expected at most 16777216 characters/,
  })
  const ranges = Array.from({ length: 16_385 }, (_, i) => [i % 16384, i % 16384, ['127.0.0.1', 7000, A]])
  assert.throws(() => readClusterSlots(ranges), {
    name: 'InvalidTopologyError',
    message: /Expected at most 16384 slot ranges in one reply/,
  })
})
