/**
 * IP address parsing and serialization, written as the URL Standard's algorithms
 * (https://url.spec.whatwg.org/#concept-ipv4-parser, #concept-ipv6-parser, #concept-ipv6-serializer),
 * one small function per algorithm. Failure is a `null` result; nothing here throws, so these run on the
 * hot path without the cost of exceptions. docs/canonical-form.md §2.4, §2.6, §2.7 and §2.11 state the rules.
 */

/** Eight 16-bit pieces. */
export type IPv6Pieces = number[]

const hexValue = (code: number): number => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  const lower = code | 0x20
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10
  return -1
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39

/**
 * The URL Standard's IPv4 number parser: decimal, `0x` hexadecimal or `0` octal; an empty `0x` is zero
 * (§2.11 step 3).
 * Returns NaN on failure.
 */
export const parseIPv4Number = (input: string): number => {
  if (input.length === 0) return Number.NaN
  let radix = 10
  let start = 0
  if (input.length >= 2 && input.charCodeAt(0) === 0x30 && (input.charCodeAt(1) | 0x20) === 0x78) {
    radix = 16
    start = 2
  } else if (input.length >= 2 && input.charCodeAt(0) === 0x30) {
    radix = 8
    start = 1
  }
  if (start === input.length) return 0
  let value = 0
  for (let i = start; i < input.length; i++) {
    const digit = hexValue(input.charCodeAt(i))
    if (digit < 0 || digit >= radix) return Number.NaN
    value = value * radix + digit
  }
  return value
}

/**
 * The URL Standard's "ends in a number" checker: decides whether a host must be parsed as IPv4 (§2.11 step 1).
 */
export const endsInANumber = (input: string): boolean => {
  let end = input.length
  // A trailing empty label is dropped (`1.2.3.4.` ends in a number).
  if (end > 0 && input.charCodeAt(end - 1) === 0x2e) end--
  if (end === 0) return false
  const start = input.lastIndexOf('.', end - 1) + 1
  if (start === end) return false
  let allDigits = true
  for (let i = start; i < end; i++) {
    if (!isDigit(input.charCodeAt(i))) {
      allDigits = false
      break
    }
  }
  if (allDigits) return true
  return !Number.isNaN(parseIPv4Number(input.slice(start, end)))
}

/**
 * The URL Standard's IPv4 parser: one to four parts, each decimal, hex or octal; the last part fills the
 * remaining bytes (§2.11 step 2). Returns the address as a 32-bit unsigned number, or NaN on failure.
 */
export const parseIPv4 = (input: string): number => {
  const parts = input.split('.')
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop()
  if (parts.length > 4) return Number.NaN
  const numbers: number[] = []
  for (const part of parts) {
    const n = parseIPv4Number(part)
    if (Number.isNaN(n)) return Number.NaN
    numbers.push(n)
  }
  const last = numbers.length - 1
  for (let i = 0; i < last; i++) if (numbers[i]! > 255) return Number.NaN
  if (numbers[last]! >= 256 ** (5 - numbers.length)) return Number.NaN
  let ipv4 = numbers[last]!
  for (let i = 0; i < last; i++) ipv4 += numbers[i]! * 256 ** (3 - i)
  return ipv4
}

/** Dotted decimal, as the URL Standard's IPv4 serializer writes it (§2.11 step 5). */
export const serializeIPv4 = (address: number): string =>
  `${Math.floor(address / 0x1000000) & 0xff}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`

/**
 * The URL Standard's IPv6 parser (no brackets, no zone). Accepts a trailing dotted IPv4 part in strict
 * decimal (§2.4). Returns the eight pieces, or null on failure.
 */
export const parseIPv6 = (input: string): IPv6Pieces | null => {
  const address = [0, 0, 0, 0, 0, 0, 0, 0]
  const length = input.length
  let pieceIndex = 0
  let compress = -1
  let pointer = 0
  if (input.charCodeAt(0) === 0x3a) {
    if (input.charCodeAt(1) !== 0x3a) return null
    pointer = 2
    pieceIndex = 1
    compress = 1
  }
  while (pointer < length) {
    if (pieceIndex === 8) return null
    if (input.charCodeAt(pointer) === 0x3a) {
      if (compress !== -1) return null
      pointer++
      pieceIndex++
      compress = pieceIndex
      continue
    }
    let value = 0
    let digits = 0
    while (digits < 4 && pointer < length) {
      const digit = hexValue(input.charCodeAt(pointer))
      if (digit < 0) break
      value = value * 16 + digit
      pointer++
      digits++
    }
    const c = input.charCodeAt(pointer) // NaN at the end of input
    if (c === 0x2e) {
      if (digits === 0) return null
      pointer -= digits
      if (pieceIndex > 6) return null
      let numbersSeen = 0
      while (pointer < length) {
        let ipv4Piece = -1
        if (numbersSeen > 0) {
          if (input.charCodeAt(pointer) === 0x2e && numbersSeen < 4) pointer++
          else return null
        }
        if (!isDigit(input.charCodeAt(pointer))) return null
        while (isDigit(input.charCodeAt(pointer))) {
          const number = input.charCodeAt(pointer) - 0x30
          if (ipv4Piece === -1) ipv4Piece = number
          else if (ipv4Piece === 0) return null
          else ipv4Piece = ipv4Piece * 10 + number
          if (ipv4Piece > 255) return null
          pointer++
        }
        address[pieceIndex] = address[pieceIndex]! * 0x100 + ipv4Piece
        numbersSeen++
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++
      }
      if (numbersSeen !== 4) return null
      break
    } else if (c === 0x3a) {
      pointer++
      if (pointer >= length) return null
    } else if (pointer < length) {
      return null
    }
    address[pieceIndex] = value
    pieceIndex++
  }
  if (compress !== -1) {
    let swaps = pieceIndex - compress
    pieceIndex = 7
    while (pieceIndex !== 0 && swaps > 0) {
      const other = compress + swaps - 1
      const held = address[pieceIndex]!
      address[pieceIndex] = address[other]!
      address[other] = held
      pieceIndex--
      swaps--
    }
  } else if (pieceIndex !== 8) {
    return null
  }
  return address
}

/**
 * RFC 5952 section 4 (and the URL Standard's IPv6 serializer, which agrees): lowercase hex without leading
 * zeros, the first longest run of two or more zero pieces compressed to `::` (§2.6).
 */
export const serializeIPv6 = (pieces: IPv6Pieces): string => {
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (pieces[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && pieces[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  let out = ''
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += i === 0 ? '::' : ':'
      i += bestLength - 1
      continue
    }
    out += pieces[i]!.toString(16)
    if (i < 7) out += ':'
  }
  return out
}

/** True for `::ffff:0:0/96`, the IPv4-mapped addresses of RFC 4291 section 2.5.5.2 (§2.7). */
export const isIPv4Mapped = (pieces: IPv6Pieces): boolean =>
  pieces[0] === 0 &&
  pieces[1] === 0 &&
  pieces[2] === 0 &&
  pieces[3] === 0 &&
  pieces[4] === 0 &&
  pieces[5] === 0xffff

/** The IPv4 address inside an IPv4-mapped IPv6 address, dotted. */
export const mappedIPv4 = (pieces: IPv6Pieces): string =>
  `${pieces[6]! >>> 8}.${pieces[6]! & 0xff}.${pieces[7]! >>> 8}.${pieces[7]! & 0xff}`
