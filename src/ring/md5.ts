/**
 * MD5 (RFC 1321) of a string's UTF-8 bytes or of a byte array, written for the ring's hot path: it allocates
 * nothing per call (one block of 16 words and the 4 words of state are reused), and it reads a string's
 * characters straight into the block instead of encoding it to a buffer first. A ring's `get` hashes one
 * key a call, usually a few dozen ASCII characters, one block: there, calling into `node:crypto` (a Hash
 * object, a digest Buffer) costs several times the hashing itself (bench/ring.bench.ts measures both).
 *
 * A string is read as `Buffer.from(text, 'utf8')` and `TextEncoder` read it, which is what
 * `createHash('md5').update(text)` hashes: a lone surrogate is the three bytes of U+FFFD. The tests check
 * every digest against `node:crypto` on generated strings and byte arrays.
 *
 * MD5 is used here as ketama uses it, to spread servers and keys over the ring, never as a security measure.
 */

/** The sine constants of RFC 1321 section 3.4: the integer part of 2^32 × |sin(i + 1)|. */
const K = /* @__PURE__ */ Int32Array.of(
  0xd76aa478,
  0xe8c7b756,
  0x242070db,
  0xc1bdceee,
  0xf57c0faf,
  0x4787c62a,
  0xa8304613,
  0xfd469501,
  0x698098d8,
  0x8b44f7af,
  0xffff5bb1,
  0x895cd7be,
  0x6b901122,
  0xfd987193,
  0xa679438e,
  0x49b40821,
  0xf61e2562,
  0xc040b340,
  0x265e5a51,
  0xe9b6c7aa,
  0xd62f105d,
  0x02441453,
  0xd8a1e681,
  0xe7d3fbc8,
  0x21e1cde6,
  0xc33707d6,
  0xf4d50d87,
  0x455a14ed,
  0xa9e3e905,
  0xfcefa3f8,
  0x676f02d9,
  0x8d2a4c8a,
  0xfffa3942,
  0x8771f681,
  0x6d9d6122,
  0xfde5380c,
  0xa4beea44,
  0x4bdecfa9,
  0xf6bb4b60,
  0xbebfbc70,
  0x289b7ec6,
  0xeaa127fa,
  0xd4ef3085,
  0x04881d05,
  0xd9d4d039,
  0xe6db99e5,
  0x1fa27cf8,
  0xc4ac5665,
  0xf4292244,
  0x432aff97,
  0xab9423a7,
  0xfc93a039,
  0x655b59c3,
  0x8f0ccc92,
  0xffeff47d,
  0x85845dd1,
  0x6fa87e4f,
  0xfe2ce6e0,
  0xa3014314,
  0x4e0811a1,
  0xf7537e82,
  0xbd3af235,
  0x2ad7d2bb,
  0xeb86d391,
)

/** The message block being filled, as 16 little-endian words. */
const block = /* @__PURE__ */ new Int32Array(16)
/** The digest so far: the words A, B, C and D. */
const state = /* @__PURE__ */ new Int32Array(4)
/** Bytes in `block` so far, and bytes hashed in all. */
let filled = 0
let length = 0

const rotate = (x: number, s: number): number => (x << s) | (x >>> (32 - s))

/** The shift amounts of RFC 1321 section 3.4: four for each round, in turn. */
const S = /* @__PURE__ */ Uint8Array.of(7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21)

/** One application of the compression function to `block` (RFC 1321 section 3.4, rounds 1 to 4). */
const compress = (): void => {
  let a = state[0]!
  let b = state[1]!
  let c = state[2]!
  let d = state[3]!
  let next: number
  for (let i = 0; i < 16; i++) {
    next = (b + rotate((a + ((b & c) | (~b & d)) + K[i]! + block[i]!) | 0, S[i & 3]!)) | 0
    a = d
    d = c
    c = b
    b = next
  }
  for (let i = 16; i < 32; i++) {
    next =
      (b + rotate((a + ((b & d) | (c & ~d)) + K[i]! + block[(5 * i + 1) & 15]!) | 0, S[4 | (i & 3)]!)) | 0
    a = d
    d = c
    c = b
    b = next
  }
  for (let i = 32; i < 48; i++) {
    next = (b + rotate((a + (b ^ c ^ d) + K[i]! + block[(3 * i + 5) & 15]!) | 0, S[8 | (i & 3)]!)) | 0
    a = d
    d = c
    c = b
    b = next
  }
  for (let i = 48; i < 64; i++) {
    next = (b + rotate((a + (c ^ (b | ~d)) + K[i]! + block[(7 * i) & 15]!) | 0, S[12 | (i & 3)]!)) | 0
    a = d
    d = c
    c = b
    b = next
  }
  state[0] = (state[0]! + a) | 0
  state[1] = (state[1]! + b) | 0
  state[2] = (state[2]! + c) | 0
  state[3] = (state[3]! + d) | 0
}

