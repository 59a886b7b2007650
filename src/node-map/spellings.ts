/**
 * The spellings of a NodeMap entry: each way an address reached it, kept so that `aliases()` can list them and
 * re-keying can key them again. One small list a record, in the order first seen, bounded.
 */

import { hostAndPortOf, type NodeKey } from '../key/internal.js'

/** How many distinct spellings a record keeps; the first ones seen are kept. */
export const MAX_SPELLINGS = 16

/** One way an address was given, and how to key it again. */
export interface Spelling {
  /** As `aliases()` shows it: a string as written, `(host, port)` and `{ host, port }` as `host:port`. */
  readonly raw: string
  /** The address, or the host of a `(host, port)` pair; an object is a copy of the caller's. */
  readonly input: unknown
  /** The port of a `(host, port)` pair. */
  readonly port: unknown
  /** Whether it came as `(host, port)`. */
  readonly pair: boolean
  /**
   * The host the keyer was given for it, before its resolver (`NodeEndpoint.given`): what a change of the
   * keyer's answers names. `undefined` from a key function that does not tell.
   */
  readonly given: string | undefined
  /**
   * The key it gave when it was last keyed (its own key, before a link is followed); re-keying updates it.
   * What an untouched spelling still gives.
   */
  key: NodeKey | undefined
}

/**
 * The input as the map keys it and keeps it: an object is read once, into a copy of its host and port, so
 * that the key, the spelling and a later re-keying all see the same values (a getter cannot answer twice).
 */
export const settledInput = (input: unknown): unknown => {
  if (typeof input !== 'object' || input === null) return input
  // An object that cannot be read stays as it is: the keyer refuses it with its typed error.
  return hostAndPortOf(input) ?? input
}

/** The raw text of an input as settled by {@link settledInput}. */
export const rawOf = (input: unknown, port: unknown, pair: boolean): string => {
  if (typeof input === 'string') return pair && port !== undefined ? `${input}:${port}` : input
  const { host, port: objectPort } = (input ?? {}) as { host?: unknown; port?: unknown }
  return objectPort === undefined ? String(host) : `${String(host)}:${String(objectPort)}`
}

export const spellingOf = (
  input: unknown,
  port: unknown,
  pair: boolean,
  key: NodeKey,
  given: string | undefined,
): Spelling => ({ raw: rawOf(input, port, pair), input, port: pair ? port : undefined, pair, given, key })

/**
 * Whether a list holds the spelling of this input, found without building its text where it can be: an
 * address string is its own text, and a pair is matched by its host and port as given.
 */
export const hasSpelling = (
  spellings: readonly Spelling[],
  input: unknown,
  port: unknown,
  pair: boolean,
): boolean => {
  if (typeof input === 'string') {
    if (!pair) {
      for (const spelling of spellings) if (spelling.raw === input) return true
      return false
    }
    for (const spelling of spellings) {
      if (spelling.pair && spelling.input === input && spelling.port === port) return true
    }
  }
  const raw = rawOf(input, port, pair)
  for (const spelling of spellings) if (spelling.raw === raw) return true
  return false
}

/** Add a spelling unless the list is full or holds its text already. */
export const addSpelling = (spellings: Spelling[], spelling: Spelling): void => {
  if (spellings.length >= MAX_SPELLINGS) return
  for (const known of spellings) if (known.raw === spelling.raw) return
  spellings.push(spelling)
}

/** Add every spelling of `from` that `into` has room for and does not hold. */
export const mergeSpellings = (into: Spelling[], from: readonly Spelling[]): void => {
  for (const spelling of from) addSpelling(into, spelling)
}
