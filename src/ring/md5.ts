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

/** The message block being filled, as 16 little-endian words. */
const block = /* @__PURE__ */ new Int32Array(16)
/** The digest so far: the words A, B, C and D. */
const state = /* @__PURE__ */ new Int32Array(4)
/** Bytes in `block` so far, and bytes hashed in all. */
let filled = 0
let length = 0

/**
 * One application of the compression function to `block`, its 64 steps written out (RFC 1321 section 3.4):
 * step `i` sets one of `a`, `b`, `c`, `d` (in turn) to `b + ((a + F(b, c, d) + m + k) <<< s)`, with the
 * message word, shift and sine constant of that step (the constant as a signed 32-bit number).
 */
const compress = (): void => {
  const m0 = block[0]!
  const m1 = block[1]!
  const m2 = block[2]!
  const m3 = block[3]!
  const m4 = block[4]!
  const m5 = block[5]!
  const m6 = block[6]!
  const m7 = block[7]!
  const m8 = block[8]!
  const m9 = block[9]!
  const m10 = block[10]!
  const m11 = block[11]!
  const m12 = block[12]!
  const m13 = block[13]!
  const m14 = block[14]!
  const m15 = block[15]!
  let a = state[0]!
  let b = state[1]!
  let c = state[2]!
  let d = state[3]!
  let x: number
  // Round 1.
  x = (a + ((b & c) | (~b & d)) + m0 + -680876936) | 0
  a = (b + ((x << 7) | (x >>> 25))) | 0
  x = (d + ((a & b) | (~a & c)) + m1 + -389564586) | 0
  d = (a + ((x << 12) | (x >>> 20))) | 0
  x = (c + ((d & a) | (~d & b)) + m2 + 606105819) | 0
  c = (d + ((x << 17) | (x >>> 15))) | 0
  x = (b + ((c & d) | (~c & a)) + m3 + -1044525330) | 0
  b = (c + ((x << 22) | (x >>> 10))) | 0
  x = (a + ((b & c) | (~b & d)) + m4 + -176418897) | 0
  a = (b + ((x << 7) | (x >>> 25))) | 0
  x = (d + ((a & b) | (~a & c)) + m5 + 1200080426) | 0
  d = (a + ((x << 12) | (x >>> 20))) | 0
  x = (c + ((d & a) | (~d & b)) + m6 + -1473231341) | 0
  c = (d + ((x << 17) | (x >>> 15))) | 0
  x = (b + ((c & d) | (~c & a)) + m7 + -45705983) | 0
  b = (c + ((x << 22) | (x >>> 10))) | 0
  x = (a + ((b & c) | (~b & d)) + m8 + 1770035416) | 0
  a = (b + ((x << 7) | (x >>> 25))) | 0
  x = (d + ((a & b) | (~a & c)) + m9 + -1958414417) | 0
  d = (a + ((x << 12) | (x >>> 20))) | 0
  x = (c + ((d & a) | (~d & b)) + m10 + -42063) | 0
  c = (d + ((x << 17) | (x >>> 15))) | 0
  x = (b + ((c & d) | (~c & a)) + m11 + -1990404162) | 0
  b = (c + ((x << 22) | (x >>> 10))) | 0
  x = (a + ((b & c) | (~b & d)) + m12 + 1804603682) | 0
  a = (b + ((x << 7) | (x >>> 25))) | 0
  x = (d + ((a & b) | (~a & c)) + m13 + -40341101) | 0
  d = (a + ((x << 12) | (x >>> 20))) | 0
  x = (c + ((d & a) | (~d & b)) + m14 + -1502002290) | 0
  c = (d + ((x << 17) | (x >>> 15))) | 0
  x = (b + ((c & d) | (~c & a)) + m15 + 1236535329) | 0
  b = (c + ((x << 22) | (x >>> 10))) | 0
  // Round 2.
  x = (a + ((b & d) | (c & ~d)) + m1 + -165796510) | 0
  a = (b + ((x << 5) | (x >>> 27))) | 0
  x = (d + ((a & c) | (b & ~c)) + m6 + -1069501632) | 0
  d = (a + ((x << 9) | (x >>> 23))) | 0
  x = (c + ((d & b) | (a & ~b)) + m11 + 643717713) | 0
  c = (d + ((x << 14) | (x >>> 18))) | 0
  x = (b + ((c & a) | (d & ~a)) + m0 + -373897302) | 0
  b = (c + ((x << 20) | (x >>> 12))) | 0
  x = (a + ((b & d) | (c & ~d)) + m5 + -701558691) | 0
  a = (b + ((x << 5) | (x >>> 27))) | 0
  x = (d + ((a & c) | (b & ~c)) + m10 + 38016083) | 0
  d = (a + ((x << 9) | (x >>> 23))) | 0
  x = (c + ((d & b) | (a & ~b)) + m15 + -660478335) | 0
  c = (d + ((x << 14) | (x >>> 18))) | 0
  x = (b + ((c & a) | (d & ~a)) + m4 + -405537848) | 0
  b = (c + ((x << 20) | (x >>> 12))) | 0
  x = (a + ((b & d) | (c & ~d)) + m9 + 568446438) | 0
  a = (b + ((x << 5) | (x >>> 27))) | 0
  x = (d + ((a & c) | (b & ~c)) + m14 + -1019803690) | 0
  d = (a + ((x << 9) | (x >>> 23))) | 0
  x = (c + ((d & b) | (a & ~b)) + m3 + -187363961) | 0
  c = (d + ((x << 14) | (x >>> 18))) | 0
  x = (b + ((c & a) | (d & ~a)) + m8 + 1163531501) | 0
  b = (c + ((x << 20) | (x >>> 12))) | 0
  x = (a + ((b & d) | (c & ~d)) + m13 + -1444681467) | 0
  a = (b + ((x << 5) | (x >>> 27))) | 0
  x = (d + ((a & c) | (b & ~c)) + m2 + -51403784) | 0
  d = (a + ((x << 9) | (x >>> 23))) | 0
  x = (c + ((d & b) | (a & ~b)) + m7 + 1735328473) | 0
  c = (d + ((x << 14) | (x >>> 18))) | 0
  x = (b + ((c & a) | (d & ~a)) + m12 + -1926607734) | 0
  b = (c + ((x << 20) | (x >>> 12))) | 0
  // Round 3.
  x = (a + (b ^ c ^ d) + m5 + -378558) | 0
  a = (b + ((x << 4) | (x >>> 28))) | 0
  x = (d + (a ^ b ^ c) + m8 + -2022574463) | 0
  d = (a + ((x << 11) | (x >>> 21))) | 0
  x = (c + (d ^ a ^ b) + m11 + 1839030562) | 0
  c = (d + ((x << 16) | (x >>> 16))) | 0
  x = (b + (c ^ d ^ a) + m14 + -35309556) | 0
  b = (c + ((x << 23) | (x >>> 9))) | 0
  x = (a + (b ^ c ^ d) + m1 + -1530992060) | 0
  a = (b + ((x << 4) | (x >>> 28))) | 0
  x = (d + (a ^ b ^ c) + m4 + 1272893353) | 0
  d = (a + ((x << 11) | (x >>> 21))) | 0
  x = (c + (d ^ a ^ b) + m7 + -155497632) | 0
  c = (d + ((x << 16) | (x >>> 16))) | 0
  x = (b + (c ^ d ^ a) + m10 + -1094730640) | 0
  b = (c + ((x << 23) | (x >>> 9))) | 0
  x = (a + (b ^ c ^ d) + m13 + 681279174) | 0
  a = (b + ((x << 4) | (x >>> 28))) | 0
  x = (d + (a ^ b ^ c) + m0 + -358537222) | 0
  d = (a + ((x << 11) | (x >>> 21))) | 0
  x = (c + (d ^ a ^ b) + m3 + -722521979) | 0
  c = (d + ((x << 16) | (x >>> 16))) | 0
  x = (b + (c ^ d ^ a) + m6 + 76029189) | 0
  b = (c + ((x << 23) | (x >>> 9))) | 0
  x = (a + (b ^ c ^ d) + m9 + -640364487) | 0
  a = (b + ((x << 4) | (x >>> 28))) | 0
  x = (d + (a ^ b ^ c) + m12 + -421815835) | 0
  d = (a + ((x << 11) | (x >>> 21))) | 0
  x = (c + (d ^ a ^ b) + m15 + 530742520) | 0
  c = (d + ((x << 16) | (x >>> 16))) | 0
  x = (b + (c ^ d ^ a) + m2 + -995338651) | 0
  b = (c + ((x << 23) | (x >>> 9))) | 0
  // Round 4.
  x = (a + (c ^ (b | ~d)) + m0 + -198630844) | 0
  a = (b + ((x << 6) | (x >>> 26))) | 0
  x = (d + (b ^ (a | ~c)) + m7 + 1126891415) | 0
  d = (a + ((x << 10) | (x >>> 22))) | 0
  x = (c + (a ^ (d | ~b)) + m14 + -1416354905) | 0
  c = (d + ((x << 15) | (x >>> 17))) | 0
  x = (b + (d ^ (c | ~a)) + m5 + -57434055) | 0
  b = (c + ((x << 21) | (x >>> 11))) | 0
  x = (a + (c ^ (b | ~d)) + m12 + 1700485571) | 0
  a = (b + ((x << 6) | (x >>> 26))) | 0
  x = (d + (b ^ (a | ~c)) + m3 + -1894986606) | 0
  d = (a + ((x << 10) | (x >>> 22))) | 0
  x = (c + (a ^ (d | ~b)) + m10 + -1051523) | 0
  c = (d + ((x << 15) | (x >>> 17))) | 0
  x = (b + (d ^ (c | ~a)) + m1 + -2054922799) | 0
  b = (c + ((x << 21) | (x >>> 11))) | 0
  x = (a + (c ^ (b | ~d)) + m8 + 1873313359) | 0
  a = (b + ((x << 6) | (x >>> 26))) | 0
  x = (d + (b ^ (a | ~c)) + m15 + -30611744) | 0
  d = (a + ((x << 10) | (x >>> 22))) | 0
  x = (c + (a ^ (d | ~b)) + m6 + -1560198380) | 0
  c = (d + ((x << 15) | (x >>> 17))) | 0
  x = (b + (d ^ (c | ~a)) + m13 + 1309151649) | 0
  b = (c + ((x << 21) | (x >>> 11))) | 0
  x = (a + (c ^ (b | ~d)) + m4 + -145523070) | 0
  a = (b + ((x << 6) | (x >>> 26))) | 0
  x = (d + (b ^ (a | ~c)) + m11 + -1120210379) | 0
  d = (a + ((x << 10) | (x >>> 22))) | 0
  x = (c + (a ^ (d | ~b)) + m2 + 718787259) | 0
  c = (d + ((x << 15) | (x >>> 17))) | 0
  x = (b + (d ^ (c | ~a)) + m9 + -343485551) | 0
  b = (c + ((x << 21) | (x >>> 11))) | 0
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

/**
 * The whole digest of an ASCII string of at most 55 characters, which fits one block with its padding: the
 * common key, read straight into the block. `false`, with nothing hashed, for any other string.
 */
const shortAscii = (text: string): boolean => {
  const count = text.length
  if (count > 55) return false
  begin()
  for (let i = 0; i < count; i++) {
    const code = text.charCodeAt(i)
    if (code >= 0x80) return false
    block[i >> 2]! |= code << ((i & 3) << 3)
  }
  block[count >> 2]! |= 0x80 << ((count & 3) << 3)
  block[14] = count * 8
  compress()
  return true
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

/** Hash `input` into `state`. */
const digest = (input: string | Uint8Array): void => {
  if (typeof input === 'string' && shortAscii(input)) return
  begin()
  if (typeof input === 'string') pushString(input)
  else for (let i = 0; i < input.length; i++) push(input[i]!)
  finish()
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
  digest(input)
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
  digest(input)
  return state[0]! >>> 0
}
