/**
 * One client connection to one Redis server over node:net, with pipelining: commands are written as they
 * are called and their replies matched in order, as RESP guarantees for a single connection.
 */
import { connect as netConnect, type Socket } from 'node:net'
import { type Argument, encodeCommand, RedisReplyError, type Reply, RespDecoder } from './resp.ts'

/** Options of {@link RespConnection.open}. */
export interface RespConnectionOptions {
  /** The host to dial, as given (a name, an IPv4 address or a bare IPv6 address). */
  host: string
  /** The TCP port. */
  port: number
  /**
   * The connection name, set with `CLIENT SETNAME` before any other command, so `CLIENT LIST` can tell this
   * client's connections apart from every other.
   */
  name?: string | undefined
  /**
   * How long connecting and each reply may take, in milliseconds, before the connection is dropped.
   * @defaultValue `5000`
   */
  timeout?: number | undefined
}

/**
 * The connection was closed, timed out or broke before a reply came.
 *
 * @example
 * ```ts
 * await connection.command(['GET', 'k']).catch((e) => e instanceof ConnectionClosedError)
 * ```
 */
export class ConnectionClosedError extends Error {
  override name = 'ConnectionClosedError'
}

interface Pending {
  resolve: (reply: Reply) => void
  reject: (error: Error) => void
}

/**
 * A pipelined RESP2 connection.
 *
 * @example
 * ```ts
 * const connection = await RespConnection.open({ host: '127.0.0.1', port: 7000, name: 'demo' })
 * await connection.command(['SET', 'k', 'v'])  // 'OK'
 * await connection.close()
 * ```
 */
export class RespConnection {
  /** The host this connection dialled. */
  readonly host: string
  /** The port this connection dialled. */
  readonly port: number
  readonly #socket: Socket
  readonly #decoder = new RespDecoder()
  readonly #pending: Pending[] = []
  readonly #timeout: number
  readonly #closed: Promise<void>
  #error: Error | undefined
  #timer: NodeJS.Timeout | undefined

  private constructor(socket: Socket, host: string, port: number, timeout: number) {
    this.host = host
    this.port = port
    this.#socket = socket
    this.#timeout = timeout
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()))
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('error', (error) => this.#fail(error))
    socket.on('close', () => this.#fail(new ConnectionClosedError(`Connection to ${this.#where()} closed.`)))
  }

  /**
   * Dial a server, wait for the TCP connection and, if a name is given, for `CLIENT SETNAME`.
   *
   * @throws TypeError for a bad option; the socket's error when the server cannot be reached.
   */
  static async open(options: RespConnectionOptions): Promise<RespConnection> {
    const { host, port, name, timeout = 5000 } = options
    if (typeof host !== 'string' || host === '')
      throw new TypeError('Expected `host` to be a non-empty string.')
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new TypeError(`Expected \`port\` to be an integer from 1 to 65535, got ${String(port)}.`)
    }
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new TypeError(
        `Expected \`timeout\` to be a positive number of milliseconds, got ${String(timeout)}.`,
      )
    }
    const socket = netConnect({ host, port, noDelay: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new ConnectionClosedError(`Timed out connecting to ${host}:${port} after ${timeout} ms.`))
      }, timeout)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.off('error', reject)
        resolve()
      })
      socket.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
    })
    const connection = new RespConnection(socket, host, port, timeout)
    if (name !== undefined) {
      try {
        await connection.command(['CLIENT', 'SETNAME', name])
      } catch (error) {
        await connection.close()
        throw error
      }
    }
    return connection
  }

  /** Settles when the socket has closed, for whatever reason (the server went away, `close()`, a timeout). */
  get closed(): Promise<void> {
    return this.#closed
  }

  /** Whether the connection can still carry commands. */
  get open(): boolean {
    return this.#error === undefined
  }

  /**
   * Send one command; resolve with its reply. An error reply rejects with a {@link RedisReplyError}.
   * Two calls made in the same tick are written back to back, which `ASKING` relies on.
   */
  command(args: readonly Argument[]): Promise<Reply> {
    if (this.#error !== undefined) return Promise.reject(this.#error)
    return new Promise<Reply>((resolve, reject) => {
      this.#pending.push({ resolve, reject })
      this.#socket.write(encodeCommand(args))
      this.#arm()
    })
  }

  /** Close politely (FIN) and wait until the socket is fully closed; the server has freed the client by then. */
  async close(): Promise<void> {
    if (!this.#socket.destroyed) {
      this.#socket.end()
      const timer = setTimeout(() => this.#socket.destroy(), this.#timeout)
      await this.#closed
      clearTimeout(timer)
    }
    this.#fail(new ConnectionClosedError(`Connection to ${this.#where()} was closed by the client.`))
  }

  #where(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`
  }

  // One timer for the oldest outstanding reply: a server that stops answering cannot hang a caller.
  #arm(): void {
    if (this.#timer !== undefined || this.#pending.length === 0) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#fail(new ConnectionClosedError(`No reply from ${this.#where()} within ${this.#timeout} ms.`))
      this.#socket.destroy()
    }, this.#timeout)
  }

  #onData(chunk: Buffer): void {
    let replies: Reply[]
    try {
      replies = this.#decoder.push(chunk)
    } catch (error) {
      this.#fail(error as Error)
      this.#socket.destroy()
      return
    }
    if (replies.length > 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    for (const reply of replies) {
      const pending = this.#pending.shift()
      if (pending === undefined) {
        this.#fail(new ConnectionClosedError(`Unexpected reply from ${this.#where()}.`))
        this.#socket.destroy()
        return
      }
      if (reply instanceof RedisReplyError) pending.reject(reply)
      else pending.resolve(reply)
    }
    this.#arm()
  }

  #fail(error: Error): void {
    if (this.#error === undefined) this.#error = error
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    for (const pending of this.#pending.splice(0)) pending.reject(this.#error)
  }
}
