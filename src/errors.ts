/**
 * Errors thrown at the public edge. Inside the library, parsers report failure as a value
 * ({@link Failure}); only the exported functions turn a failure into one of these.
 */

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

/** A parse failure carried as a value. */
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

/** Describe any value briefly and safely for an error message or the `input` property. */
export const preview = (value: unknown): string => {
  let text: string
  if (typeof value === 'string')
    text = JSON.stringify(value.length > INPUT_PREVIEW ? value.slice(0, INPUT_PREVIEW) : value)
  else if (typeof value === 'bigint') text = `${value}n`
  else if (value === null || typeof value !== 'object') text = String(value)
  else if (Array.isArray(value)) text = 'an array'
  else text = 'an object'
  return text.length > INPUT_PREVIEW + 2 ? `${text.slice(0, INPUT_PREVIEW + 1)}…` : text
}

const keepInput = (input: unknown): unknown =>
  typeof input === 'string' && input.length > INPUT_PREVIEW ? input.slice(0, INPUT_PREVIEW) : input

/**
 * The base class of every error this library throws for bad input.
 *
 * @example
 * ```ts
 * try { canonicalNodeKey('bad host', 7000) } catch (e) { if (isNodeKeyError(e)) console.error(e.code) }
 * ```
 */
export class NodeKeyError extends Error {
  override name = 'NodeKeyError'
  /** A stable code: `ERR_NODE_KEY_INVALID_HOST`, `ERR_NODE_KEY_INVALID_PORT` or `ERR_NODE_KEY_INVALID_TOPOLOGY`. */
  readonly code: string
  /** Why the input was refused, kebab-case (for example `port-out-of-range`). */
  readonly reason: FailureReason
  /** The offending input; strings are cut to 64 characters. */
  readonly input: unknown

  constructor(
    code: string,
    reason: FailureReason,
    message: string,
    input: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.code = code
    this.reason = reason
    this.input = keepInput(input)
  }
}

/**
 * A host that is not an IPv4 address, an IPv6 address or a DNS-shaped name.
 *
 * @example
 * ```ts
 * canonicalHost('a..b') // throws InvalidHostError, reason 'invalid-label'
 * ```
 */
export class InvalidHostError extends NodeKeyError {
  override name = 'InvalidHostError'
  constructor(reason: FailureReason, message: string, input: unknown, options?: { cause?: unknown }) {
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
 */
export class InvalidPortError extends NodeKeyError {
  override name = 'InvalidPortError'
  constructor(reason: FailureReason, message: string, input: unknown, options?: { cause?: unknown }) {
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
 */
export class InvalidTopologyError extends NodeKeyError {
  override name = 'InvalidTopologyError'
  constructor(message: string, input: unknown, options?: { cause?: unknown }) {
    super('ERR_NODE_KEY_INVALID_TOPOLOGY', 'invalid-topology', message, input, options)
  }
}

const CODES = new Set([
  'ERR_NODE_KEY_INVALID_HOST',
  'ERR_NODE_KEY_INVALID_PORT',
  'ERR_NODE_KEY_INVALID_TOPOLOGY',
])

/**
 * True for any error this library throws for bad input, also across realms (worker threads, vm contexts,
 * two copies of the package), where `instanceof` fails.
 *
 * @example
 * ```ts
 * try { parsePort(0) } catch (e) { isNodeKeyError(e) } // true
 * ```
 */
export const isNodeKeyError = (value: unknown): value is NodeKeyError =>
  value instanceof NodeKeyError ||
  (typeof value === 'object' &&
    value !== null &&
    CODES.has((value as { code?: unknown }).code as string) &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { reason?: unknown }).reason === 'string')

/** Turn a failure into the error the public edge throws. */
export const toError = (failure: Failure, input: unknown, cause?: unknown): NodeKeyError => {
  const options = cause === undefined ? undefined : { cause }
  return failure.kind === 'port'
    ? new InvalidPortError(failure.reason, failure.message, input, options)
    : new InvalidHostError(failure.reason, failure.message, input, options)
}
