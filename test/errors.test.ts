import assert from 'node:assert/strict'
import { test } from 'node:test'
import vm from 'node:vm'
import ts from 'typescript'
import { ioredisNatMap } from '../src/adapters/ioredis.ts'
import { nodeRedisAddressMap } from '../src/adapters/node-redis.ts'
import { valkeyGlideAddresses, valkeyGlideAddressResolver } from '../src/adapters/valkey-glide.ts'
import { createDnsTable } from '../src/dns/index.ts'
import {
  canonicalHost,
  canonicalNodeKey,
  createNodeKeyer,
  InvalidHostError,
  InvalidPortError,
  isNodeKeyError,
  isValidHost,
  loopbackResolver,
  NodeKeyError,
  parseAddress,
  parseNodeKey,
  parsePort,
} from '../src/index.ts'
import { messageWithHint } from '../src/key/errors.ts'
import { NodeMap, StaleCreationError } from '../src/node-map/index.ts'
import { createNodeRing } from '../src/ring/index.ts'
import { readClusterNodes, readClusterShards, readClusterSlots } from '../src/topology/index.ts'

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
      /^Expected a host without whitespace or control characters, got "a b" \(U\+0020 at index 1\)\.$/,
    ],
    [() => canonicalHost('localhost:7000'), /^Expected a host, got "localhost:7000": .*use parseAddress\(\)/],
    [() => canonicalHost('[1.2.3.4]'), /^Expected an IPv6 address inside the brackets/],
    [() => canonicalHost('1.2.3.256'), /^Expected an IPv4 address/],
    [() => canonicalHost('x'.repeat(64)), /^Expected each label of a domain name to be at most 63 octets/],
    [() => canonicalHost(7 as unknown as string), /^Expected the host to be a string, got 7\.$/],
    [() => parsePort('http'), /^Expected a numeric port, got the service name "http"/],
    [() => parsePort(undefined), /^Expected a port, got none\. /],
    [() => parsePort('0x10'), /^Expected the port to be 1 to 5 ASCII digits/],
    [() => parseAddress(':7002'), /^Expected a host, got none in ":7002" .*`originHost` option\.$/],
  ]
  for (const [fn, message] of cases) {
    const error = caught(fn)
    assert.ok(isNodeKeyError(error), String(error))
    assert.match(error.message, message)
  }
})

