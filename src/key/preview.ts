/**
 * Quoting input in messages: every error and warning this library writes shows the offending value through
 * {@link preview}, short and escaped, so a hostile megabyte or a terminal escape sequence is never echoed back.
 */

/** How much of the offending input an error keeps, so a hostile megabyte is not echoed back. */
export const INPUT_PREVIEW = 64

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
  if (value === null) return 'null'
  try {
    return Array.isArray(value) ? 'an array' : 'an object'
  } catch {
    // A revoked Proxy throws even when asked whether it is an array.
    return 'an object'
  }
}
