import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  MAX_TOPOLOGY_LENGTH,
  parseClusterNodes,
  parseClusterShards,
  parseClusterSlots,
} from '../src/cli/topology-input.ts'

// Node ids below are made up; the line shapes are those Redis documents for CLUSTER NODES and CLUSTER SLOTS.
const A = 'a'.repeat(40)
const B = 'b'.repeat(40)

describe('parseClusterNodes', () => {
  test('the address, and the announced hostname as a second spelling (Redis 7.0)', () => {
    assert.deepEqual(
      parseClusterNodes(`${A} 127.0.0.1:7000@17000,node-1.example myself,master - 0 0 1 connected 0-5460`),
      {
        entries: [
          { id: A, address: '127.0.0.1:7000', line: 1, source: 'address' },
          { id: A, address: 'node-1.example:7000', line: 1, source: 'hostname' },
        ],
        errors: [],
        skipped: [],
      },
    )
  })

  test('auxiliary fields after the hostname (Redis 7.2) are not spellings; an empty hostname is none', () => {
    const text = [
      `${A} 127.0.0.1:7000@17000,,tls-port=0,shard-id=${B} myself,master - 0 0 1 connected 0-5460`,
      `${B} ::1:7001@17001,node-2,tls-port=0,shard-id=${A} master - 0 0 2 connected 5461-16383`,
    ].join('\n')
    assert.deepEqual(
      parseClusterNodes(text).entries.map((entry) => entry.address),
      ['127.0.0.1:7000', '::1:7001', 'node-2:7001'],
    )
  })

  test('nodes without an address are skipped with a note, not errors', () => {
    const text = [
      `${A} :0@0 handshake - 0 0 0 connected`,
      `${B} 127.0.0.1:7001@17001 master,noaddr - 0 0 0 disconnected`,
    ].join('\n')
    const topology = parseClusterNodes(text)
    assert.deepEqual([topology.entries, topology.errors], [[], []])
    assert.deepEqual(
      topology.skipped.map((note) => note.line),
      [1, 2],
    )
    assert.match(topology.skipped[0]!.message, /has no address yet \(":0"\)/)
  })

  test('blank lines and comments are skipped; repeated pairs are kept once, at their first line', () => {
    const line = `${A} 127.0.0.1:7000@17000 master - 0 0 1 connected`
    assert.deepEqual(parseClusterNodes(`# node 1\n${line}\n\n${line}\n`).entries, [
      { id: A, address: '127.0.0.1:7000', line: 2, source: 'address' },
    ])
  })

  test('lines that are not CLUSTER NODES are errors with their line', () => {
    const topology = parseClusterNodes(`hello world\n${A} 127.0.0.1:7000 master - 0 0 1 connected`)
    assert.deepEqual(
      topology.errors.map((error) => error.line),
      [1, 2],
    )
    assert.match(topology.errors[0]!.message, /^Invalid CLUSTER NODES reply: Expected a CLUSTER NODES line/)
    assert.match(
      topology.errors[1]!.message,
      /^Invalid CLUSTER NODES reply: Expected the address field to be "ip:port@cport/,
    )
  })

  test('input longer than MAX_TOPOLOGY_LENGTH is refused unread', () => {
    const topology = parseClusterNodes(' '.repeat(MAX_TOPOLOGY_LENGTH + 1))
    assert.equal(topology.errors.length, 1)
    assert.match(topology.errors[0]!.message, /at most/)
  })
})

describe('parseClusterSlots', () => {
  test('RESP3 map and RESP2 pair-array metadata; replicas; every range', () => {
    const slots = [
      [
        0,
        5460,
        ['127.0.0.1', 7000, A, { hostname: 'node-1' }],
        ['127.0.0.1', 7002, B, ['hostname', 'node-3']],
      ],
      [5461, 16383, ['node-2', '7001', B.replace(/b/g, 'c'), ['ip', '::1']]],
    ]
    assert.deepEqual(
      parseClusterSlots(JSON.stringify(slots)).entries.map((entry) => [entry.address, entry.source]),
      [
        ['127.0.0.1:7000', 'address'],
        ['node-1:7000', 'hostname'],
        ['127.0.0.1:7002', 'address'],
        ['node-3:7002', 'hostname'],
        ['node-2:7001', 'address'],
        ['::1:7001', 'ip'],
      ],
    )
  })

  test('several documents, compact or pretty-printed, with brackets inside strings and comments between', () => {
    const one = JSON.stringify([[0, 16383, ['127.0.0.1', 7000, A, { hostname: 'odd]name{' }]]])
    const two = JSON.stringify([[0, 16383, ['::1', 7000, B, {}]]], null, 2)
    const topology = parseClusterSlots(`# node 1\n${one}\n# node 2\n${two}\n`)
    assert.deepEqual(topology.errors, [])
    assert.deepEqual(
      topology.entries.map((entry) => [entry.id, entry.address, entry.line]),
      [
        [A, '127.0.0.1:7000', 2],
        [A, 'odd]name{:7000', 2],
        [B, '::1:7000', 4],
      ],
    )
  })

  test('unknown endpoints ("?" and "") are skipped with a note', () => {
    const topology = parseClusterSlots(JSON.stringify([[0, 1, ['?', 7000, A, {}], ['', 7001, B, []]]]))
    assert.deepEqual(topology.entries, [])
    assert.equal(topology.skipped.length, 2)
  })

  test('what is not CLUSTER SLOTS is an error with its line', () => {
    const topology = parseClusterSlots('[[0, 1, ["h", 1, "x"]]]\n{"a": 1}\n[[0, 1, ["h"]]]\n[0]\nnot json\n')
    assert.deepEqual(
      topology.errors.map((error) => error.line),
      [2, 3, 4, 5],
    )
    assert.deepEqual(
      topology.entries.map((entry) => entry.address),
      ['h:1'],
    )
  })
})

describe('parseClusterShards', () => {
  test('RESP3 and RESP2 documents: endpoint, hostname and ip as spellings; "?" skipped; bad shapes are errors', () => {
    const resp3 = JSON.stringify([
      {
        slots: [0, 16383],
        nodes: [
          { id: A, port: 7000, ip: '10.0.0.1', endpoint: 'node-a', hostname: 'node-a', role: 'master' },
        ],
      },
    ])
    const resp2 = JSON.stringify([
      ['slots', [], 'nodes', [['id', B, 'port', 7001, 'ip', '::1', 'endpoint', '?', 'role', 'replica']]],
    ])
    const topology = parseClusterShards(`${resp3}\n${resp2}\n[{"slots": [0]}]\n`)
    assert.deepEqual(
      topology.entries.map((entry) => [entry.id, entry.address, entry.line, entry.source]),
      [
        [A, 'node-a:7000', 1, 'address'],
        [A, '10.0.0.1:7000', 1, 'ip'],
        [B, '::1:7001', 2, 'ip'],
      ],
    )
    assert.deepEqual(
      topology.skipped.map((note) => note.line),
      [2],
    )
    assert.deepEqual(
      topology.errors.map((error) => error.line),
      [3],
    )
    assert.match(topology.errors[0]!.message, /^Invalid CLUSTER SHARDS reply: Expected the slots of shard 0/)
  })
})
