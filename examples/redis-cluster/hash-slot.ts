/**
 * Key to hash slot, as the Redis Cluster specification defines it: `HASH_SLOT = CRC16(key) mod 16384`, with
 * CRC16 the XMODEM variant (polynomial 0x1021, initial value 0, no reflection, no final xor), and hash tags:
 * when the key holds a `{` and, after it, a `}` with at least one byte between, only those bytes are hashed.
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#key-distribution-model)
 */

/** The number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384

const TABLE = (() => {
  const table = new Uint16Array(256)
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    table[byte] = crc
  }
  return table
})()

/**
 * CRC16/XMODEM of some bytes.
 *
 * @example
 * ```ts
 * crc16(Buffer.from('123456789')) // 0x31c3, the check value the specification gives
 * ```
 */
export const crc16 = (bytes: Uint8Array): number => {
  let crc = 0
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!
  return crc
}

/**
 * The bytes of a key that decide its slot: the hash tag if there is a non-empty one, else the whole key.
 *
 * @example
 * ```ts
 * hashTag(Buffer.from('{user1000}.following')).toString() // 'user1000'
 * hashTag(Buffer.from('foo{}{bar}')).toString()           // 'foo{}{bar}': the first tag is empty
 * ```
 */
export const hashTag = (key: Uint8Array): Uint8Array => {
  const open = key.indexOf(0x7b)
  if (open === -1) return key
  const close = key.indexOf(0x7d, open + 1)
  if (close === -1 || close === open + 1) return key
  return key.subarray(open + 1, close)
}

/**
 * The hash slot of a key (a string is hashed as its UTF-8 bytes, as Redis sees it on the wire).
 *
 * @example
 * ```ts
 * keyHashSlot('foo')                 // 12182
 * keyHashSlot('{user1000}.followers') === keyHashSlot('{user1000}.following') // true
 * ```
 */
export const keyHashSlot = (key: string | Uint8Array): number =>
  crc16(hashTag(typeof key === 'string' ? Buffer.from(key) : key)) % SLOT_COUNT
