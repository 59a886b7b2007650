import assert from 'node:assert/strict'
import { test } from 'node:test'
import vm from 'node:vm'
import ts from 'typescript'
import {
  canonicalHost,
  InvalidHostError,
  InvalidPortError,
  isNodeKeyError,
  NodeKeyError,
  parseAddress,
  parsePort,
} from '../src/index.ts'

const caught = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  assert.fail('expected a throw')
}

test('InvalidHostError: class, name, code, reason and input', () => {
  const error = caught(() => canonicalHost('a..b'))
  assert.ok(error instanceof InvalidHostError)
  assert.ok(error instanceof NodeKeyError)
  assert.ok(error instanceof Error)
  assert.equal(error.name, 'InvalidHostError')
  assert.equal(error.code, 'ERR_NODE_KEY_INVALID_HOST')
  assert.equal(error.reason, 'invalid-label')
  assert.equal(error.input, 'a..b')
  assert.match(error.message, /^Expected a domain name without empty labels/)
})

test('InvalidPortError: class, name, code, reason and input', () => {
  const error = caught(() => parsePort(70000))
  assert.ok(error instanceof InvalidPortError)
  assert.ok(error instanceof NodeKeyError)
  assert.equal(error.name, 'InvalidPortError')
  assert.equal(error.code, 'ERR_NODE_KEY_INVALID_PORT')
  assert.equal(error.reason, 'port-out-of-range')
  assert.equal(error.input, 70000)
  assert.equal(error.message, 'Expected the port to be an integer from 1 to 65535, got 70000.')
})

test('the input a string error keeps is cut to 64 characters, and the message does not echo more', () => {
  const long = `${'x'.repeat(70)}..${'y'.repeat(2000)}`
  const host = caught(() => canonicalHost(long)) as NodeKeyError
  assert.equal(host.reason, 'too-long')
  assert.equal(host.input, long.slice(0, 64))
  assert.ok(!host.message.includes('x'.repeat(65)), host.message)

  const port = caught(() => parsePort('9'.repeat(500))) as NodeKeyError
  assert.equal(port.input, '9'.repeat(64))
  assert.ok(port.message.length < 200, `message of ${port.message.length} characters`)
  assert.ok(!port.message.includes('9'.repeat(65)))

  // Exactly 64 is kept whole.
  const sixtyFour = `${'z'.repeat(63)}!`
  assert.equal((caught(() => canonicalHost(sixtyFour)) as NodeKeyError).input, sixtyFour)
})

test('non-string inputs are kept as they are', () => {
  const object = { host: 'a b', port: 1 }
  assert.equal((caught(() => parseAddress(object)) as NodeKeyError).input, object)
  assert.equal((caught(() => parsePort(1.5)) as NodeKeyError).input, 1.5)
  assert.equal((caught(() => parsePort(10n)) as NodeKeyError).input, 10n)
  assert.equal((caught(() => parsePort(null)) as NodeKeyError).input, null)
})

test('messages say what was expected', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => canonicalHost(''), /^Expected a host, got an empty string\.$/],
    [
      () => canonicalHost('a b'),
      /^Expected a host without whitespace or control characters, found U\+0020 at index 1\.$/,
    ],
    [() => canonicalHost('localhost:7000'), /^Expected a host; .*use parseAddress\(\)/],
    [() => canonicalHost('[1.2.3.4]'), /^Expected an IPv6 address inside the brackets/],
    [() => canonicalHost('1.2.3.256'), /^Expected an IPv4 address/],
    [() => canonicalHost('x'.repeat(64)), /^Expected each label of a domain name to be at most 63 octets/],
    [() => canonicalHost(7 as unknown as string), /^Expected the host to be a string, got number\.$/],
    [() => parsePort('http'), /^Expected a numeric port, got the service name "http"/],
    [() => parsePort(undefined), /^Expected a port: give one, or set `defaultPort`/],
    [() => parsePort('0x10'), /^Expected the port to be 1 to 5 ASCII digits/],
    [() => parseAddress(':7002'), /^Expected a host; an empty one .* needs the `originHost` option\.$/],
  ]
  for (const [fn, message] of cases) {
    const error = caught(fn)
    assert.ok(isNodeKeyError(error), String(error))
    assert.match(error.message, message)
  }
})

