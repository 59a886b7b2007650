/**
 * The topology readers on replies straight from a real cluster, in both protocols: RESP2 through the
 * harness's connection (maps as flat arrays), and RESP3 after `HELLO 3` on a socket of this test, decoded
 * here the way node-redis does by default (maps as objects) and with maps as `Map`s, strings as Buffers and
 * the verbatim string of `CLUSTER NODES` as a `String` object. Every reading must agree.
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, test } from 'node:test'
import {
  type ClusterTopology,
  readClusterNodes,
  readClusterShards,
  readClusterSlots,
} from '../../src/topology/index.ts'
import { type Cluster, skipUnlessRedis, startCluster, waitFor } from './redis-cluster-harness.ts'

const skip = skipUnlessRedis()

type Resp3 =
  | string
  | number
  | null
  | boolean
  | Buffer
  | Resp3[]
  | Map<Resp3, Resp3>
  | { [key: string]: Resp3 }

interface DecodeOptions {
  maps: 'object' | 'Map'
  strings: 'string' | 'Buffer'
}

/**
 * A RESP3 decoder of one complete reply (https://redis.io/docs/latest/develop/reference/protocol-spec/),
 * enough for the CLUSTER commands: simple, blob and verbatim strings, integers, null, booleans, arrays,
 * sets and maps. Returns the value and where it ends, or undefined when the bytes are incomplete.
 */
const decode = (
  bytes: Buffer,
  at: number,
  options: DecodeOptions,
): { value: Resp3; end: number } | undefined => {
  const lineEnd = bytes.indexOf('\r\n', at)
  if (lineEnd === -1) return undefined
  const type = String.fromCharCode(bytes[at]!)
  const line = bytes.toString('utf8', at + 1, lineEnd)
  const next = lineEnd + 2
  const string = (value: Buffer): Resp3 => (options.strings === 'Buffer' ? value : value.toString('utf8'))
  switch (type) {
    case '+':
      return { value: string(Buffer.from(line)), end: next }
    case '-':
      throw new Error(`server error: ${line}`)
    case ':':
      return { value: Number(line), end: next }
    case '_':
      return { value: null, end: next }
    case '#':
      return { value: line === 't', end: next }
    case '$':
    case '=': {
      const length = Number(line)
      if (length < 0) return { value: null, end: next }
      if (bytes.length < next + length + 2) return undefined
      const body = bytes.subarray(next, next + length)
      // A verbatim string is "txt:" and the text; node-redis hands it over as a String object.
      const value = type === '=' ? (new String(body.toString('utf8', 4)) as unknown as Resp3) : string(body)
      return { value, end: next + length + 2 }
    }
    case '*':
    case '~':
    case '%': {
      const count = Number(line) * (type === '%' ? 2 : 1)
      const items: Resp3[] = []
      let end = next
      for (let i = 0; i < count; i++) {
        const item = decode(bytes, end, options)
        if (item === undefined) return undefined
        items.push(item.value)
        end = item.end
      }
      if (type !== '%') return { value: items, end }
      if (options.maps === 'Map') {
        const map = new Map<Resp3, Resp3>()
        for (let i = 0; i < items.length; i += 2) map.set(items[i]!, items[i + 1]!)
        return { value: map, end }
      }
      const object: { [key: string]: Resp3 } = Object.create(null)
      for (let i = 0; i < items.length; i += 2) object[String(items[i])] = items[i + 1]!
      return { value: object, end }
    }
    default:
      throw new Error(`unexpected RESP3 type ${JSON.stringify(type)}`)
  }
}

