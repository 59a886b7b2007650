/**
 * A small RESP2 codec: commands out as arrays of bulk strings, replies in, incrementally, from a byte
 * stream (Redis serialization protocol, https://redis.io/docs/latest/develop/reference/protocol-spec/).
 * RESP2 is enough for GET, SET and the CLUSTER commands, and is what every Redis since 1.2 speaks by default.
 */

/** One RESP2 reply. Bulk and simple strings are decoded as UTF-8; a nil bulk string or array is `null`. */
export type Reply = string | number | null | RedisReplyError | Reply[]

/** A command argument, sent as one bulk string. */
export type Argument = string | number | Uint8Array

/**
 * An error reply from the server (`-MOVED 3999 127.0.0.1:7001`). `code` is its first word, as the
 * protocol specification suggests reading it.
 *
 * @example
 * ```ts
 * const error = new RedisReplyError('MOVED 3999 127.0.0.1:7001')
 * error.code // 'MOVED'
 * ```
 */
export class RedisReplyError extends Error {
  override name = 'RedisReplyError'
  /** The first word of the error line: `ERR`, `MOVED`, `ASK`, `WRONGTYPE`, … */
  readonly code: string

  constructor(line: string) {
    super(line)
    const space = line.indexOf(' ')
    this.code = space === -1 ? line : line.slice(0, space)
  }
}

/**
 * A byte stream that does not follow RESP2, or a reply larger than the decoder's bound. The connection that
 * meets one cannot find the next reply again and must be dropped.
 *
 * @example
 * ```ts
 * new RespDecoder().push(Buffer.from('?\r\n')) // throws RespProtocolError
 * ```
 */
export class RespProtocolError extends Error {
  override name = 'RespProtocolError'
}

const CR = 0x0d
const CRLF = Buffer.from('\r\n')

/**
 * Encode one command as a RESP2 array of bulk strings.
 *
 * @example
 * ```ts
 * encodeCommand(['SET', 'k', 1]).toString() // '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n'
 * ```
 */
export const encodeCommand = (args: readonly Argument[]): Buffer => {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const arg of args) {
    const bytes =
      typeof arg === 'string' || typeof arg === 'number' ? Buffer.from(String(arg)) : Buffer.from(arg)
    parts.push(Buffer.from(`$${bytes.byteLength}\r\n`), bytes, CRLF)
  }
  return Buffer.concat(parts)
}

/** Options of {@link RespDecoder}. */
export interface RespDecoderOptions {
  /**
   * The largest bulk string, array or unread backlog accepted, in bytes or elements; beyond it the stream
   * is refused rather than buffered without bound.
   * @defaultValue 64 MiB (Redis's own `proto-max-bulk-len` default is 512 MB; these tests need far less)
   */
  maxLength?: number
}

const INCOMPLETE = Symbol('incomplete')
type Parsed = { value: Reply; end: number } | typeof INCOMPLETE

/**
 * An incremental RESP2 decoder: `push` bytes as they arrive and get back every reply that is now complete.
 *
 * @example
 * ```ts
 * const decoder = new RespDecoder()
 * decoder.push(Buffer.from('+OK\r\n:4'))   // ['OK']
 * decoder.push(Buffer.from('2\r\n'))       // [42]
 * ```
 */
export class RespDecoder {
  #buffer: Buffer = Buffer.alloc(0)
  #offset = 0
  readonly #maxLength: number

  constructor(options: RespDecoderOptions = {}) {
    const { maxLength = 64 * 1024 * 1024 } = options
    if (!Number.isInteger(maxLength) || maxLength < 1) {
      throw new TypeError(`Expected \`maxLength\` to be a positive integer, got ${String(maxLength)}.`)
    }
    this.#maxLength = maxLength
  }

  /** Add bytes; return the replies they complete, in order. @throws {@link RespProtocolError} */
  push(chunk: Uint8Array): Reply[] {
    const rest = this.#buffer.subarray(this.#offset)
    this.#buffer = rest.byteLength === 0 ? Buffer.from(chunk) : Buffer.concat([rest, chunk])
    this.#offset = 0
    if (this.#buffer.byteLength > this.#maxLength + 64) {
      throw new RespProtocolError(`Expected a reply of at most ${this.#maxLength} bytes.`)
    }
    const replies: Reply[] = []
    for (;;) {
      const parsed = this.#parse(this.#offset, 0)
      if (parsed === INCOMPLETE) break
      replies.push(parsed.value)
      this.#offset = parsed.end
    }
    return replies
  }

  #line(start: number): { text: string; end: number } | typeof INCOMPLETE {
    const cr = this.#buffer.indexOf(CR, start)
    if (cr === -1 || cr + 1 >= this.#buffer.byteLength) {
      if (this.#buffer.byteLength - start > 64 * 1024) {
        throw new RespProtocolError('Expected a RESP line of at most 64 KiB.')
      }
      return INCOMPLETE
    }
    if (this.#buffer[cr + 1] !== 0x0a) throw new RespProtocolError('Expected CRLF after a RESP line.')
    return { text: this.#buffer.toString('utf8', start, cr), end: cr + 2 }
  }

  #length(text: string): number {
    // RESP lengths are decimal integers; -1 is nil (RESP2 "null bulk string" and "null array").
    if (!/^(-1|\d{1,10})$/.test(text)) throw new RespProtocolError(`Expected a RESP length, got "${text}".`)
    const length = Number(text)
    if (length > this.#maxLength) {
      throw new RespProtocolError(`Expected a length of at most ${this.#maxLength}, got ${length}.`)
    }
    return length
  }

  #parse(start: number, depth: number): Parsed {
    if (depth > 64) throw new RespProtocolError('Expected replies nested at most 64 deep.')
    if (start >= this.#buffer.byteLength) return INCOMPLETE
    const type = this.#buffer[start]
    const line = this.#line(start + 1)
    if (line === INCOMPLETE) return INCOMPLETE
    switch (type) {
      case 0x2b: // '+' simple string
        return { value: line.text, end: line.end }
      case 0x2d: // '-' error
        return { value: new RedisReplyError(line.text), end: line.end }
      case 0x3a: {
        // ':' integer
        if (!/^-?\d{1,19}$/.test(line.text))
          throw new RespProtocolError(`Expected an integer, got "${line.text}".`)
        return { value: Number(line.text), end: line.end }
      }
      case 0x24: {
        // '$' bulk string
        const length = this.#length(line.text)
        if (length === -1) return { value: null, end: line.end }
        const end = line.end + length
        if (end + 2 > this.#buffer.byteLength) return INCOMPLETE
        if (this.#buffer[end] !== CR || this.#buffer[end + 1] !== 0x0a) {
          throw new RespProtocolError('Expected CRLF after a bulk string.')
        }
        return { value: this.#buffer.toString('utf8', line.end, end), end: end + 2 }
      }
      case 0x2a: {
        // '*' array
        const length = this.#length(line.text)
        if (length === -1) return { value: null, end: line.end }
        const items: Reply[] = []
        let at = line.end
        for (let i = 0; i < length; i++) {
          const item = this.#parse(at, depth + 1)
          if (item === INCOMPLETE) return INCOMPLETE
          items.push(item.value)
          at = item.end
        }
        return { value: items, end: at }
      }
      default:
        throw new RespProtocolError(
          `Expected a RESP2 type byte (+ - : $ *), got 0x${(type ?? 0).toString(16).padStart(2, '0')}.`,
        )
    }
  }
}
