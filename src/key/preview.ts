/**
 * Quoting input in messages: every error and warning this library writes shows the offending value through
 * {@link preview}, short and escaped, so a hostile megabyte or a terminal escape sequence is never echoed back.
 */

/** How much of the offending input an error keeps, so a hostile megabyte is not echoed back. */
export const INPUT_PREVIEW = 64

/**
 * The code points no message or output line shows as they are: controls (Cc), format characters (Cf: the
 * bidirectional controls, zero-width characters, the BOM, the tag characters), the line and paragraph
 * separators (Zl, Zp), every default-ignorable code point (the soft hyphen, the combining grapheme joiner,
 * the Hangul fillers, the variation selectors, …) and lone surrogates (Cs, as a `u` regex reads them), so a
 * value prints as one honest line in any terminal or log, and shows what it holds.
 */
const HIDDEN_SOURCE = String.raw`\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}`
const HIDDEN = new RegExp(`[${HIDDEN_SOURCE}]`, 'u')
const HIDDEN_OR_BACKSLASH = new RegExp(`[\\\\${HIDDEN_SOURCE}]`, 'gu')
const HIDDEN_ALL = new RegExp(`[${HIDDEN_SOURCE}]`, 'gu')

/** Whether a code point (as a one- or two-unit string) is one {@link HIDDEN} keeps from being shown. */
export const isHidden = (character: string): boolean => HIDDEN.test(character)

const hex = (code: number, digits: number): string => code.toString(16).padStart(digits, '0')

/** The escape of one character: backslash and the named controls by name, anything else by code point. */
const escapeCharacter = (character: string): string => {
  switch (character) {
    case '\\':
      return '\\\\'
    case '\n':
      return '\\n'
    case '\t':
      return '\\t'
    case '\r':
      return '\\r'
  }
  const code = character.codePointAt(0) ?? 0
  return code > 0xffff ? `\\u{${hex(code, 5)}}` : `\\u${hex(code, 4)}`
}

/**
 * A value as an output line may show it: backslash and every {@link HIDDEN} code point escaped
 * (`\n`, `\t`, `\u00ad`, `\u{e0041}`), the rest as it is. What a command line echoes of its input goes
 * through it, so an input cannot forge an output line or reach the terminal as an escape sequence.
 *
 * @example
 * ```ts
 * escapeText('redis://x\n10.0.0.9:6379@db') // 'redis://x\\n10.0.0.9:6379@db'
 * ```
 */
export const escapeText = (text: string): string => text.replace(HIDDEN_OR_BACKSLASH, escapeCharacter)

/**
 * Text that is already escaped where it quotes a value (a message of this library's), with any
 * {@link HIDDEN} code point left in it escaped too; backslashes are its own escapes and stay.
 */
export const escapeHidden = (text: string): string => text.replace(HIDDEN_ALL, escapeCharacter)

/**
 * JSON text from `JSON.stringify` with every {@link HIDDEN} code point it leaves raw in a string (DEL, C1
 * controls, format characters, separators, …) written as a `\u` escape, which JSON reads back as the same
 * string.
 */
export const escapeJson = (json: string): string =>
  json.replace(HIDDEN_ALL, (character) => {
    // A raw line feed in JSON.stringify's output is its own layout, outside strings (inside, it wrote `\n`).
    if (character === '\n') return character
    // Unit by unit: JSON writes a code point past U+FFFF as its surrogate pair.
    let out = ''
    for (let unit = 0; unit < character.length; unit++) out += `\\u${hex(character.charCodeAt(unit), 4)}`
    return out
  })

/** The escape of a character in a quoted preview, or `undefined` to write it as it is. */
const escapeQuoted = (character: string): string | undefined =>
  character === '"'
    ? '\\"'
    : character === '\\' || HIDDEN.test(character)
      ? escapeCharacter(character)
      : undefined

/**
 * A string in double quotes with {@link escapeQuoted}'s escapes, at most {@link INPUT_PREVIEW} characters
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
  for (; i < text.length; ) {
    const code = text.codePointAt(i) ?? 0
    const character = code > 0xffff ? text.slice(i, i + 2) : text[i]!
    const piece = escapeQuoted(character) ?? character
    if (used + piece.length > INPUT_PREVIEW) break
    out += piece
    used += piece.length
    i += character.length
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
  if (value === null) return 'null'
  try {
    return Array.isArray(value) ? 'an array' : 'an object'
  } catch {
    // A revoked Proxy throws even when asked whether it is an array.
    return 'an object'
  }
}
