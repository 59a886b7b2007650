/**
 * What every cluster client here shares: the slot table, routing a key to its slot's master, following
 * `MOVED` (refresh the table, retry) and `ASK` (`ASKING`, retry there once, table unchanged), refreshing
 * the topology from `CLUSTER SLOTS`, and riding out a failover: a command that meets a lost connection or a
 * cluster in transition (`CLUSTERDOWN`, `TRYAGAIN`, `LOADING`, `MASTERDOWN`) asks for a refresh and is
 * retried with backoff for up to `retryFor` milliseconds. Where the per-node connections are kept is left to
 * the subclass; that is the one place {@link ClusterClient} and {@link NaiveClusterClient} differ.
 */
import type { AddressInput, Endpoint } from 'canonical-node-key'
import { ConnectionClosedError, type RespConnection } from './connection.ts'
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
  /** Commands sent again after a lost connection or a cluster in transition. */
  retries: number
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
  /**
   * For how many milliseconds a command is retried after a lost connection or a cluster in transition (a
   * failover takes about `cluster-node-timeout` plus an election); `0` fails it at the first such error.
   * Only the example's own commands (`GET`, `SET`) are sent, and both may be sent twice safely.
   * @defaultValue `10000`
   */
  retryFor?: number | undefined
  /**
   * The first wait before a retry, in milliseconds; each further wait doubles, up to `maxRetryDelay`.
   * @defaultValue `25`
   */
  retryDelay?: number | undefined
  /**
   * The longest wait between retries, in milliseconds.
   * @defaultValue `200`
   */
  maxRetryDelay?: number | undefined
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

/** Socket errors that mean "this node is not reachable now", as Node reports them in `error.code`. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
])

/** Error replies of a cluster in transition: a failover, a slot being migrated, a node loading its data. */
const TRANSIENT_REPLIES = new Set(['CLUSTERDOWN', 'TRYAGAIN', 'LOADING', 'MASTERDOWN'])

/** Whether a command that failed with `error` may succeed if sent again once the topology is read anew. */
const isTransient = (error: unknown): boolean => {
  if (error instanceof RedisReplyError) return TRANSIENT_REPLIES.has(error.code)
  if (error instanceof ConnectionClosedError || error instanceof UnservedSlotError) return true
  // No seed answered: transient when every seed's failure is.
  if (error instanceof AggregateError) return error.errors.length > 0 && error.errors.every(isTransient)
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && UNREACHABLE.has(code)
}

/** No reachable node serves a slot in the current table (its master is down, or the table is not read yet). */
class UnservedSlotError extends Error {
  override name = 'ClusterError'
}

