/**
 * Type tests for NodeMap, checked by `tsc -p tsconfig.check.json`; every `@ts-expect-error` line must fail
 * to type-check, or the typecheck fails. The runtime assertions make sure the calls that do type-check work.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canonicalNodeKey, type DialTarget, type NodeKey } from '../src/index.ts'
import { NodeMap, type NodeMapSyncResult } from '../src/node-map/index.ts'
import { readClusterSlots, type TopologyNode } from '../src/topology/index.ts'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T extends true>(): T | undefined => undefined

interface Connection {
  port: number
  close(): void
}

/** A function that only canonical keys may reach. */
const needsKey = (key: NodeKey): string => key

test('NodeMap types: V is inferred, raw strings are canonicalized, NodeKey stays branded', () => {
  const closed: number[] = []
  // V inferred from the dispose hook.
  const nodes = new NodeMap({ dispose: (connection: Connection) => closed.push(connection.port) })
  expectType<Equal<typeof nodes, NodeMap<Connection>>>()

  const host = 'localhost'
  const port = 7000
  const created = nodes.getOrCreate(host, port, (key, dial) => {
    expectType<Equal<typeof key, NodeKey>>()
    expectType<Equal<typeof dial, DialTarget>>()
    expectType<Equal<typeof dial.servername, string | undefined>>()
    return { port: dial.port, close: () => {} }
  })
  expectType<Equal<typeof created, Connection>>()

  // A raw `${host}:${port}` string is accepted by get: the map canonicalizes it.
  const raw = `${host}:${port}`
  const found = nodes.get(raw)
  expectType<Equal<typeof found, Connection | undefined>>()
  assert.equal(found, created)
  assert.equal(nodes.get('127.0.0.1', '7000'), created)
  assert.equal(nodes.get({ host: '127.0.0.1', port }), created)

  // ...but a raw string is not a NodeKey.
  // @ts-expect-error a raw host:port string is not a canonical key
  needsKey(raw)
  // @ts-expect-error neither is a string literal
  needsKey('127.0.0.1:7000')
  // Keys from the map, the keyer or keyOf are.
  for (const key of nodes.keys()) assert.equal(needsKey(key), '127.0.0.1:7000')
  for (const [key, value] of nodes) expectType<Equal<[typeof key, typeof value], [NodeKey, Connection]>>()
  assert.equal(needsKey(nodes.keyOf(raw)), '127.0.0.1:7000')
  assert.equal(needsKey(canonicalNodeKey(raw)), '127.0.0.1:7000')

  // Calls that must not type-check; never run.
  const rejected = () => {
    // @ts-expect-error the value type is Connection
    nodes.set(raw, 'not a connection')
    // @ts-expect-error a number is not an address
    nodes.get(7000)
    // @ts-expect-error create must return the value type
    nodes.getOrCreate(raw, () => 42)
    // @ts-expect-error (host, port) needs a string host
    nodes.has(127, 7000)
  }
  assert.equal(typeof rejected, 'function')

  const pending = nodes.getOrCreateAsync(raw, async (_key, _address, signal) => {
    expectType<Equal<typeof signal, AbortSignal>>()
    return created
  })
  expectType<Equal<typeof pending, Promise<Connection>>>()

  // An explicit V works as well, and an empty map is NodeMap<unknown> unless told.
  const explicit = new NodeMap<number>()
  expectType<Equal<ReturnType<typeof explicit.get>, number | undefined>>()
  const empty = new NodeMap()
  expectType<Equal<typeof empty, NodeMap<unknown>>>()
  return pending.then(() => nodes.clear())
})

test("NodeMap.sync types: a topology reader's result, its nodes, node objects and addresses", () => {
  const nodes = new NodeMap<string>()
  const topology = readClusterSlots([[0, 16383, ['127.0.0.1', 7000, 'a'.repeat(40)]]])
  const result = nodes.sync(topology)
  expectType<Equal<typeof result, NodeMapSyncResult>>()
  const departed = result.departed[0]
  expectType<Equal<NonNullable<typeof departed>['key'], NodeKey>>()
  expectType<Equal<NonNullable<typeof departed>['id'], string | undefined>>()
  const listed: readonly TopologyNode[] = topology.nodes
  nodes.sync(listed)
  nodes.sync([{ id: 'b'.repeat(40), key: '127.0.0.1:7001', addresses: ['[::1]:7001'] }, '127.0.0.1:7000'])
  nodes.sync(new Set([{ host: '127.0.0.1', port: 7000 }]))
  nodes.sync([], { allowEmpty: true })
  assert.equal(nodes.size, 0)
  // A string is an iterable of strings to the type system, so one address type-checks; it is refused when run.
  assert.throws(() => nodes.sync('127.0.0.1:7000'), /wrap one address in an array/)

  // Calls that must not type-check; never run.
  const rejected = () => {
    // @ts-expect-error a node id is a string
    nodes.sync([{ id: 7, key: '127.0.0.1:7000' }])
    // @ts-expect-error a node gives its address as key
    nodes.sync([{ id: 'a', address: '127.0.0.1:7000' }])
    // @ts-expect-error allowEmpty is a boolean
    nodes.sync([], { allowEmpty: 1 })
    // @ts-expect-error a number is not a node
    nodes.sync([7000])
  }
  assert.equal(typeof rejected, 'function')
})
