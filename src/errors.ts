/**
 * Errors thrown at the public edge. Inside the library, parsers report failure as a value
 * ({@link Failure}); only the exported functions turn a failure into one of these.
 */
import type { NodeKey } from './node-key.js'

/** How much of the offending input an error keeps, so a hostile megabyte is not echoed back. */
const INPUT_PREVIEW = 64

/**
 * Internal failure reasons, kebab-case. Each becomes the `reason` of the error thrown.
 *
 * @example
 * ```ts
 * let reason: FailureReason | undefined
 * try { parsePort(70000) } catch (e) { if (isNodeKeyError(e)) reason = e.reason }
 * reason // 'port-out-of-range'
 * ```
 * @category Errors
 */
export type FailureReason =
  | 'not-a-string'
  | 'too-long'
  | 'empty-host'
  | 'forbidden-character'
  | 'invalid-ipv6'
  | 'invalid-zone'
  | 'invalid-ipv4'
  | 'invalid-percent-encoding'
  | 'idna'
  | 'invalid-label'
  | 'label-too-long'
  | 'name-too-long'
  | 'not-a-port'
  | 'port-out-of-range'
  | 'named-port'
  | 'missing-port'
  | 'invalid-address'
  | 'invalid-key'
  | 'resolver'
  | 'invalid-topology'
  | 'invalid-cidr'

/**
 * A parse failure carried as a value. Its `message` says what was expected and quotes the offending input
 * (through {@link preview}); it names no function or option, because the same failure reaches callers of
 * different functions. The public function that throws adds the hint that fits its caller ({@link toError}).
 * A failure is built only when input fails, never for input that parses.
 */
export interface Failure {
  readonly failed: true
  readonly kind: 'host' | 'port'
  readonly reason: FailureReason
  readonly message: string
}

export const fail = (kind: Failure['kind'], reason: FailureReason, message: string): Failure => ({
  failed: true,
  kind,
  reason,
  message,
})

export const isFailure = (value: unknown): value is Failure =>
  typeof value === 'object' && value !== null && (value as { failed?: unknown }).failed === true

/**
 * The escape of one UTF-16 unit in a quoted preview, or `undefined` to write it as it is: quote and
 * backslash, C0 and C1 controls, DEL, lone surrogates, line and paragraph separators, and the invisible
 * format characters that reorder or hide text (bidirectional controls, zero-width characters, BOM), so a
 * message prints as one honest line in any terminal or log.
 */
const escapeUnit = (text: string, i: number): string | undefined => {
  const c = text.charCodeAt(i)
  if (c === 0x22) return '\\"'
  if (c === 0x5c) return '\\\\'
  if (c === 0x09) return '\\t'
  if (c === 0x0a) return '\\n'
  if (c === 0x0d) return '\\r'
  if (c >= 0x20 && c < 0x7f) return undefined
  let hidden = c < 0x20 || (c >= 0x7f && c <= 0x9f)
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1)
    hidden = !(next >= 0xdc00 && next <= 0xdfff)
  } else if (c >= 0xdc00 && c <= 0xdfff) {
    const previous = text.charCodeAt(i - 1)
    hidden = !(previous >= 0xd800 && previous <= 0xdbff)
  } else if (
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x2069) ||
    c === 0xfeff
  ) {
    hidden = true
  }
  return hidden ? `\\u${c.toString(16).padStart(4, '0')}` : undefined
}

/**
 * A string in double quotes with {@link escapeUnit}'s escapes, at most {@link INPUT_PREVIEW} characters
 * between the quotes (an escape is never cut, nor a surrogate pair), then "…" if the string goes on. Reads
 * at most that many units of the string, so a hostile megabyte costs no more than a short one.
 */
const quote = (text: string): string => {
  // Most inputs are printable ASCII: then the preview is a slice.
  const end = Math.min(text.length, INPUT_PREVIEW)
  let plain = 0
  while (plain < end) {
    const c = text.charCodeAt(plain)
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) break
    plain++
  }
  if (plain === end) return end < text.length ? `"${text.slice(0, end)}"…` : `"${text}"`
  let out = '"'
  let used = 0
  let i = 0
  for (; i < text.length; i++) {
    const escaped = escapeUnit(text, i)
    const pair = escaped === undefined && text.charCodeAt(i) >= 0xd800 && text.charCodeAt(i) <= 0xdbff
    const piece = escaped ?? (pair ? text.slice(i, i + 2) : text[i]!)
    if (used + piece.length > INPUT_PREVIEW) break
    out += piece
    used += piece.length
    if (pair) i++
  }
  return i < text.length ? `${out}"…` : `${out}"`
}

const BIG_BIGINT = 10n ** 60n

