/**
 * What every cluster client here shares: the slot table, routing a key to its slot's master, following
 * `MOVED` (refresh the table, retry) and `ASK` (`ASKING`, retry there once, table unchanged), and refreshing
 * the topology from `CLUSTER SLOTS`. Where the per-node connections are kept is left to the subclass; that
 * is the one place {@link ClusterClient} and {@link NaiveClusterClient} differ.
 */
import type { AddressInput, Endpoint } from 'canonical-node-key'
import type { RespConnection } from './connection.ts'
import { keyHashSlot, SLOT_COUNT } from './hash-slot.ts'
import { type Argument, RedisReplyError, type Reply } from './resp.ts'
import { type AnnouncedMaster, parseRedirect, readAnnouncedSlotRanges } from './topology.ts'

/** A node as the router sees it: something holding one connection. */
export interface RoutedNode {
  readonly connection: RespConnection
}

/** Counters of a cluster client. */
export interface ClusterStats {
  /** Connections opened. */
  created: number
  /** Connections the client closed because their node left its cache (or at `close()`). */
  disposed: number
  /** `MOVED` replies followed. */
  moved: number
  /** `ASK` replies followed. */
  asked: number
  /** Topology refreshes (`CLUSTER SLOTS` requests). */
  refreshes: number
}

/** Options every cluster client here takes. */
export interface ClusterRouterOptions {
  /** Where to start: any spelling of one or more nodes' addresses. */
  seeds: readonly AddressInput[]
  /**
   * The name every connection gives itself with `CLIENT SETNAME`, so `CLIENT LIST` can count them.
   * @defaultValue `'canonical-node-key-example'`
   */
  connectionName?: string | undefined
  /**
   * How many redirections one command may follow before it fails.
   * @defaultValue `5`
   */
  maxRedirects?: number | undefined
  /**
   * Milliseconds to connect and to wait for each reply.
   * @defaultValue `5000`
   */
  timeout?: number | undefined
}

/**
 * A command that could not be served: no node for its slot, too many redirections, or a closed client.
 *
 * @example
 * ```ts
 * await client.get('k').catch((e) => e instanceof ClusterError)
 * ```
 */
export class ClusterError extends Error {
  override name = 'ClusterError'
}

const NAME = /^[!-~]{1,64}$/

/**
 * The routing half of a cluster client; subclasses say where the connections live.
 *
 * @example
 * ```ts
 * class MyClient extends ClusterRouter { … } // implement the node hooks
 * ```
 */
export abstract class ClusterRouter {
  /** The name each connection sets with `CLIENT SETNAME`. */
  readonly connectionName: string
  protected readonly seeds: readonly AddressInput[]
  protected readonly timeout: number
  protected readonly counters: ClusterStats = { created: 0, disposed: 0, moved: 0, asked: 0, refreshes: 0 }
  readonly #maxRedirects: number
  #slots: (RoutedNode | undefined)[] = new Array(SLOT_COUNT).fill(undefined)
  #refreshing: Promise<void> | undefined
  #rotation = 0
  #closed = false