test('every reason a parser raises has a message that quotes the offending input', () => {
  const staticTo = (host: string) => createNodeKeyer({ resolver: () => ({ host, port: 1 }), cacheSize: 0 })
  // [reason, call, the input as the message must quote it]
  const cases: Array<[string, () => unknown, string]> = [
    ['not-a-string', () => canonicalHost(7 as never), 'got 7'],
    ['not-a-string', () => parseAddress([1] as never), 'got an array'],
    ['too-long', () => canonicalHost(`${'q'.repeat(2000)}.example`), `"${'q'.repeat(64)}"…`],
    ['too-long', () => parseAddress(`${'q'.repeat(3000)}:1`), `"${'q'.repeat(64)}"…`],
    ['empty-host', () => canonicalHost(' \t'), '" \\t"'],
    ['empty-host', () => canonicalNodeKey(':7002'), '":7002"'],
    ['empty-host', () => canonicalNodeKey('', 7002), 'an empty string'],
    ['forbidden-character', () => canonicalHost('node\u00001'), '"node\\u00001"'],
    ['forbidden-character', () => canonicalHost('a%2fb'), '"a%2fb"'],
    ['invalid-ipv6', () => canonicalHost('[1.2.3.4]'), '"[1.2.3.4]"'],
    ['invalid-ipv6', () => canonicalHost('[::1'), '"[::1"'],
    ['invalid-ipv6', () => canonicalHost('node-1:6379x'), '"node-1:6379x"'],
    ['invalid-ipv6', () => canonicalNodeKey('mongodb://a:1,b:2/db'), '"mongodb://a:1,b:2/db"'],
    ['invalid-zone', () => canonicalHost('fe80::1%e/0'), '"fe80::1%e/0"'],
    ['invalid-ipv4', () => canonicalHost('10.0.0.256'), '"10.0.0.256"'],
    ['idna', () => canonicalHost('a\u202eb.example'), '"a\\u202eb.example"'],
    ['invalid-label', () => canonicalHost('Redis..Example.com'), '"Redis..Example.com"'],
    ['invalid-label', () => canonicalHost('cache*1'), '"cache*1"'],
    ['label-too-long', () => canonicalHost(`a.${'b'.repeat(70)}.c`), `"${'b'.repeat(64)}"…`],
    ['name-too-long', () => canonicalHost(`${'n'.repeat(60)}.`.repeat(5)), `"${'n'.repeat(60)}.nnn"…`],
    ['not-a-port', () => parsePort('6379 '), '"6379 "'],
    ['not-a-port', () => parsePort(10n), 'got 10n'],
    ['port-out-of-range', () => parsePort(70000), 'got 70000'],
    ['port-out-of-range', () => canonicalNodeKey('node-1:99999'), '"99999"'],
    ['named-port', () => canonicalNodeKey('node-1:redis'), '"redis"'],
    ['missing-port', () => canonicalNodeKey('node-1'), '"node-1"'],
    ['missing-port', () => canonicalNodeKey({ host: 'node-2' }), '"node-2"'],
    ['missing-port', () => canonicalNodeKey('cache://node-3'), '"cache://node-3" (the scheme "cache"'],
    ['invalid-address', () => parseAddress('::1'), '"::1"'],
    ['invalid-address', () => parseAddress('[::1]x'), '"[::1]x"'],
    ['invalid-address', () => parseAddress('redis://'), '"redis://"'],
    ['invalid-key', () => parseNodeKey('LOCALHOST:7000'), '"LOCALHOST:7000"'],
    ['resolver', () => staticTo('n a t')('node-1', 1), '"n a t"'],
    ['invalid-topology', () => readClusterSlots('OK'), '"OK"'],
  ]
  const seen = new Set<string>()
  for (const [reason, fn, quoted] of cases) {
    const error = caught(fn)
    assert.ok(isNodeKeyError(error), String(error))
    assert.equal(error.reason, reason, error.message)
    // A topology reply's error names the command first; every other message starts with what was expected.
    assert.match(
      error.message,
      reason === 'invalid-topology' ? /^Invalid CLUSTER \w+ reply: Expected / : /^Expected /,
    )
    assert.ok(error.message.includes(quoted), `${reason}: ${error.message} should quote ${quoted}`)
    seen.add(reason)
  }
  // Every reason a rule raises is covered; `invalid-percent-encoding` is reserved, raised by none, and a bad
  // subnet (`invalid-cidr`) is a mistake in a staticResolver table, thrown as a TypeError when it is built.
  const declared = ts.sys.readFile(new URL('../src/key/errors.ts', import.meta.url).pathname) ?? ''
  const reasons = [...declared.matchAll(/^ {2}\| '([a-z0-9-]+)'$/gm)].map((match) => match[1])
  assert.ok(reasons.length > 15, 'the FailureReason list was read')
  assert.deepEqual(
    reasons.filter((reason) => reason !== undefined && !seen.has(reason)),
    ['invalid-percent-encoding', 'invalid-cidr'],
  )
})

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