/**
 * Describe any value briefly and safely for an error message: a string quoted and escaped (see
 * {@link quote}), a number, bigint, boolean, `undefined` or `null` as itself, anything else by its kind.
 *
 * @example
 * ```ts
 * preview('a\u0000b')        // '"a\\u0000b"'
 * preview('x'.repeat(1e6)) // '"xxx…x"…', 64 x between the quotes
 * preview(10n)             // '10n'
 * preview([1])             // 'an array'
 * ```
 */
export const preview = (value: unknown): string => {
  switch (typeof value) {
    case 'string':
      return quote(value)
    case 'bigint':
      // Writing a bigint takes time that grows with its size: a huge one is only named.
      return -BIG_BIGINT < value && value < BIG_BIGINT ? `${value}n` : 'a bigint of more than 60 digits'
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value)
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
  }
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object'
}

/**
 * Refuse option names `where` does not know, so that a misspelling in plain JavaScript (`trailingdot`) is a
 * TypeError rather than an option silently ignored. Only the object's own enumerable string keys count (a
 * for-in and a Set lookup each); call it once where an options object is read, not per lookup.
 *
 * @example
 * ```ts
 * checkOptionNames({ trailingdot: 'strip' }, new Set(['mappedIPv4', 'trailingDot']), 'canonicalHost')
 * // TypeError: Unknown option "trailingdot" of canonicalHost (did you mean `trailingDot`?): expected one of `mappedIPv4`, `trailingDot`.
 * ```
 */
export const checkOptionNames = (options: object, known: ReadonlySet<string>, where: string): void => {
  for (const name in options) {
    if (!known.has(name) && Object.hasOwn(options, name)) throw unknownOption(name, known, where)
  }
}

/**
 * The option names of an options type, as {@link checkOptionNames} takes them. The record must list every
 * name of `T` and no other, so the compiler keeps the list in step with the type.
 */
export const optionNames = <T>(names: { readonly [K in keyof Required<T>]: true }): ReadonlySet<string> =>
  new Set(Object.keys(names))