test('constructed directly, an error keeps its cause', () => {
  const cause = new Error('underneath')
  const error = new InvalidHostError('resolver', 'Expected something else.', 'in', { cause })
  assert.equal(error.cause, cause)
  assert.equal(error.code, 'ERR_NODE_KEY_INVALID_HOST')
  assert.equal(new InvalidPortError('not-a-port', 'm', 'x'.repeat(100)).input, 'x'.repeat(64))
})

test('isNodeKeyError: true for the library errors, false for everything else', () => {
  assert.equal(isNodeKeyError(caught(() => canonicalHost('*'))), true)
  assert.equal(isNodeKeyError(caught(() => parsePort(0))), true)
  assert.equal(isNodeKeyError(new Error('x')), false)
  assert.equal(isNodeKeyError(new TypeError('x')), false)
  assert.equal(isNodeKeyError(Object.assign(new Error('x'), { code: 'ERR_OTHER', reason: 'x' })), false)
  // The code alone is not enough: a library error also carries a reason.
  assert.equal(isNodeKeyError(Object.assign(new Error('x'), { code: 'ERR_NODE_KEY_INVALID_HOST' })), false)
  // Shape without a message or a string reason is not enough.
  assert.equal(isNodeKeyError({ code: 'ERR_NODE_KEY_INVALID_HOST', reason: 'too-long' }), false)
  assert.equal(isNodeKeyError({ code: 'ERR_NODE_KEY_INVALID_HOST', reason: 1, message: 'x' }), false)
  for (const value of [null, undefined, 0, '', 'ERR_NODE_KEY_INVALID_HOST', [], Symbol('e')]) {
    assert.equal(isNodeKeyError(value), false)
  }
})

/** Load src/errors.ts into a fresh realm (its own Error and Object), as a second copy of the library is. */
const errorsInAnotherRealm = (): {
  InvalidHostError: typeof InvalidHostError
  InvalidPortError: typeof InvalidPortError
  isNodeKeyError: typeof isNodeKeyError
} => {
  const source = ts.sys.readFile(new URL('../src/errors.ts', import.meta.url).pathname)
  assert.ok(source !== undefined)
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  })
  const module = { exports: {} as Record<string, unknown> }
  const context = vm.createContext({ module, exports: module.exports })
  vm.runInContext(outputText, context)
  return module.exports as never
}

test('isNodeKeyError works across realms (node:vm), where instanceof does not', () => {
  const other = errorsInAnotherRealm()
  const foreignHost = new other.InvalidHostError('invalid-label', 'Expected a label.', 'a..b')
  const foreignPort = new other.InvalidPortError('not-a-port', 'Expected a port.', 'x')
  // The realm really is another one.
  assert.equal(foreignHost instanceof Error, false)
  assert.equal(foreignHost instanceof NodeKeyError, false)
  assert.equal(isNodeKeyError(foreignHost), true)
  assert.equal(isNodeKeyError(foreignPort), true)
  // And the other way round: that realm's guard recognises this realm's errors.
  assert.equal(other.isNodeKeyError(caught(() => canonicalHost('a..b'))), true)
  assert.equal(other.isNodeKeyError(new Error('plain')), false)
  // A plain error from another realm that merely has the fields of one.
  const lookalike = vm.runInNewContext(
    "Object.assign(new Error('x'), { code: 'ERR_NODE_KEY_INVALID_PORT', reason: 'not-a-port' })",
  )
  assert.equal(isNodeKeyError(lookalike), true)
  assert.equal(isNodeKeyError(vm.runInNewContext("new Error('x')")), false)
})