/** The smallest gap between two refreshes that commands ask for, in milliseconds. */
const REFRESH_GAP = 50

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const positive = (name: string, value: unknown, zero = false): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zero && value === 0)) {
    throw new TypeError(
      `Expected \`${name}\` to be a ${zero ? 'non-negative' : 'positive'} number of milliseconds, got ${String(value)}.`,
    )
  }
  return value
}

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
  protected readonly counters: ClusterStats = {
    created: 0,
    disposed: 0,
    moved: 0,
    asked: 0,
    refreshes: 0,
    retries: 0,
  }
  readonly #maxRedirects: number
  readonly #retryFor: number
  readonly #retryDelay: number
  readonly #maxRetryDelay: number
  #slots: (RoutedNode | undefined)[] = new Array(SLOT_COUNT).fill(undefined)
  #refreshing: Promise<void> | undefined
  #refreshedAt = Number.NEGATIVE_INFINITY
  #rotation = 0
  #closed = false

  constructor(options: ClusterRouterOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('Expected the options to be an object with `seeds`.')
    }
    const {
      seeds,
      connectionName = 'canonical-node-key-example',
      maxRedirects = 5,
      timeout = 5000,
      retryFor = 10_000,
      retryDelay = 25,
      maxRetryDelay = 200,
    } = options
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
    positive('timeout', timeout)
    this.#retryFor = positive('retryFor', retryFor, true)
    this.#retryDelay = positive('retryDelay', retryDelay)
    this.#maxRetryDelay = positive('maxRetryDelay', maxRetryDelay)
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
  /**
   * At a refresh, before the new table is built: let go of the nodes no longer in the cluster. `table` holds
   * the masters of the reply the table is built from; `listed`, those of every `CLUSTER SLOTS` reply read for
   * the refresh (up to three, the table's included), so one node's stale view cannot make the client drop a
   * node the others still route to.
   */
  protected abstract follow(
    table: readonly AnnouncedMaster[],
    listed: readonly AnnouncedMaster[],
  ): Promise<void>
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
    await this.#reachSeeds()
    await this.refresh()
  }

  /** Read `CLUSTER SLOTS` again (from the next node held, in turn) and rebuild the slot table. */
  refresh(): Promise<void> {
    this.#checkOpen()
    // Concurrent callers (many commands meeting one MOVED) share one refresh.
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined
      this.#refreshedAt = Date.now()
    })
    return this.#refreshing
  }

  /**
   * A refresh asked for by a failure rather than a `MOVED`: shared with one in flight, at most one per
   * {@link REFRESH_GAP} ms, and never rejecting (the command that asked retries or fails on its own). A
   * subclass calls it when a connection is lost, so the table moves on before the next command finds out.
   */
  protected refreshSoon(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    if (this.#refreshing === undefined && Date.now() - this.#refreshedAt < REFRESH_GAP)
      return Promise.resolve()
    return this.refresh().catch(() => undefined)
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

  // The table comes from the first node that answers; up to two more replies are read only to cross-check
  // what may be let go. A master that cannot be dialled leaves its slots unserved until a later refresh.
  async #refresh(): Promise<void> {
    let candidates = this.held().filter((node) => node.connection.open)
    // Every connection held is lost (each node restarted, or the network was cut): start again from the
    // seeds, as `connect` does.
    if (candidates.length === 0) {
      await this.#reachSeeds()
      candidates = this.held().filter((node) => node.connection.open)
    }
    let lastError: unknown = new ClusterError('Expected a node to ask for the topology; none is held.')
    const replies: { ranges: ReturnType<typeof readAnnouncedSlotRanges> }[] = []
    for (let tried = 0; tried < candidates.length && replies.length < 3; tried++) {
      const source = candidates[this.#rotation++ % candidates.length]!
      try {
        this.counters.refreshes++
        const reply = await source.connection.command(['CLUSTER', 'SLOTS'])
        replies.push({ ranges: readAnnouncedSlotRanges(reply, source.connection.host) })
      } catch (error) {
        lastError = error
      }
    }
    const [first] = replies
    if (first === undefined) throw lastError
    await this.follow(
      first.ranges.map((range) => range.master),
      replies.flatMap(({ ranges }) => ranges.map((range) => range.master)),
    )
    this.#checkOpen()
    const slots: (RoutedNode | undefined)[] = new Array(SLOT_COUNT).fill(undefined)
    for (const range of first.ranges) {
      let node: RoutedNode
      try {
        node = await this.topologyNode(range.master)
      } catch (error) {
        if (!isTransient(error)) throw error
        continue
      }
      slots.fill(node, range.start, range.end + 1)
    }
    this.#checkOpen()
    this.#slots = slots
  }

  /** Reach every seed that answers; throws an `AggregateError` of every failure when none does. */
  async #reachSeeds(): Promise<void> {
    const failures: unknown[] = []
    for (const seed of this.seeds) {
      try {
        await this.seedNode(seed)
      } catch (error) {
        failures.push(error)
      }
    }
    if (failures.length === this.seeds.length) {
      throw new AggregateError(failures, 'Expected a seed to answer.')
    }
  }

  async #execute(key: string, args: readonly Argument[]): Promise<Reply> {
    this.#checkOpen()
    const slot = keyHashSlot(key)
    let asking: RoutedNode | undefined
    let deadline: number | undefined
    let delay = this.#retryDelay
    for (let attempt = 0; attempt <= this.#maxRedirects; ) {
      let node = asking ?? this.#slots[slot]
      try {
        if (node === undefined) {
          await this.refresh()
          this.#checkOpen()
          node = this.#slots[slot]
          if (node === undefined) {
            throw new UnservedSlotError(`Expected a reachable node to serve slot ${slot}; none does.`)
          }
        }
        return await this.#send(node, asking !== undefined, args)
      } catch (caught) {
        let error = caught
        if (this.#closed) throw new ClusterError('The client is closed.')
        if (error instanceof RedisReplyError && (error.code === 'MOVED' || error.code === 'ASK')) {
          attempt++
          try {
            asking = await this.#redirect(error, node!)
            continue
          } catch (redirectError) {
            // The node redirected to cannot be reached (yet): retried below like any lost connection.
            error = redirectError
          }
        }
        if (!isTransient(error)) throw error
        // A lost connection or a cluster in transition: read the topology anew and send again, with
        // backoff, until `retryFor` has passed since the first such error.
        deadline ??= Date.now() + this.#retryFor
        if (Date.now() + delay > deadline) throw error
        asking = undefined
        this.counters.retries++
        await Promise.all([this.refreshSoon(), sleep(delay)])
        delay = Math.min(delay * 2, this.#maxRetryDelay)
      }
    }
    throw new ClusterError(`Expected slot ${slot} to settle within ${this.#maxRedirects} redirections.`)
  }

  async #send(node: RoutedNode, asking: boolean, args: readonly Argument[]): Promise<Reply> {
    if (!asking) return node.connection.command(args)
    // ASKING applies to the next command on the connection only; both are written in this tick, so nothing
    // can come between them.
    const [, reply] = await Promise.all([node.connection.command(['ASKING']), node.connection.command(args)])
    return reply
  }

  // Follow a MOVED (refresh, then route by the new table) or an ASK (this one command goes to the importing
  // node; the table stays). Resolves with the node to ask next, or undefined to use the table.
  async #redirect(error: RedisReplyError, from: RoutedNode): Promise<RoutedNode | undefined> {
    const redirect = parseRedirect(error, from.connection.host)
    if (redirect === undefined) throw error
    if (redirect.kind === 'ASK' && redirect.endpoint !== undefined) {
      this.counters.asked++
      return this.redirectNode(redirect.endpoint)
    }
    this.counters.moved++
    await this.refresh()
    return undefined
  }
}