test('previews of an input are escaped and bounded, whatever the input', () => {
  const message = (host: string): string =>
    (caught(() => canonicalHost(`${host}\u0000`)) as NodeKeyError).message
  const quoted = (host: string): string =>
    /got (".*"…?) \(U\+[0-9A-F]{4} at index/.exec(message(host))?.[1] ?? ''
  // C0 and C1 controls, DEL, quote and backslash, line separators, bidirectional and zero-width format
  // characters, a BOM and lone surrogates are escaped; other Unicode and surrogate pairs print as they are.
  assert.equal(quoted('a\tb\nc\rd'), '"a\\tb\\nc\\rd\\u0000"')
  assert.equal(quoted('\u001b[31m\u007f\u0085'), '"\\u001b[31m\\u007f\\u0085\\u0000"')
  assert.equal(quoted('say "hi" \\'), '"say \\"hi\\" \\\\\\u0000"')
  assert.equal(
    quoted('\u2028\u2029\u202e\u2066\u200b\ufeff'),
    '"\\u2028\\u2029\\u202e\\u2066\\u200b\\ufeff\\u0000"',
  )
  assert.equal(quoted('x\ud800y\udfffz'), '"x\\ud800y\\udfffz\\u0000"')
  assert.equal(quoted('bücher-😀'), '"bücher-😀\\u0000"')
  for (const text of [
    `${'\u0001'.repeat(500)}`,
    `${'😀'.repeat(500)}`,
    `${'"'.repeat(500)}`,
    'x'.repeat(1000),
  ]) {
    const shown = quoted(text)
    assert.ok(shown.endsWith('"…'), shown)
    assert.ok(shown.length <= 64 + 3, `${shown.length} characters: ${shown}`)
    // Never an escape or a surrogate pair cut in two.
    assert.doesNotMatch(shown, /\\u[0-9a-f]{0,3}"…$|\\"…$|[\ud800-\udbff]"…$/)
    assert.ok(message(text).length < 300)
  }
  // At most 64 characters between the quotes, then "…" only when the input goes on.
  const portMessage = (port: string): string => (caught(() => parsePort(port)) as NodeKeyError).message
  const dots = (n: number): string => '.'.repeat(n)
  assert.ok(portMessage(dots(64)).endsWith(`got "${dots(64)}".`))
  assert.ok(portMessage(dots(65)).endsWith(`got "${dots(64)}"….`))
  assert.ok(portMessage(`${dots(63)}é`).endsWith(`got "${dots(63)}é".`))
  assert.ok(portMessage(`${dots(63)}\n`).endsWith(`got "${dots(63)}"….`))
  assert.ok(portMessage(`${dots(62)}\n`).endsWith(`got "${dots(62)}\\n".`))
  // A bigint is written when short; a huge one (slow to write) is only named.
  assert.match((caught(() => parsePort(-12n)) as NodeKeyError).message, /got -12n\.$/)
  const huge = caught(() => parsePort(10n ** 100_000n)) as NodeKeyError
  assert.match(huge.message, /got a bigint of more than 60 digits\.$/)
  // Every printed character of the message is printable: no control, separator or lone surrogate.
  for (let c = 0; c < 0x10000; c += 1) {
    const text = message(`a${String.fromCharCode(c)}b`)
    assert.doesNotMatch(
      text,
      /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
      `U+${c.toString(16)}`,
    )
    assert.doesNotMatch(text, LONE_SURROGATE, `U+${c.toString(16)}`)
  }
})

test('hints name only what the caller of the function that threw can do', () => {
  const messageOf = (fn: () => unknown): NodeKeyError => caught(fn) as NodeKeyError
  // parseAddress takes originHost and defaultPort, so it suggests them.
  const parsed = messageOf(() => parseAddress(':7002'))
  assert.equal(parsed.hint, 'Or pass that host as the `originHost` option.')
  assert.ok(parsed.message.endsWith(` ${parsed.hint}`))
  assert.match(messageOf(() => parseAddress('node-1')).message, /, or pass the `defaultPort` option\.$/)
  // The keyer and NodeMap take neither: no such suggestion.
  const keyed = messageOf(() => canonicalNodeKey(':7002'))
  const mapped = messageOf(() => new NodeMap().set(':7002', 'v'))
  for (const error of [keyed, mapped]) {
    assert.equal(error.reason, 'empty-host')
    assert.doesNotMatch(error.message, /originHost/)
    assert.match(error.message, /":7002"/)
  }
  // parsePort's default is its second argument.
  const port = messageOf(() => parsePort(undefined))
  assert.match(port.message, /parsePort\(port, 6379\)\.$/)
  assert.doesNotMatch(port.message, /createNodeKeyer|defaultPort/)
  // An address string was already given whole: no advice to give it whole.
  const whole = messageOf(() => canonicalNodeKey('mongodb://a:1,b:2/db'))
  assert.doesNotMatch(whole.message, /canonicalNodeKey|parseAddress/)
  assert.equal(whole.reason, 'invalid-ipv6')
  // parseNodeKey points to the reader of any spelling.
  assert.match(messageOf(() => parseNodeKey('LOCALHOST:7000')).message, /use parseAddress\(\)\.$/)
})

test('messageWithHint: a front end replaces the hint, keeping what was expected', () => {
  const error = caught(() => parseAddress('node-1')) as NodeKeyError
  assert.equal(
    messageWithHint(error, 'Use --default-port.'),
    'Expected a port in "node-1", got none. Use --default-port.',
  )
  assert.equal(messageWithHint(error, undefined), 'Expected a port in "node-1", got none.')
  // The keyer names its own remedy, a keyer with a default port (never an option it does not take).
  const keyed = caught(() => canonicalNodeKey('node-1')) as NodeKeyError
  assert.match(keyed.hint ?? '', /createNodeKeyer\(\{ defaultPort/)
  assert.equal(
    messageWithHint(keyed, 'Use --default-port.'),
    'Expected a port in "node-1", got none. Use --default-port.',
  )
  const plain = caught(() => canonicalNodeKey(':7002')) as NodeKeyError
  assert.equal(plain.hint, undefined)
  assert.equal(messageWithHint(plain, 'Use X.'), `${plain.message} Use X.`)
  // An error whose message does not end with its hint (made by hand) keeps its message whole.
  const odd = new InvalidPortError('missing-port', 'Expected a port.', undefined)
  assert.equal(messageWithHint(odd, 'X.'), 'Expected a port. X.')
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
  const stale = new StaleCreationError(canonicalNodeKey('localhost:1'), 'rekeyed')
  assert.equal(isNodeKeyError(stale), true)
  assert.ok(stale instanceof NodeKeyError)
  assert.equal(stale.code, 'ERR_NODE_KEY_STALE_CREATION')
  assert.match(stale.message, /re-keyed away/)
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

/**
 * Load the error classes (src/key/errors.ts, and NodeMap's StaleCreationError) into a fresh realm (its own
 * Error and Object), as a second copy of the library is: each file transpiled to CommonJS and run there, with
 * a `require` that gives the core's door (`../key/internal.js`) as the errors module, all it needs of it.
 */
const errorsInAnotherRealm = (): {
  InvalidHostError: typeof InvalidHostError
  InvalidPortError: typeof InvalidPortError
  StaleCreationError: typeof StaleCreationError
  isNodeKeyError: typeof isNodeKeyError
} => {
  const files: Record<string, string> = {
    './preview.js': '../src/key/preview.ts',
    './errors.js': '../src/key/errors.ts',
    '../key/internal.js': '../src/key/errors.ts',
    stale: '../src/node-map/errors.ts',
  }
  const context = vm.createContext({})
  const loaded = new Map<string, Record<string, unknown>>()
  const load = (name: string): Record<string, unknown> => {
    const file = files[name]
    assert.ok(file !== undefined, name)
    const known = loaded.get(file)
    if (known !== undefined) return known
    const source = ts.sys.readFile(new URL(file, import.meta.url).pathname)
    assert.ok(source !== undefined)
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    })
    const module = { exports: {} as Record<string, unknown> }
    loaded.set(file, module.exports)
    vm.runInContext(`(function (module, exports, require) {${outputText}\n})`, context)(
      module,
      module.exports,
      load,
    )
    return module.exports
  }
  return { ...load('./errors.js'), ...load('stale') } as never
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
  const foreignStale = new other.StaleCreationError(canonicalNodeKey('localhost:1'), 'clear')
  assert.equal(foreignStale instanceof StaleCreationError, false)
  assert.equal(isNodeKeyError(foreignStale), true)
  assert.equal(other.isNodeKeyError(new StaleCreationError(canonicalNodeKey('localhost:1'), 'delete')), true)
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

test('an unknown option name is a TypeError naming it and the known ones, for every public options object', () => {
  const misspelled = { trailingdot: 'strip' } as never
  const cases: [where: string, known: string, call: (options: never) => unknown][] = [
    [
      'createNodeKeyer',
      '`cacheSize`, `defaultPort`, `mappedIPv4`, `resolver`, `trailingDot`',
      createNodeKeyer,
    ],
    ['canonicalHost', '`mappedIPv4`, `trailingDot`', (options) => canonicalHost('h', options)],
    [
      'parseAddress',
      '`defaultPort`, `mappedIPv4`, `originHost`, `trailingDot`',
      (options) => parseAddress('h:1', options),
    ],
    ['NodeMap', '`dispose`, `isAlive`, `keyer`, `max`, `onError`', (options) => new NodeMap(options)],
    ['loopbackResolver', '`dualStack`, `to`', loopbackResolver],
    [
      'createDnsTable',
      '`clock`, `concurrency`, `defaultTtl`, `family`, `lazy`, `lookup`, `max`, `maxTtl`, `minTtl`, `negativeTtl`, `servers`, `staleIfError`, `timeout`',
      createDnsTable,
    ],
    ['readClusterSlots', '`keyer`, `origin`, `tls`', (options) => readClusterSlots([], options)],
    ['readClusterShards', '`keyer`, `origin`, `tls`', (options) => readClusterShards([], options)],
    ['readClusterNodes', '`keyer`, `origin`, `tls`', (options) => readClusterNodes('', options)],
    [
      'ioredisNatMap',
      '`onInvalid`, `preferredEndpoint`, `tls`, `topology`',
      (options) => ioredisNatMap(undefined, options),
    ],
    [
      'nodeRedisAddressMap',
      '`onInvalid`, `preferredEndpoint`, `tls`, `topology`',
      (options) => nodeRedisAddressMap(undefined, options),
    ],
    [
      'valkeyGlideAddressResolver',
      '`onInvalid`, `preferredEndpoint`, `tls`, `topology`',
      (options) => valkeyGlideAddressResolver(undefined, options),
    ],
    ['valkeyGlideAddresses', '`tls`', (options) => valkeyGlideAddresses([], undefined, options)],
    ['createNodeRing', '`keyer`', (options) => createNodeRing([], options)],
  ]
  for (const [where, known, call] of cases) {
    assert.throws(
      () => call(misspelled),
      (error: unknown) =>
        error instanceof TypeError &&
        !isNodeKeyError(error) &&
        error.message ===
          `Unknown option "trailingdot" of ${where}${known.includes('`trailingDot`') ? ' (did you mean `trailingDot`?)' : ''}: expected ${known.includes(',') ? 'one of ' : ''}${known}.`,
      where,
    )
    // The check is by name, not by value: an unknown name set to undefined is refused too.
    assert.throws(() => call({ nope: undefined } as never), /Unknown option "nope"/, where)
  }
  // The name is quoted and escaped like any input.
  assert.throws(() => new NodeMap({ 'a\nb': 1 } as never), /^TypeError: Unknown option "a\\nb" of NodeMap: /)
})

test('known option names pass, inherited and symbol keys are not read, isValidHost never throws', () => {
  assert.equal(createNodeKeyer({ trailingDot: 'strip', cacheSize: 0 })('h.', 1), 'h:1')
  assert.equal(canonicalHost('h.', { trailingDot: 'strip', mappedIPv4: 'keep' }), 'h')
  assert.deepEqual(parseAddress(':1', { originHost: 'h', defaultPort: 2 }), { host: 'h', port: 1 })
  assert.equal(new NodeMap({ max: 1, keyer: canonicalNodeKey }).size, 0)
  loopbackResolver({ to: '::1', dualStack: true })
  createDnsTable({ lookup: () => [], lazy: true, max: 1 }).close()
  assert.deepEqual(readClusterSlots([], { tls: false }).nodes, [])
  ioredisNatMap(undefined, { onInvalid: () => {} })
  nodeRedisAddressMap(undefined, { onInvalid: () => {} })
  // Names on the prototype chain (a polluted Object.prototype, defaults in a prototype) are not refused.
  const inherited = Object.create({ stray: 1 }) as object
  assert.equal(canonicalHost('h', inherited), 'h')
  assert.equal(new NodeMap(inherited).size, 0)
  assert.equal(canonicalHost('h', { [Symbol('x')]: 1 } as never), 'h')
  // A predicate never throws, options included: with options canonicalHost refuses, it accepts no host.
  assert.equal(isValidHost('h', { trailingdot: 'strip' } as never), false)
})
