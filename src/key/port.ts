/** Ports (docs/canonical-form.md §3): identity is numeric. */
import { type Failure, fail, isFailure, toError } from './errors.js'
import { integer } from './options.js'
import { preview } from './preview.js'

const MAX_PORT = 65535
const NAMED = /^[A-Za-z][A-Za-z0-9-]*$/

/** The port as a number from 1 to 65535, or a failure. `undefined` is missing: `defaultPort` if given. */
export const portOrFailure = (port: unknown, defaultPort?: number): number | Failure => {
  // §3.1: an integer from 1 to 65535.
  if (typeof port === 'number') {
    if (Number.isInteger(port) && port >= 1 && port <= MAX_PORT) return port
    return fail(
      'port',
      'port-out-of-range',
      `Expected the port to be an integer from 1 to ${MAX_PORT}, got ${preview(port)}.`,
    )
  }
  // §3.2: 1 to 5 ASCII digits; else a service name (named-port); else not-a-port.
  if (typeof port === 'string') {
    const length = port.length
    if (length >= 1 && length <= 5) {
      let value = 0
      let i = 0
      for (; i < length; i++) {
        const c = port.charCodeAt(i)
        if (c < 0x30 || c > 0x39) break
        value = value * 10 + (c - 0x30)
      }
      if (i === length) {
        if (value >= 1 && value <= MAX_PORT) return value
        return fail(
          'port',
          'port-out-of-range',
          `Expected the port to be from 1 to ${MAX_PORT}, got ${preview(port)}.`,
        )
      }
    }
    if (length <= 64 && NAMED.test(port)) {
      return fail(
        'port',
        'named-port',
        `Expected a numeric port, got the service name ${preview(port)}: identity is numeric, so look the service up first.`,
      )
    }
    return fail(
      'port',
      'not-a-port',
      `Expected the port to be 1 to 5 ASCII digits (a number from 1 to ${MAX_PORT}), got ${preview(port)}.`,
    )
  }
  // §3.3: missing is the default port, else an error.
  if (port === undefined) {
    if (defaultPort !== undefined) return defaultPort
    return fail('port', 'missing-port', 'Expected a port, got none.')
  }
  return fail(
    'port',
    'not-a-port',
    `Expected the port to be a number or a string of digits, got ${preview(port)}.`,
  )
}

/** The rule of a `defaultPort` option: an integer from 1 to 65535, or absent. */
export const DEFAULT_PORT_RULE = /* @__PURE__ */ integer(1, MAX_PORT, undefined)

/** Validate a `defaultPort` given on its own (not in an options object): a bad one is a TypeError. */
export const checkDefaultPort = (defaultPort: unknown, where: string): number | undefined =>
  DEFAULT_PORT_RULE(defaultPort, 'defaultPort', where)

/**
 * A port as a number: an integer from 1 to 65535, or a string of 1 to 5 ASCII digits (`"06379"` is 6379),
 * as docs/canonical-form.md §3 specifies.
 * `undefined` gives `defaultPort` when there is one.
 *
 * @throws {@link InvalidPortError} for anything else: 0, negatives, fractions, NaN, `"6379 "`, `"0x10"`,
 * `""`, named ports (`"http"`), bigints, objects.
 * @example
 * ```ts
 * parsePort('06379')         // 6379
 * parsePort(undefined, 6379) // 6379
 * parsePort(70000)           // throws InvalidPortError (port-out-of-range)
 * ```
 * @category Addresses
 */
export const parsePort = (port: unknown, defaultPort?: number): number => {
  const result = portOrFailure(port, checkDefaultPort(defaultPort, 'parsePort'))
  if (isFailure(result)) {
    throw toError(
      result,
      port,
      result.reason === 'missing-port'
        ? 'Pass a default as the second argument: parsePort(port, 6379).'
        : undefined,
    )
  }
  return result
}

/**
 * Whether {@link parsePort} accepts the port. Never throws.
 *
 * @example
 * ```ts
 * isValidPort('6379') // true
 * isValidPort(0)      // false
 * ```
 * @category Addresses
 */
export const isValidPort = (port: unknown): boolean => !isFailure(portOrFailure(port))