  constructor(options: ClusterRouterOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('Expected the options to be an object with `seeds`.')
    }
    const { seeds, connectionName = 'canonical-node-key-example', maxRedirects = 5, timeout = 5000 } = options
    if (!Array.isArray(seeds) || seeds.length === 0) {
      throw new TypeError('Expected `seeds` to be a non-empty array of addresses.')
    }
    // CLIENT SETNAME takes a name without spaces; printable ASCII keeps CLIENT LIST lines readable.
    if (typeof connectionName !== 'string' || !NAME.test(connectionName)) {
      throw new TypeError(
        'Expected `connectionName` to be 1 to 64 printable ASCII characters without spaces.',
      )
    }
    if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
      throw new TypeError(
        `Expected \`maxRedirects\` to be an integer from 0 up, got ${String(maxRedirects)}.`,
      )
    }
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new TypeError(
        `Expected \`timeout\` to be a positive number of milliseconds, got ${String(timeout)}.`,
      )
    }
    this.seeds = [...seeds]
    this.connectionName = connectionName
    this.#maxRedirects = maxRedirects
    this.timeout = timeout
  }

  /** The node for a seed, as the caller spelled it. */
  protected abstract seedNode(seed: AddressInput): Promise<RoutedNode>
  /** The node for a master a topology reply names. */
  protected abstract topologyNode(node: AnnouncedMaster): Promise<RoutedNode>
  /** The node a redirection names. */
  protected abstract redirectNode(endpoint: Endpoint): Promise<RoutedNode>
  /** After a refresh: let go of the nodes the new slot table does not use. */
  protected abstract prune(kept: ReadonlySet<RoutedNode>): Promise<void>
  /** The nodes held now, to ask for the topology. */
  protected abstract held(): RoutedNode[]
  /** Close every connection held. */
  protected abstract closeAll(): Promise<void>

  /**
   * Reach the seeds and read the topology.
   *
   * @throws an `AggregateError` of every seed's failure when none can be reached.
   */
  async connect(): Promise<void> {
    this.#checkOpen()
    const failures: unknown[] = []
    for (const seed of this.seeds) {
      try {
        await this.seedNode(seed)
      } catch (error) {
        failures.push(error)
      }
    }
    if (failures.length === this.seeds.length)
      throw new AggregateError(failures, 'Expected a seed to answer.')
    await this.refresh()
  }

  /** Read `CLUSTER SLOTS` again (from the next node held, in turn) and rebuild the slot table. */
  refresh(): Promise<void> {
    this.#checkOpen()
    // Concurrent callers (many commands meeting one MOVED) share one refresh.
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined
    })
    return this.#refreshing
  }

  /** The value of a key, or `null`. */
  async get(key: string): Promise<string | null> {
    return (await this.#execute(key, ['GET', key])) as string | null
  }

  /** Set a key. */
  async set(key: string, value: string): Promise<void> {
    await this.#execute(key, ['SET', key, value])
  }

  /** Close every connection; the client cannot be used afterwards. */
  async close(): Promise<void> {
    this.#closed = true
    this.#slots.fill(undefined)
    await this.#refreshing?.catch(() => undefined)
    await this.closeAll()
  }

  /** The client's counters. */
  stats(): ClusterStats {
    return { ...this.counters }
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClusterError('The client is closed.')
  }

  async #refresh(): Promise<void> {
    const candidates = this.held()
    let lastError: unknown = new ClusterError('Expected a node to ask for the topology; none is held.')
    for (let tried = 0; tried < candidates.length; tried++) {
      const source = candidates[this.#rotation++ % candidates.length]!
      let reply: Reply
      try {
        this.counters.refreshes++
        reply = await source.connection.command(['CLUSTER', 'SLOTS'])
      } catch (error) {
        lastError = error
        continue
      }
      const ranges = readAnnouncedSlotRanges(reply, source.connection.host)
      const slots: (RoutedNode | undefined)[] = new Array(SLOT_COUNT).fill(undefined)
      const kept = new Set<RoutedNode>()
      for (const range of ranges) {
        const node = await this.topologyNode(range.master)
        kept.add(node)
        slots.fill(node, range.start, range.end + 1)
      }
      this.#checkOpen()
      this.#slots = slots
      await this.prune(kept)
      return
    }
    throw lastError
  }

  async #execute(key: string, args: readonly Argument[]): Promise<Reply> {
    this.#checkOpen()
    const slot = keyHashSlot(key)
    let asking: RoutedNode | undefined
    for (let attempt = 0; attempt <= this.#maxRedirects; attempt++) {
      let node = asking ?? this.#slots[slot]
      if (node === undefined) {
        await this.refresh()
        node = this.#slots[slot]
        if (node === undefined) throw new ClusterError(`Expected a node to serve slot ${slot}; none does.`)
      }
      try {
        if (asking === undefined) return await node.connection.command(args)
        // ASKING applies to the next command on the connection only; both are written in this tick, so
        // nothing can come between them.
        const [, reply] = await Promise.all([
          node.connection.command(['ASKING']),
          node.connection.command(args),
        ])
        return reply
      } catch (error) {
        if (!(error instanceof RedisReplyError)) throw error
        const redirect = parseRedirect(error, node.connection.host)
        if (redirect === undefined) throw error
        asking = undefined
        if (redirect.kind === 'ASK' && redirect.endpoint !== undefined) {
          // The slot is being migrated: this one command goes to the importing node; the table stays.
          this.counters.asked++
          asking = await this.redirectNode(redirect.endpoint)
        } else {
          this.counters.moved++
          await this.refresh()
        }
      }
    }
    throw new ClusterError(`Expected slot ${slot} to settle within ${this.#maxRedirects} redirections.`)
  }
}
