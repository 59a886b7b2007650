/**
 * Type tests: checked by `tsc -p tsconfig.check.json` (part of `npm test`). Each `@ts-expect-error` line
 * fails the type check if it stops being an error; the runtime test below keeps the values honest.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  canonicalNodeKey,
  createNodeKeyer,
  type Endpoint,
  formatNodeKey,
  isNodeKey,
  type NodeKey,
  parseNodeKey,
} from '../src/index.ts'

const host = 'localhost'
const port = 7000

// Keys from the library are NodeKeys.
const fromPair: NodeKey = canonicalNodeKey(host, port)
const fromAddress: NodeKey = canonicalNodeKey('LOCALHOST:7000')
const fromObject: NodeKey = canonicalNodeKey({ host, port: '7000' })
const fromKeyer: NodeKey = createNodeKeyer({ resolver: null })(host, port)
const formatted: NodeKey = formatNodeKey({ host: '::1', port })

// A raw string is not.
// @ts-expect-error a string literal is not a NodeKey
const literal: NodeKey = '127.0.0.1:7000'
// @ts-expect-error a hand-made `${host}:${port}` is not a NodeKey
const handMade: NodeKey = `${host}:${port}`
// @ts-expect-error a value typed string is not a NodeKey
const widened: NodeKey = String(fromPair)

// A NodeKey is still a string.
const asString: string = fromPair

// A map keyed by NodeKey refuses a raw lookup.
const nodes = new Map<NodeKey, string>([[fromPair, 'node']])
// @ts-expect-error a raw string cannot look a node up
nodes.get('127.0.0.1:7000')

// isNodeKey narrows.
const maybe: string = '[::1]:7000'
const narrowed: NodeKey | undefined = isNodeKey(maybe) ? maybe : undefined

// parseNodeKey takes any string; formatNodeKey needs an Endpoint.
const endpoint: Endpoint = parseNodeKey(asString)
// Wrong calls, wrapped so that only the type check runs them; the runtime test calls them below.
// @ts-expect-error the port of an Endpoint is a number
const stringPort = () => formatNodeKey({ host: 'h', port: '7000' })
// @ts-expect-error trailingDot is 'keep' or 'strip'
const badOption = () => createNodeKeyer({ trailingDot: 'drop' })
// @ts-expect-error canonicalNodeKey takes a host and a port, or one address
const numberAddress = () => canonicalNodeKey(7000)

test('the type-checked values are what they say at run time', () => {
  assert.equal(fromPair, '127.0.0.1:7000')
  assert.equal(fromAddress, '127.0.0.1:7000')
  assert.equal(fromObject, '127.0.0.1:7000')
  assert.equal(fromKeyer, 'localhost:7000')
  assert.equal(formatted, '[::1]:7000')
  assert.equal(nodes.get(canonicalNodeKey('127.1', port)), 'node')
  assert.equal(narrowed, '[::1]:7000')
  assert.deepEqual(endpoint, { host: '127.0.0.1', port: 7000 })
  // The raw strings above are equal at run time; only the type system tells them apart.
  assert.equal(literal, fromPair)
  assert.equal(handMade, 'localhost:7000')
  assert.equal(widened, fromPair)
  // What the types refuse, the run time refuses too, except a digit-string port, which it reads.
  assert.throws(badOption, TypeError)
  assert.throws(numberAddress, { name: 'InvalidHostError' })
  assert.equal(stringPort(), 'h:7000')
})
