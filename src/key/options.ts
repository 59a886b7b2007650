/**
 * The one options reader every entry uses. An options object is read once, by its own properties only (so a
 * property added to `Object.prototype` cannot become an option), each value read once (a getter cannot
 * answer two different things), names it does not know refused (a misspelling in plain JavaScript is a
 * TypeError, not an option silently ignored), and every value checked by its rule, bounds included.
 */
import { preview } from './preview.js'

/**
 * How one option is read: its value (`undefined` when the object does not have it) to what the caller uses;
 * a bad value throws a TypeError that names the option and its function.
 */
export type OptionRule<T> = (value: unknown, name: string, where: string) => T

/** The rules of one options type: a rule for each of its names, and no other name. */
export type OptionRules<T> = { readonly [K in keyof Required<T>]: OptionRule<unknown> }

/** What {@link readOptions} returns: each option as its rule gives it. */
export type ReadOptions<R> = { [K in keyof R]: R[K] extends OptionRule<infer T> ? T : never }

/** The TypeError of a bad option value, in the one wording every entry uses. */
export const badOption = (name: string, where: string, expected: string, value: unknown): TypeError =>
  new TypeError(`Expected \`${name}\` of ${where} to be ${expected}, got ${preview(value)}.`)

/**
 * Read an options object (or `undefined`, which gives every option its default) by `rules`.
 *
 * @example
 * ```ts
 * readOptions({ trailingDot: 'strip' }, 'canonicalHost', { trailingDot: oneOf(['keep', 'strip'], 'keep') })
 * // { trailingDot: 'strip' }
 * readOptions({ trailingdot: 'strip' }, 'canonicalHost', { trailingDot: oneOf(['keep', 'strip'], 'keep') })
 * // TypeError: Unknown option "trailingdot" of canonicalHost (did you mean `trailingDot`?): expected `trailingDot`.
 * ```
 */
export const readOptions = <R extends Record<string, OptionRule<unknown>>>(
  options: unknown,
  where: string,
  rules: R,
): ReadOptions<R> => {
  const values = options === undefined ? undefined : ownValues(options, where, rules)
  const read: Record<string, unknown> = {}
  for (const name of Object.keys(rules)) read[name] = rules[name]!(values?.get(name), name, where)
  return read as ReadOptions<R>
}

/** The own values of the names `rules` knows, each read once; a name it does not know is refused. */
const ownValues = (options: unknown, where: string, rules: object): Map<string, unknown> => {
  if (typeof options !== 'object' || options === null || isArray(options)) {
    throw new TypeError(`Expected the options of ${where} to be an object, got ${preview(options)}.`)
  }
  const values = new Map<string, unknown>()
  try {
    for (const name of Object.keys(options)) {
      if (!Object.hasOwn(rules, name)) throw unknownOption(name, Object.keys(rules), where)
    }
    for (const name of Object.keys(rules)) {
      if (Object.hasOwn(options, name)) values.set(name, (options as Record<string, unknown>)[name])
    }
  } catch (error) {
    if (error instanceof UnknownOption) throw error
    // A getter or a proxy that throws: the options cannot be read at all.
    throw new TypeError(`Expected the options of ${where} to be readable: reading them threw.`, {
      cause: error,
    })
  }
  return values
}

/** `Array.isArray`, where a revoked Proxy (which throws even then) is no array but an unreadable object. */
const isArray = (value: object): boolean => {
  try {
    return Array.isArray(value)
  } catch {
    return false
  }
}

/** An unknown option name; a class of its own only so that {@link ownValues} passes it on unwrapped. */
class UnknownOption extends TypeError {}

const unknownOption = (name: string, known: readonly string[], where: string): TypeError => {
  const names = [...known].sort()
  const lower = name.toLowerCase()
  const like = names.find((candidate) => candidate.toLowerCase() === lower)
  const list = names.map((candidate) => `\`${candidate}\``).join(', ')
  return new UnknownOption(
    `Unknown option ${preview(name)} of ${where}${like === undefined ? '' : ` (did you mean \`${like}\`?)`}: expected ${names.length === 1 ? list : `one of ${list}`}.`,
  )
}

// ---------------------------------------------------------------------------------------------------------
// Rules. Each takes the default an absent option gets; `undefined` as a default keeps the option optional.

/** One of a few literal values. */
export const oneOf =
  <T extends string | number>(values: readonly T[], fallback: T): OptionRule<T> =>
  (value, name, where) => {
    if (value === undefined) return fallback
    if (!values.includes(value as T)) {
      const quoted = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)))
      const expected =
        quoted.length === 2
          ? `${quoted[0]} or ${quoted[1]}`
          : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`
      throw badOption(name, where, expected, value)
    }
    return value as T
  }

/** A boolean. */
export const flag =
  (fallback: boolean): OptionRule<boolean> =>
  (value, name, where) => {
    if (value === undefined) return fallback
    if (typeof value !== 'boolean') throw badOption(name, where, 'a boolean', value)
    return value
  }

/** An integer from `min` to `max` (`Infinity` allowed when it is the `max`). */
export const integer =
  <F extends number | undefined>(min: number, max: number, fallback: F): OptionRule<number | F> =>
  (value, name, where) => {
    if (value === undefined) return fallback
    const ok =
      typeof value === 'number' &&
      value >= min &&
      (Number.isInteger(value) ? value <= max : value === Number.POSITIVE_INFINITY && max === value)
    if (!ok) {
      const range =
        max === Number.POSITIVE_INFINITY
          ? `an integer from ${min} up, or Infinity`
          : `an integer from ${min} to ${max}`
      throw badOption(name, where, range, value)
    }
    return value as number
  }

/** A finite number of seconds from `min` to `max`. */
export const seconds =
  <F extends number | undefined>(min: number, max: number, fallback: F): OptionRule<number | F> =>
  (value, name, where) => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw badOption(name, where, `a number of seconds from ${min} to ${max}`, value)
    }
    return value
  }

/** A function, or absent (`undefined`) unless a default is given. */
export const callback =
  <T extends (...args: never[]) => unknown, F extends T | undefined = undefined>(
    expected: string,
    fallback?: F,
  ): OptionRule<T | F> =>
  (value, name, where) => {
    if (value === undefined) return fallback as F
    if (typeof value !== 'function') throw badOption(name, where, expected, value)
    return value as T
  }

/** Any value its own check accepts; `check` returns the value to use, or `undefined` to refuse it. */
export const rule =
  <T>(expected: string, check: (value: unknown) => { value: T } | undefined): OptionRule<T> =>
  (value, name, where) => {
    const checked = check(value)
    if (checked === undefined) throw badOption(name, where, expected, value)
    return checked.value
  }
