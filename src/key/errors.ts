/**
 * Errors thrown at the public edge. Inside the library, parsers report failure as a value
 * ({@link Failure}); only the exported functions turn a failure into one of these.
 */
import { INPUT_PREVIEW } from './preview.js'

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

const keepInput = (input: unknown): unknown =>
  typeof input === 'string' && input.length > INPUT_PREVIEW ? input.slice(0, INPUT_PREVIEW) : input

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
   * A stable code: `ERR_NODE_KEY_INVALID_HOST`, `ERR_NODE_KEY_INVALID_PORT`, or from a product entry,
   * `ERR_NODE_KEY_INVALID_TOPOLOGY` (`canonical-node-key/topology`), `ERR_NODE_KEY_STALE_CREATION` and
   * `ERR_NODE_KEY_SYNC_REFUSED` (`canonical-node-key/node-map`), and `ERR_NODE_KEY_RING`
   * (`canonical-node-key/ring`).
   */
  readonly code: string
  /**
   * Why, kebab-case: for bad input, the {@link FailureReason} (for example `port-out-of-range`); for a
   * NodeMap's `StaleCreationError`, what removed its key.
   */
  readonly reason: string
  /** The offending input; strings are cut to 64 characters. */
  readonly input: unknown
  /**
   * What the caller of the function that threw can do, also the last sentence of `message`; `undefined`
   * when the message says it all. A front end with other means (a command line's flags) may show its own.
   */
  readonly hint: string | undefined

  constructor(
    code: string,
    reason: string,
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
  /** Why the input was refused. */
  declare readonly reason: FailureReason
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
  /** Why the input was refused. */
  declare readonly reason: FailureReason
  constructor(
    reason: FailureReason,
    message: string,
    input: unknown,
    options?: { cause?: unknown; hint?: string | undefined },
  ) {
    super('ERR_NODE_KEY_INVALID_PORT', reason, message, input, options)
  }
}

const CODES = new Set([
  'ERR_NODE_KEY_INVALID_HOST',
  'ERR_NODE_KEY_INVALID_PORT',
  'ERR_NODE_KEY_INVALID_TOPOLOGY',
  'ERR_NODE_KEY_STALE_CREATION',
  'ERR_NODE_KEY_SYNC_REFUSED',
  'ERR_NODE_KEY_RING',
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
export const isNodeKeyError = (value: unknown): value is NodeKeyError => {
  try {
    return (
      value instanceof NodeKeyError ||
      (typeof value === 'object' &&
        value !== null &&
        CODES.has((value as { code?: unknown }).code as string) &&
        typeof (value as { message?: unknown }).message === 'string' &&
        typeof (value as { reason?: unknown }).reason === 'string')
    )
  } catch {
    // A revoked Proxy, or a getter that throws: not an error of this library, and the guard never throws.
    return false
  }
}

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