const begin = (): void => {
  state[0] = 0x67452301
  state[1] = 0xefcdab89 | 0
  state[2] = 0x98badcfe | 0
  state[3] = 0x10325476
  block.fill(0)
  filled = 0
  length = 0
}

/** Append one byte to the message. */
const push = (byte: number): void => {
  block[filled >> 2]! |= byte << ((filled & 3) << 3)
  length++
  if (++filled === 64) {
    compress()
    block.fill(0)
    filled = 0
  }
}

/** The padding and the length in bits (RFC 1321 sections 3.1 and 3.2), then the last blocks. */
const finish = (): void => {
  const bytes = length
  push(0x80)
  if (filled > 56) {
    compress()
    block.fill(0)
  }
  // The length in bits as a 64-bit little-endian number: bytes × 8, split at 2^32.
  block[14] = (bytes * 8) | 0
  block[15] = Math.floor(bytes / 0x20000000) | 0
  compress()
}

/** Feed the UTF-8 bytes of `text`; a lone surrogate is U+FFFD. */
const pushString = (text: string): void => {
  const count = text.length
  for (let i = 0; i < count; i++) {
    let code = text.charCodeAt(i)
    if (code < 0x80) {
      push(code)
      continue
    }
    if (code < 0x800) {
      push(0xc0 | (code >> 6))
      push(0x80 | (code & 0x3f))
      continue
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < count ? text.charCodeAt(i + 1) : 0
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00)
        i++
        push(0xf0 | (code >> 18))
        push(0x80 | ((code >> 12) & 0x3f))
        push(0x80 | ((code >> 6) & 0x3f))
        push(0x80 | (code & 0x3f))
        continue
      }
      code = 0xfffd
    }
    push(0xe0 | (code >> 12))
    push(0x80 | ((code >> 6) & 0x3f))
    push(0x80 | (code & 0x3f))
  }
}

/**
 * The MD5 digest of `input` (a string, hashed as its UTF-8 bytes, or bytes) as its four little-endian
 * words, written into `out` as unsigned 32-bit numbers: word `j` is digest bytes `4j` to `4j + 3`, low byte
 * first, which is exactly the `j`-th ketama point of a server's digest.
 *
 * @example
 * ```ts
 * const words = new Uint32Array(4)
 * md5Words('', words)
 * words[0].toString(16) // 'd98c1dd4': MD5('') is d41d8cd9 8f00b204 e9800998 ecf8427e
 * ```
 */
export const md5Words = (input: string | Uint8Array, out: Uint32Array): Uint32Array => {
  begin()
  if (typeof input === 'string') pushString(input)
  else for (let i = 0; i < input.length; i++) push(input[i]!)
  finish()
  out[0] = state[0]!
  out[1] = state[1]!
  out[2] = state[2]!
  out[3] = state[3]!
  return out
}

/**
 * The first word of `input`'s MD5 digest as an unsigned 32-bit number (digest bytes 0 to 3, low byte
 * first): where ketama, libketama and the `hashring` package put a key on the ring.
 *
 * @example
 * ```ts
 * md5Point('') // 0xd98c1dd4
 * ```
 */
export const md5Point = (input: string | Uint8Array): number => {
  begin()
  if (typeof input === 'string') pushString(input)
  else for (let i = 0; i < input.length; i++) push(input[i]!)
  finish()
  return state[0]! >>> 0
}