/** Send commands on a fresh RESP3 connection (after HELLO 3) and return their replies. */
const resp3 = async (port: number, commands: string[][], options: DecodeOptions): Promise<Resp3[]> => {
  const socket: Socket = connect({ host: '127.0.0.1', port })
  socket.setTimeout(10_000)
  try {
    const all = [['HELLO', '3'], ...commands]
    socket.write(
      all
        .map(
          (args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
        )
        .join(''),
    )
    let bytes = Buffer.alloc(0)
    const replies: Resp3[] = []
    let at = 0
    for await (const chunk of socket) {
      bytes = Buffer.concat([bytes, chunk as Buffer])
      for (let reply = decode(bytes, at, options); reply !== undefined; reply = decode(bytes, at, options)) {
        replies.push(reply.value)
        at = reply.end
      }
      if (replies.length === all.length) break
    }
    assert.equal(replies.length, all.length, 'every reply before the connection ended')
    return replies.slice(1)
  } finally {
    socket.destroy()
  }
}

/** What must agree between readings: the keyed nodes and the slot ranges. */
const essence = (topology: ClusterTopology) => ({
  slots: [...topology.slots].sort((a, b) => a.start - b.start),
  nodes: [...topology.nodes].sort((a, b) => a.id.localeCompare(b.id)),
  unkeyed: topology.unkeyed,
})

describe('topology readers on a real cluster, RESP2 and RESP3', { skip }, () => {
  let cluster: Cluster

  before(async () => {
    cluster = await startCluster('hostname')
  })

  after(async () => {
    await cluster?.stop()
  })

  test('CLUSTER SLOTS, SHARDS and NODES read alike in every shape; the facts of the cluster', async () => {
    const commands = [
      ['CLUSTER', 'SLOTS'],
      ['CLUSTER', 'SHARDS'],
      ['CLUSTER', 'NODES'],
    ]
    const port = cluster.nodes[0]!.port
    const resp2 = await Promise.all(commands.map((command) => cluster.command(0, command)))
    const objects = await resp3(port, commands, { maps: 'object', strings: 'string' })
    const maps = await resp3(port, commands, { maps: 'Map', strings: 'Buffer' })
    assert.ok(!Array.isArray((objects[1] as Resp3[])[0]), 'RESP3 gives CLUSTER SHARDS maps, not flat arrays')
    assert.ok(Array.isArray((resp2[1] as unknown[])[0]), 'RESP2 gives CLUSTER SHARDS flat arrays')
    const options = { origin: '127.0.0.1' }
    const readers = [
      (reply: unknown) => readClusterSlots(reply, options),
      (reply: unknown) => readClusterShards(reply, options),
      (reply: unknown) => readClusterNodes(reply, options),
    ]
    for (const [index, read] of readers.entries()) {
      const expected = essence(read(resp2[index]))
      assert.deepEqual(
        essence(read(objects[index])),
        expected,
        `${commands[index]!.join(' ')}: RESP3 objects`,
      )
      assert.deepEqual(
        essence(read(maps[index])),
        expected,
        `${commands[index]!.join(' ')}: RESP3 Maps, Buffers`,
      )
    }
    // Slots and shards name each node by its announced hostname (localhost), with the IP beside it.
    for (const read of [readers[0]!, readers[1]!]) {
      const topology = read(objects[readers.indexOf(read)])
      assert.deepEqual(
        topology.nodes
          .map((node) => [node.id, node.key, node.servername, node.hostname, node.ip, node.role])
          .sort(),
        cluster.nodes
          .map((node) => [node.id, `127.0.0.1:${node.port}`, 'localhost', 'localhost', '127.0.0.1', 'master'])
          .sort(),
      )
      assert.equal(
        topology.slots.reduce((sum, range) => sum + range.end - range.start + 1, 0),
        16384,
      )
    }
  })
})

describe('a replica, as a real cluster reports it in every command and protocol', { skip }, () => {
  let cluster: Cluster

  before(async () => {
    // Four servers: three masters share the slots; the fourth, given none, becomes node 0's replica.
    cluster = await startCluster('ip', {
      masters: 4,
      slots: [
        [0, 5460, 0],
        [5461, 10922, 1],
        [10923, 16383, 2],
      ],
    })
    const master = cluster.nodes[0]!.id
    await cluster.command(3, ['CLUSTER', 'REPLICATE', master])
    await waitFor('every node to report node 3 as the replica of node 0', async () => {
      for (const index of cluster.nodes.keys()) {
        const topology = readClusterSlots(await cluster.command(index, ['CLUSTER', 'SLOTS']))
        const range = topology.slots.find((slots) => slots.start === 0)
        if (range?.replicas[0] !== cluster.nodes[3]!.id) return undefined
      }
      return true
    })
  })

  after(async () => {
    await cluster?.stop()
  })

  test('role, replicas of the right range, one key per node, in RESP2 and RESP3', async () => {
    const commands = [
      ['CLUSTER', 'SLOTS'],
      ['CLUSTER', 'SHARDS'],
      ['CLUSTER', 'NODES'],
    ]
    const [master, , , replica] = cluster.nodes
    const resp2 = await Promise.all(commands.map((command) => cluster.command(1, command)))
    const objects = await resp3(cluster.nodes[1]!.port, commands, { maps: 'object', strings: 'string' })
    const readers = [readClusterSlots, readClusterShards, readClusterNodes]
    for (const [index, read] of readers.entries()) {
      for (const [protocol, reply] of [
        ['RESP2', resp2[index]],
        ['RESP3', objects[index]],
      ] as const) {
        const what = `${commands[index]!.join(' ')} in ${protocol}`
        const topology = read(reply)
        assert.deepEqual(topology.unkeyed, [], what)
        const roles = Object.fromEntries(topology.nodes.map((node) => [node.id, [node.key, node.role]]))
        assert.deepEqual(
          roles,
          Object.fromEntries(
            cluster.nodes.map((node, i) => [
              node.id,
              [`127.0.0.1:${node.port}`, i === 3 ? 'replica' : 'master'],
            ]),
          ),
          what,
        )
        const first = topology.slots.find((range) => range.start === 0)
        assert.deepEqual(first, { start: 0, end: 5460, master: master!.id, replicas: [replica!.id] }, what)
        for (const range of topology.slots.filter((slots) => slots.start !== 0)) {
          assert.deepEqual(range.replicas, [], what)
        }
      }
    }
  })
})