const unknownOption = (name: string, known: ReadonlySet<string>, where: string): TypeError => {
  const names = [...known]
  const lower = name.toLowerCase()
  const like = names.find((candidate) => candidate.toLowerCase() === lower)
  const list = names.map((candidate) => `\`${candidate}\``).join(', ')
  return new TypeError(
    `Unknown option ${preview(name)} of ${where}${like === undefined ? '' : ` (did you mean \`${like}\`?)`}: expected ${names.length === 1 ? list : `one of ${list}`}.`,
  )
}

const keepInput = (input: unknown): unknown =>
  typeof input === 'string' && input.length > INPUT_PREVIEW ? input.slice(0, INPUT_PREVIEW) : input

/**
 * What removed a key while its value was being created by `getOrCreateAsync`: `delete`, `clear`, or
 * re-keying (the keyer's answers changed and no spelling of the creation keys any more).
 */
export type StaleCreationReason = 'delete' | 'clear' | 'rekeyed'

/**
 * The base class of every error this library throws for bad input.
 *
 * @example
 * ```ts
 * try { canonicalNodeKey('bad host', 7000) } catch (e) { if (isNodeKeyError(e)) console.error(e.code) }
 * ```
 * @category Errors
 */
export class NodeKeyError extends Error {
  /** `'NodeKeyError'`. */
  override name = 'NodeKeyError'
  /**
   * A stable code: `ERR_NODE_KEY_INVALID_HOST`, `ERR_NODE_KEY_INVALID_PORT`, `ERR_NODE_KEY_INVALID_TOPOLOGY`
   * or `ERR_NODE_KEY_STALE_CREATION`.
   */
  readonly code: string
  /**
   * Why the input was refused, kebab-case (for example `port-out-of-range`); for a
   * {@link StaleCreationError}, what removed its key.
   */
  readonly reason: FailureReason | StaleCreationReason
  /** The offending input; strings are cut to 64 characters. */
  readonly input: unknown
  /**
   * What the caller of the function that threw can do, also the last sentence of `message`; `undefined`
   * when the message says it all. A front end with other means (a command line's flags) may show its own.
   */
  readonly hint: string | undefined

  constructor(
    code: string,
    reason: FailureReason | StaleCreationReason,
    message: string,
    input: unknown,
    options?: { cause?: unknown; hint?: string | undefined },
  ) {
    const hint = options?.hint
    super(hint === undefined ? message : `${message} ${hint}`, options)
    this.code = code
    this.reason = reason
    this.input = keepInput(input)
    this.hint = hint
  }
}

/**
 * A host that is not an IPv4 address, an IPv6 address or a DNS-shaped name.
 *
 * @example
 * ```ts
 * canonicalHost('a..b') // throws InvalidHostError, reason 'invalid-label'
 * ```
 * @category Errors
 */
export class InvalidHostError extends NodeKeyError {
  /** `'InvalidHostError'`. */
  override name = 'InvalidHostError'
  constructor(
    reason: FailureReason,
    message: string,
    input: unknown,
    options?: { cause?: unknown; hint?: string | undefined },
  ) {
    super('ERR_NODE_KEY_INVALID_HOST', reason, message, input, options)
  }
}

/**
 * A port that is not an integer from 1 to 65535 or a string of one to five ASCII digits.
 *
 * @example
 * ```ts
 * parsePort('6379 ') // throws InvalidPortError, reason 'not-a-port'
 * ```
 * @category Errors
 */
export class InvalidPortError extends NodeKeyError {
  /** `'InvalidPortError'`. */
  override name = 'InvalidPortError'
  constructor(
    reason: FailureReason,
    message: string,
    input: unknown,
    options?: { cause?: unknown; hint?: string | undefined },
  ) {
    super('ERR_NODE_KEY_INVALID_PORT', reason, message, input, options)
  }
}

/**
 * A topology reply (`CLUSTER SLOTS`, `CLUSTER SHARDS`, `CLUSTER NODES`) that does not have the shape Redis
 * documents. `input` is the offending part of the reply.
 *
 * @example
 * ```ts
 * readClusterSlots('OK') // throws InvalidTopologyError: Invalid CLUSTER SLOTS reply: Expected the reply to be an array, got "OK".
 * ```
 * @category Errors
 */
export class InvalidTopologyError extends NodeKeyError {
  /** `'InvalidTopologyError'`. */
  override name = 'InvalidTopologyError'
  constructor(message: string, input: unknown, options?: { cause?: unknown }) {
    super('ERR_NODE_KEY_INVALID_TOPOLOGY', 'invalid-topology', message, input, options)
  }
}

/**
 * The rejection of a `getOrCreateAsync` whose key was deleted or cleared while its value was being created,
 * with nothing left in its place; the value created has been disposed with reason `'stale'`. `input` is the
 * key, as is `key`.
 *
 * @example
 * ```ts
 * const pending = nodes.getOrCreateAsync('localhost:7000', connect)
 * nodes.delete('127.0.0.1:7000')
 * await pending // rejects with StaleCreationError; the connection made is disposed
 * ```
 * @category Errors
 */
export class StaleCreationError extends NodeKeyError {
  /** `'StaleCreationError'`. */
  override name = 'StaleCreationError'
  declare readonly code: 'ERR_NODE_KEY_STALE_CREATION'
  /** The key whose value was dropped. */
  readonly key: NodeKey
  /** What removed the key while the value was being created. */
  declare readonly reason: StaleCreationReason

  constructor(key: NodeKey, reason: StaleCreationReason) {
    const what = reason === 'clear' ? 'cleared' : reason === 'rekeyed' ? 're-keyed away' : 'deleted'
    super(
      'ERR_NODE_KEY_STALE_CREATION',
      reason,
      `The value created for ${key} was disposed: the key was ${what} while it was being created.`,
      key,
      { hint: 'Call getOrCreateAsync again for a new one.' },
    )
    this.key = key
  }
}

const CODES = new Set([
  'ERR_NODE_KEY_INVALID_HOST',
  'ERR_NODE_KEY_INVALID_PORT',
  'ERR_NODE_KEY_INVALID_TOPOLOGY',
  'ERR_NODE_KEY_STALE_CREATION',
])

/**
 * True for any error this library throws for bad input, also across realms (worker threads, vm contexts,
 * two copies of the package), where `instanceof` fails.
 *
 * @example
 * ```ts
 * try { parsePort(0) } catch (e) { isNodeKeyError(e) } // true
 * ```
 * @category Errors
 */
export const isNodeKeyError = (value: unknown): value is NodeKeyError =>
  value instanceof NodeKeyError ||
  (typeof value === 'object' &&
    value !== null &&
    CODES.has((value as { code?: unknown }).code as string) &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { reason?: unknown }).reason === 'string')

/**
 * Turn a failure into the error a public function throws. `hint` is what that function's caller can do
 * about it (an option to pass, another function to call), chosen by the function from the failure's
 * `reason`; it is built here, once an error is thrown, never while parsing.
 */
export const toError = (failure: Failure, input: unknown, hint?: string): NodeKeyError => {
  const options = hint === undefined ? undefined : { hint }
  return failure.kind === 'port'
    ? new InvalidPortError(failure.reason, failure.message, input, options)
    : new InvalidHostError(failure.reason, failure.message, input, options)
}

/**
 * An error's message with its hint replaced by `hint` (or dropped, when `undefined`): for a front end whose
 * caller acts through other means, as the command line's flags stand for the keyer's options.
 */
export const messageWithHint = (error: NodeKeyError, hint: string | undefined): string => {
  const { message, hint: own } = error
  const expected =
    typeof own === 'string' && message.endsWith(` ${own}`)
      ? message.slice(0, message.length - own.length - 1)
      : message
  return hint === undefined ? expected : `${expected} ${hint}`
}
