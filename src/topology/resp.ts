/**
 * Reading RESP values as client libraries deliver them, for the topology readers. Shapes accepted, as Redis
 * documents the commands (https://redis.io/docs/latest/commands/cluster-slots/,
 * https://redis.io/docs/latest/commands/cluster-shards/, https://redis.io/docs/latest/commands/cluster-nodes/):
 * - a RESP2 map is a flat `[key, value, key, value, …]` array (ioredis, and node-redis under RESP2);
 * - a RESP3 map is a plain object (node-redis's default type mapping, ioredis 6's `replyMapping: 'resp3'`,
 *   `redis-cli --json`) or a `Map` (node-redis with `{ [RESP_TYPES.MAP]: Map }`);
 * - strings may come as strings, as `Buffer`s (ioredis 6 decodes every RESP3 string to a Buffer before its
 *   per-command encoding) or as `String` objects (node-redis's `VerbatimString` for `CLUSTER NODES`);
 * - integers as numbers or decimal strings (`stringNumbers`).
 *
 * A bad value throws {@link Bad}; the public readers turn it into an InvalidTopologyError ({@link edge}).
 */
import { preview } from '../key/internal.js'
import { InvalidTopologyError } from './errors.js'

export class Bad extends Error {
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message)
  }
}

export const describe = (value: unknown): string => {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return `a Buffer ${preview(textOf(value) ?? '')}`
  if (value instanceof Map) return 'a Map'
  try {
    const json = JSON.stringify(value)
    if (json !== undefined) return json.length > 80 ? `${json.slice(0, 80)}…` : json
  } catch {
    // A cycle or a bigint: fall back to a preview.
  }
  return preview(value)
}

// Made on first use: constructing a TextDecoder at import would cost every importer.
let decoder: { decode(input: Uint8Array): string } | undefined

/** A RESP string as a JS string: a string, a Buffer/Uint8Array (UTF-8) or a String object; else undefined. */
export const textOf = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value
  if (value instanceof String) return value.valueOf()
  if (value instanceof Uint8Array) {
    try {
      decoder ??= new TextDecoder('utf-8', { fatal: true })
      return decoder.decode(value)
    } catch {
      return undefined
    }
  }
  return undefined
}

export const text = (value: unknown, what: string): string => {
  const result = textOf(value)
  if (result === undefined) throw new Bad(`Expected ${what} to be a string, got ${describe(value)}.`, value)
  return result
}

/** A RESP integer: a number, or a decimal string (`stringNumbers`). */
export const integer = (value: unknown, what: string, min: number, max: number): number => {
  const asText = textOf(value)
  const number =
    typeof value === 'number'
      ? value
      : asText !== undefined && /^[0-9]{1,6}$/.test(asText)
        ? Number(asText)
        : Number.NaN
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Bad(`Expected ${what} to be an integer from ${min} to ${max}, got ${describe(value)}.`, value)
  }
  return number
}

export const slot = (value: unknown, what: string): number => integer(value, what, 0, 16383)
export const port = (value: unknown, what: string): number => integer(value, what, 0, 65535)

export const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** A RESP map in any of its delivered shapes: a flat key/value array, a plain object or a Map. */
export const fields = (value: unknown, what: string): Map<string, unknown> => {
  const map = new Map<string, unknown>()
  if (Array.isArray(value)) {
    if (value.length % 2 !== 0) {
      throw new Bad(
        `Expected ${what} to be a map: a flat [key, value, …] array of even length, got ${value.length} elements.`,
        value,
      )
    }
    for (let i = 0; i < value.length; i += 2) map.set(text(value[i], `a key of ${what}`), value[i + 1])
  } else if (value instanceof Map) {
    for (const [name, item] of value) map.set(text(name, `a key of ${what}`), item)
  } else if (isPlainObject(value)) {
    for (const [name, item] of Object.entries(value)) map.set(name, item)
  } else {
    throw new Bad(
      `Expected ${what} to be a map (a flat [key, value, …] array, an object or a Map), got ${describe(value)}.`,
      value,
    )
  }
  return map
}

export const array = (value: unknown, what: string): unknown[] => {
  if (!Array.isArray(value)) throw new Bad(`Expected ${what} to be an array, got ${describe(value)}.`, value)
  return value
}

export const optionalText = (value: unknown, what: string): string | undefined =>
  value === undefined || value === null ? undefined : text(value, what)

/** A node id: a non-empty string without whitespace. */
export const nodeId = (value: unknown, what: string): string => {
  const id = text(value, what)
  if (!isNodeId(id)) {
    throw new Bad(`Expected ${what} to be a node id (${NODE_ID_RULE}), got ${describe(value)}.`, value)
  }
  return id
}

/**
 * What a node id may be: Redis writes 40 hex characters; other servers of the protocol may write other
 * ids, so any of 1 to 64 letters, digits, `-` and `_` is taken, and nothing longer or stranger.
 */
const NODE_ID = /^[0-9A-Za-z_-]{1,64}$/
export const NODE_ID_RULE = '1 to 64 letters, digits, "-" or "_"; Redis writes 40 hex characters'
export const isNodeId = (id: string): boolean => NODE_ID.test(id)

/** Run a reader, turning a Bad value into the public error. */
export const edge = <T>(command: string, read: () => T): T => {
  try {
    return read()
  } catch (error) {
    if (error instanceof Bad) {
      throw new InvalidTopologyError(`Invalid ${command} reply: ${error.message}`, error.value)
    }
    throw error
  }
}
