/**
 * DNS identity: a name becomes the IP address it resolves to, kept fresh by the answers' TTLs. The key
 * function never waits and never does I/O, so the work is split in two: an async side looks names up and
 * fills a bounded table, and a sync {@link Resolver} reads that table. A name the table does not know yet
 * stays itself, and a lookup starts in the background; when an answer changes, the resolver tells its
 * listeners, and a keyer built on it drops the memo entries the change affects.
 *
 * The table is an lru-cache `LRUCache` driven by `fetch()`: least-recently-used eviction at `max` names, one
 * lookup per name in flight, a TTL per entry set by the `fetchMethod` from each answer, the last answer
 * served while a refresh runs and kept when a refresh is aborted, and an `AbortSignal` per lookup. What
 * lru-cache has no notion of lives here: the identity rule, negative caching, stale-if-error with its own
 * retry time, the bound on lookups running at once, and telling keyers when an answer falls due. How names
 * are asked for (node:dns) is in dns-lookup.ts.
 */
import { LRUCache } from 'lru-cache'
import {
  callback,
  DEFAULT_HOST_POLICY,
  flag,
  hostOrFailure,
  integer,
  isCanonicalIp,
  isFailure,
  isLocalhostName,
  type KeyFunction,
  type NodeKey,
  oneOf,
  parseIPv4,
  parseIPv6,
  preview,
  type Resolver,
  type ResolverListener,
  readOptions,
  rule,
  seconds,
  toError,
} from '../key/internal.js'
import {
  asError,
  codedError,
  type DefaultLookup,
  type DnsFamily,
  type DnsLookup,
  isNotFound,
  serverLookup,
  systemLookup,
} from './lookup.js'

/**
 * A monotonic clock in milliseconds, such as `performance`.
 *
 * @example
 * ```ts
 * let now = 0
 * const dns = createDnsTable({ lookup, clock: { now: () => now } satisfies DnsClock })
 * now += 60_000 // a minute later, without waiting: answers with a TTL of 60 s have expired
 * ```
 * @category DNS
 */
export interface DnsClock {
  /** The current time in milliseconds, never going back. */
  now(): number
}

/**
 * Options of {@link createDnsTable}. Durations are in seconds, as DNS TTLs are.
 * @category DNS
 */
export interface DnsTableOptions {
  /**
   * How names are looked up. Default: with `servers`, a node:dns `Resolver` asking those servers for A
   * and AAAA records with their TTLs; without, the system's `dns.lookup` (getaddrinfo: hosts file, search
   * domains, nsswitch), whose answers carry no TTL, so they live `defaultTtl`.
   * @defaultValue node:dns
   */
  lookup?: DnsLookup | undefined
  /**
   * DNS servers for the default lookup (`'10.0.0.2'`, `'127.0.0.1:5353'`, `'[::1]:53'`), as
   * `Resolver#setServers` takes them. Not allowed together with `lookup`.
   * @defaultValue none: the system's `dns.lookup`
   */
  servers?: readonly string[] | undefined
  /**
   * Which addresses may become a name's identity.
   * @defaultValue `'any'`
   */
  family?: DnsFamily | undefined
  /**
   * The shortest time an answer is kept, whatever its TTL says (a TTL of 0 would mean a lookup per use).
   * @defaultValue `1`
   */
  minTtl?: number | undefined
  /**
   * The longest time an answer is kept before it is asked again, whatever its TTL says.
   * @defaultValue `300`
   */
  maxTtl?: number | undefined
  /**
   * The TTL of an answer that has none (the system's `dns.lookup` never gives one).
   * @defaultValue `30`
   */
  defaultTtl?: number | undefined
  /**
   * How long a name without addresses, or a failed lookup, is remembered before the name is asked again
   * (negative caching, RFC 2308).
   * @defaultValue `5`
   */
  negativeTtl?: number | undefined
  /**
   * How long after its expiry an answer is still served while lookups fail (RFC 8767 "serve stale"); `0`
   * drops it at the first failed refresh.
   * @defaultValue `86400` (one day, within RFC 8767's suggested one to three days)
   */
  staleIfError?: number | undefined
  /**
   * How long one lookup may take before it counts as failed.
   * @defaultValue `5` (the resolv.conf default)
   */
  timeout?: number | undefined
  /**
   * How many names the table holds (the least recently used go first, also while their lookup waits or
   * runs). A name that leaves the table is forgotten by the keyers too, so its next use files it again.
   * @defaultValue `10000`
   */
  max?: number | undefined
  /**
   * How many lookups run at once. A name that arrives while all of them run waits its turn in the table
   * (first come, first served) and is looked up when one finishes: it is never dropped, and never keys as
   * itself for good. Its lookup's `timeout` starts when it runs.
   * @defaultValue `32`
   */
  concurrency?: number | undefined
  /**
   * Whether the sync resolver starts a background lookup for a name it does not know. With `false`, only
   * {@link DnsTable.prime} and {@link DnsTable.keyAsync} add names (known names are still refreshed).
   * @defaultValue `true`
   */
  lazy?: boolean | undefined
  /**
   * The clock TTLs are measured with, in milliseconds (for tests).
   * @defaultValue `performance`
   */
  clock?: DnsClock | undefined
}

/**
 * The longest duration option, in seconds: timers are set with it, and setTimeout takes at most 2^31 − 1
 * milliseconds (about 24.8 days; past it a timer fires at once).
 */
const MAX_SECONDS = 2_147_483

/** The most names a table may be asked to hold (lru-cache allocates its index for them up front). */
const MAX_NAMES = 1_048_576

/** The most lookups that may run at once. */
const MAX_CONCURRENCY = 1024

/** The rules of {@link DnsTableOptions}. */
const DNS_TABLE_OPTION_RULES = {
  lookup: /* @__PURE__ */ callback<DnsLookup>('a function (hostname, { family, signal }) => addresses'),
  servers: /* @__PURE__ */ rule<readonly string[] | undefined>(
    "a non-empty array of server addresses such as '127.0.0.1:5353'",
    (value) =>
      value === undefined
        ? { value }
        : Array.isArray(value) && value.length > 0 && value.every((server) => typeof server === 'string')
          ? { value: [...value] }
          : undefined,
  ),
  family: /* @__PURE__ */ oneOf<DnsFamily>([4, 6, 'any'], 'any'),
  minTtl: /* @__PURE__ */ seconds(0, MAX_SECONDS, 1),
  maxTtl: /* @__PURE__ */ seconds(0, MAX_SECONDS, undefined),
  defaultTtl: /* @__PURE__ */ seconds(0, MAX_SECONDS, 30),
  negativeTtl: /* @__PURE__ */ seconds(0, MAX_SECONDS, 5),
  staleIfError: /* @__PURE__ */ seconds(0, MAX_SECONDS, 86_400),
  timeout: /* @__PURE__ */ seconds(0.001, MAX_SECONDS, 5),
  max: /* @__PURE__ */ integer(1, MAX_NAMES, 10_000),
  concurrency: /* @__PURE__ */ integer(1, MAX_CONCURRENCY, 32),
  lazy: /* @__PURE__ */ flag(true),
  clock: /* @__PURE__ */ rule<DnsClock | undefined>(
    'an object with a now() method in milliseconds',
    (value) =>
      value === undefined || typeof (value as Partial<DnsClock> | null)?.now === 'function'
        ? { value: value as DnsClock | undefined }
        : undefined,
  ),
}

/**
 * Why a name's identity changed.
 *
 * @example
 * ```ts
 * dns.onChange((event) => {
 *   if (event.type === 'change' && event.reason === 'not-found') console.log(event.host, 'is gone')
 * })
 * ```
 * @category DNS
 */
export type DnsChangeReason = 'answer' | 'not-found' | 'stale-expired' | 'evicted'

/**
 * A name's identity changed (from or to `undefined`: unknown).
 *
 * @example
 * ```ts
 * dns.onChange((event) => {
 *   if (event.type === 'change') console.log(event.host, event.previous, '->', event.identity)
 * }) // on the first answer: redis-1.internal undefined -> 10.0.0.5
 * ```
 * @category DNS
 */
export interface DnsChangeEvent {
  /** `'change'`. */
  type: 'change'
  /** The canonical name. */
  host: string
  /** The identity before; `undefined` if the name had none. */
  previous: string | undefined
  /** The identity now; `undefined` if the name stands for itself again. */
  identity: string | undefined
  /** Every address of the answer, canonical and sorted by the identity rule. */
  addresses: readonly string[]
  /** Why the identity changed. */
  reason: DnsChangeReason
}

/**
 * A lookup failed, or the name has no address.
 *
 * @example
 * ```ts
 * dns.onChange((event) => {
 *   if (event.type === 'error' && !event.notFound) console.warn(event.error.message, event.identity)
 * }) // a refresh failed; event.identity is the last answer, still served (for example '10.0.0.5')
 * ```
 * @category DNS
 */
export interface DnsErrorEvent {
  /** `'error'`. */
  type: 'error'
  /** The canonical name. */
  host: string
  /** What the lookup rejected with (a non-error is wrapped, with it as `cause`). */
  error: Error
  /** True when the name has no address (NXDOMAIN or no records): an answer, not a failure of the server. */
  notFound: boolean
  /** The identity still served (a stale answer, within `staleIfError`), or `undefined`. */
  identity: string | undefined
}

/**
 * What {@link DnsTable.onChange} listeners receive.
 * @category DNS
 */
export type DnsEvent = DnsChangeEvent | DnsErrorEvent

/**
 * What {@link DnsTable.stats} tells.
 *
 * @example
 * ```ts
 * for (let i = 0; i < 1_000; i++) dns.resolver({ host: `node-${i}.internal`, port: 6379 })
 * dns.stats() // { names: 1000, lookups: 32, queued: 968 }: at most `concurrency` lookups run at once
 * ```
 * @category DNS
 */
export interface DnsStats {
  /** Names in the table: learned, remembered as missing, or waiting for their first answer (at most `max`). */
  names: number
  /** Lookups running now (at most `concurrency`). */
  lookups: number
  /** Lookups waiting for one of those to finish. */
  queued: number
}

/**
 * What {@link DnsTable.status} tells of one name: its state in the table, what it stands for, and why it
 * stands for nothing when a lookup failed.
 *
 * @example
 * ```ts
 * await dns.prime(['redis-1.internal']) // [undefined]: not resolved
 * dns.status('redis-1.internal')
 * // { state: 'fresh', identity: undefined, addresses: [], error: Error: The AAAA query … was refused (EREFUSED) … }
 * ```
 * @category DNS
 */
export interface DnsNameStatus {
  /**
   * `'unknown'` (not in the table), `'looking-up'` (its lookup waits or runs), `'fresh'` (answered, or its
   * failure remembered, and not yet due), `'due'` (due for a lookup, still served until it lands).
   */
  readonly state: 'unknown' | 'looking-up' | 'fresh' | 'due'
  /** The identity served now; `undefined` when the name stands for itself. */
  readonly identity: string | undefined
  /** Every address of the answer that gave the identity. */
  readonly addresses: readonly string[]
  /** What the last lookup failed with, when it failed (a stale identity may still be served). */
  readonly error?: Error
  /** True when that failure is "no such name" (NXDOMAIN or no records): an answer, not a failure. */
  readonly notFound?: boolean
}

/**
 * What {@link createDnsTable} returns.
 *
 * @example
 * ```ts
 * const dns: DnsTable = createDnsTable({ lookup })
 * const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
 * await dns.keyAsync('redis-1.internal', 6379, keyer) // '10.0.0.5:6379'
 * dns.close()
 * ```
 * @category DNS
 */
export interface DnsTable {
  /**
   * The sync resolver for `createNodeKeyer({ resolver })` or `chainResolvers`: a learned name
   * becomes its identity, any other host is left unchanged. It offers `subscribe`, so keyers drop the memo
   * entries of a name whose identity changes, and of a name whose answer falls due for refresh (so the
   * next use reaches the resolver, which refreshes it).
   */
  readonly resolver: Resolver
  /**
   * Look the names up now (skipping IP addresses and `localhost` names) and resolve to their identities,
   * in order (`undefined` where a name has none). Never rejects for a failed lookup (that goes to the
   * listeners); rejects with an `InvalidHostError` for a host that is not one, or when closed.
   */
  prime(hosts: Iterable<string>): Promise<(string | undefined)[]>
  /**
   * Resolve the host if the table has no fresh answer for it, then key it with `keyer`, which must be built
   * on {@link DnsTable.resolver} (`createNodeKeyer({ resolver: chainResolvers(dns.resolver,
   * loopbackResolver()) })`). The host is looked up in its canonical form with a trailing dot kept.
   */
  keyAsync(host: string, port: number | string | undefined, keyer: KeyFunction): Promise<NodeKey>
  /** Hear every identity change and every failure; returns the function that stops listening. */
  onChange(listener: (event: DnsEvent) => void): () => void
  /** How many names the table holds and how many lookups run or wait, now. */
  stats(): DnsStats
  /**
   * One name's state (without counting as a use of it): what it stands for, and the error of its last lookup
   * when that failed, so a name that stays unresolved says why.
   *
   * @throws `InvalidHostError` for a host that is not one.
   */
  status(host: string): DnsNameStatus
  /** Stop all background work and timers; `resolver` keeps answering what it learned, learns nothing new. */
  close(): void
}

/** The longest an answer is kept by default, in seconds. */
const DEFAULT_MAX_TTL = 300

/**
 * Refresh an answer on use once 90% of its TTL has passed, so a name in use is renewed before it expires
 * (the rule of Unbound's `prefetch`).
 */
const REFRESH_AT = 0.9

/** The shortest time between two sweeps (milliseconds), so names falling due together cost one pass. */
const SWEEP_INTERVAL = 100

/**
 * The identity order: IPv4 before IPv6, then by numeric value (then by zone), so "the lowest address" is
 * the same whatever order the server sends.
 */
const compareAddresses = (a: string, b: string): number => {
  const a6 = a.includes(':')
  const b6 = b.includes(':')
  if (a6 !== b6) return a6 ? 1 : -1
  if (!a6) return parseIPv4(a) - parseIPv4(b)
  const [aAddress = '', aZone = ''] = a.split('%')
  const [bAddress = '', bZone = ''] = b.split('%')
  const aPieces = parseIPv6(aAddress) ?? []
  const bPieces = parseIPv6(bAddress) ?? []
  for (let i = 0; i < 8; i++) {
    const difference = (aPieces[i] ?? 0) - (bPieces[i] ?? 0)
    if (difference !== 0) return difference
  }
  return aZone < bZone ? -1 : aZone > bZone ? 1 : 0
}

/** A lookup's answer, checked: canonical addresses of the family, sorted, and the TTL in seconds. */
type Answer = { addresses: string[]; ttl: number | undefined } | Error

const readAnswer = (answer: unknown, family: DnsFamily): Answer => {
  if (!Array.isArray(answer)) {
    return new TypeError(
      `Expected the lookup to resolve to an array of { address, ttl? }, got ${preview(answer)}.`,
    )
  }
  if (answer.length === 0) return codedError('ENODATA', 'The lookup answered no address.')
  const addresses = new Set<string>()
  let ttl: number | undefined
  for (const item of answer as unknown[]) {
    const { address, ttl: itemTtl } = (item ?? {}) as { address?: unknown; ttl?: unknown }
    const canonical = hostOrFailure(address, DEFAULT_HOST_POLICY)
    if (isFailure(canonical) || !isCanonicalIp(canonical)) continue
    if (family !== 'any' && canonical.includes(':') !== (family === 6)) continue
    addresses.add(canonical)
    // RFC 2181 section 5.2: one RRset has one TTL; over A and AAAA together the shorter one rules.
    if (typeof itemTtl === 'number' && itemTtl >= 0 && Number.isFinite(itemTtl)) {
      ttl = ttl === undefined ? itemTtl : Math.min(ttl, itemTtl)
    }
  }
  if (addresses.size === 0) {
    return new TypeError(
      `Expected the lookup's answer to hold IPv${family === 'any' ? '4 or IPv6' : family} addresses, got none among ${answer.length}.`,
    )
  }
  return { addresses: [...addresses].sort(compareAddresses), ttl }
}

/**
 * What the table knows of one name: the value of its LRU entry. Times are the clock's milliseconds. The
 * entry's lru-cache TTL is the time until the name is due for a lookup (90% of the answer's TTL, or
 * `negativeTtl` after no answer or a failure); `expires` and `staleUntil` say how long the identity holds.
 */
interface NameRecord {
  readonly identity: string | undefined
  readonly addresses: readonly string[]
  /** When the answer expires (keyAsync and prime wait for a lookup after this). */
  readonly expires: number
  /** Until when the identity may be served while lookups fail. */
  readonly staleUntil: number
  /** Whether the keyers were told that the record is due (see {@link AnswerTable.sweep}). */
  announced: boolean
  /** What the last lookup failed with; absent after an answer. */
  readonly error?: Error
}

/**
 * The state of one name, as the table reads it in one place (`AnswerTable#state`):
 * - `unknown`: not in the table (never asked, or evicted);
 * - `looking-up`: its one lookup waits for a turn or runs; `record` is the last answer, served meanwhile;
 * - `fresh`: answered (an identity, or "no such name" or a failure remembered) and not yet due;
 * - `due`: answered, and due for a lookup (90% of its TTL gone, or its retry time come); still served.
 */
type NameState =
  | { readonly kind: 'unknown'; readonly record?: undefined; readonly flight?: undefined }
  | { readonly kind: 'looking-up'; readonly record: NameRecord | undefined; readonly flight: Flight }
  | { readonly kind: 'fresh' | 'due'; readonly record: NameRecord; readonly flight?: undefined }

/** One lookup of a name, from its place in the queue to its outcome: the `context` of its `fetch()`. */
interface Flight {
  /** Aborted by close(); lru-cache aborts the fetch with it. */
  readonly controller: AbortController
  /** The settled fetch, once the listeners have heard its outcome. */
  done: Promise<void>
  /** The lookup's timeout while it runs: unref'd for background work, ref'd while a caller awaits it. */
  timer: ReturnType<typeof setTimeout> | undefined
  /** Whether a caller awaits the lookup (its timer is then ref'd). */
  awaited: boolean
  /** The entry's value when the lookup started (`undefined`: the name was new to the table). */
  stale: NameRecord | undefined
  /** What the fetchMethod put in the table, and when it falls due. */
  record: NameRecord | undefined
  dueAt: number
  /** What the listeners are to hear once the record is in the table. */
  readonly events: DnsEvent[]
}

const NO_ANSWER = {
  identity: undefined,
  addresses: [],
  expires: Number.NEGATIVE_INFINITY,
  staleUntil: Number.NEGATIVE_INFINITY,
} as const

/** The table, the lookups and the listeners behind one {@link DnsTable}. */
class AnswerTable {
  #cache: LRUCache<string, NameRecord, Flight>
  #lookup: DnsLookup
  #cancel: () => void
  #family: DnsFamily
  #minTtl: number
  #maxTtl: number
  #defaultTtl: number
  #negativeTtl: number
  #staleIfError: number
  #timeout: number
  #concurrency: number
  #lazy: boolean
  #clock: DnsClock
  #closed = false
  /** The lookup of each name in flight (running or queued); lru-cache holds its fetch as the entry. */
  #flights = new Map<string, Flight>()
  /** Lookups running now, and the ones waiting for a turn, first come first served. */
  #running = 0
  #queue = new Set<() => void>()
  #sweepTimer: ReturnType<typeof setTimeout> | undefined
  /** When the sweep timer fires, in the clock's milliseconds. */
  #sweepAt = Number.POSITIVE_INFINITY
  #subscribers = new Set<ResolverListener>()
  #listeners = new Set<(event: DnsEvent) => void>()

  constructor(options: DnsTableOptions) {
    const read = readOptions(options, 'createDnsTable', DNS_TABLE_OPTION_RULES)
    const { lookup, servers } = read
    const clock = read.clock ?? performance
    this.#family = read.family
    this.#lazy = read.lazy
    this.#clock = clock
    this.#minTtl = read.minTtl
    this.#maxTtl = read.maxTtl ?? Math.max(DEFAULT_MAX_TTL, this.#minTtl)
    if (this.#maxTtl < this.#minTtl) {
      throw new TypeError(
        `Expected \`maxTtl\` (${this.#maxTtl}) of createDnsTable to be at least \`minTtl\` (${this.#minTtl}).`,
      )
    }
    this.#defaultTtl = read.defaultTtl
    this.#negativeTtl = read.negativeTtl
    this.#staleIfError = read.staleIfError
    this.#timeout = read.timeout
    const max = read.max
    this.#concurrency = read.concurrency
    if (lookup !== undefined && servers !== undefined) {
      throw new TypeError(
        'Expected either `lookup` or `servers` of createDnsTable, not both: `servers` configures the default lookup.',
      )
    }
    const fallback: DefaultLookup =
      lookup !== undefined
        ? { lookup, cancel: () => {} }
        : servers === undefined
          ? systemLookup()
          : serverLookup(servers, this.#timeout)
    this.#lookup = fallback.lookup
    this.#cancel = fallback.cancel
    // lru-cache reads a start time of 0 as "no TTL": its clock counts from 1 at construction, whatever the
    // caller's clock starts at (a test clock may well start at 0).
    const epoch = clock.now() - 1
    this.#cache = new LRUCache<string, NameRecord, Flight>({
      max,
      perf: { now: () => this.#clock.now() - epoch },
      // No cached "now": a test clock moves between two calls in the same millisecond.
      ttlResolution: 0,
      // A due answer is still the identity until its refresh settles (stale-while-revalidate), and reading
      // it does not delete it.
      allowStale: true,
      noDeleteOnStaleGet: true,
      // A lookup aborted by close() leaves the last answer in the table, if there was one, and its fetch
      // settles with it. A failed lookup is not a rejection: the fetchMethod turns it into a record that
      // keeps the last answer within staleIfError and sets when to retry (see #take).
      allowStaleOnFetchRejection: true,
      noDeleteOnFetchRejection: true,
      fetchMethod: (host, stale, { signal, options: fetchOptions, context }) =>
        this.#fetchMethod(host, stale, signal, fetchOptions, context),
      disposeAfter: (record, host, reason) => {
        if (reason === 'evict') this.#evicted(host, record)
      },
    })
  }

  /** The sync side: answer from the table, start lookups, never wait. */
  resolve(host: string): string | undefined {
    if (isCanonicalIp(host) || isLocalhostName(host)) return undefined
    const state = this.#state(host)
    // Unknown: file it (a lookup starts, or waits for its turn). Known: refresh it once due.
    if (!this.#closed && (state.kind === 'due' || (state.kind === 'unknown' && this.#lazy))) this.#start(host)
    return state.kind === 'unknown' ? undefined : state.record?.identity
  }

  /** The async side: make sure the name has a fresh answer (or a remembered failure), then give it. */
  async ensure(host: string): Promise<string | undefined> {
    if (this.#closed) throw new Error('The DNS table is closed: it looks nothing up any more.')
    if (isCanonicalIp(host) || isLocalhostName(host)) return undefined
    let state = this.#state(host)
    if (state.kind === 'unknown' || state.kind === 'due') {
      const record = state.kind === 'due' ? state.record : undefined
      state = { kind: 'looking-up', record, flight: this.#start(host) }
    }
    const { record, flight } = state
    if (flight !== undefined && (record?.identity === undefined || this.#clock.now() >= record.expires)) {
      // Someone waits for this lookup now: its timeout keeps the process alive until it settles.
      flight.awaited = true
      flight.timer?.ref()
      await flight.done
    }
    return this.#cache.peek(host)?.identity
  }

  /** One name's state (see {@link NameState}); reading it is a use of the name, for the table's recency. */
  #state(host: string): NameState {
    const record = this.#cache.get(host)
    const flight = this.#flights.get(host)
    if (flight !== undefined) return { kind: 'looking-up', record, flight }
    if (record === undefined) return { kind: 'unknown' }
    return { kind: this.#due(host) ? 'due' : 'fresh', record }
  }

  stats(): DnsStats {
    return { names: this.#cache.size, lookups: this.#running, queued: this.#queue.size }
  }

  /** One name's state for {@link DnsTable.status}, read without counting as a use. */
  status(host: string): DnsNameStatus {
    const record = this.#cache.peek(host, { allowStale: true })
    const state = this.#flights.has(host)
      ? 'looking-up'
      : record === undefined
        ? 'unknown'
        : this.#due(host)
          ? 'due'
          : 'fresh'
    const identity = record?.identity
    const addresses = record?.addresses ?? []
    const error = record?.error
    return error === undefined
      ? { state, identity, addresses }
      : { state, identity, addresses, error, notFound: isNotFound(error) }
  }

  subscribe(listener: ResolverListener): () => void {
    this.#subscribers.add(listener)
    return () => this.#subscribers.delete(listener)
  }

  listen(listener: (event: DnsEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#sweepTimer)
    this.#sweepAt = Number.POSITIVE_INFINITY
    const aborted = codedError('ECANCELLED', 'The DNS table was closed.')
    for (const flight of this.#flights.values()) {
      if (flight.timer !== undefined) clearTimeout(flight.timer)
      // lru-cache settles the fetch at once (with the last answer, or none) and aborts the lookup's signal.
      flight.controller.abort(aborted)
    }
    this.#flights.clear()
    this.#cancel()
    this.#listeners.clear()
    this.#subscribers.clear()
  }

  /**
   * Whether a known name is due for a lookup: its lru-cache TTL (90% of the answer's TTL, or the retry time
   * after no answer or a failure) has run out. lru-cache calls an entry stale only past its TTL; due is from
   * the TTL on.
   */
  #due(host: string): boolean {
    return this.#cache.getRemainingTTL(host) <= 0
  }

  /** Start the one lookup of a name (single flight: callers check its state first). */
  #start(host: string): Flight {
    const flight: Flight = {
      controller: new AbortController(),
      done: Promise.resolve(),
      timer: undefined,
      awaited: false,
      stale: undefined,
      record: undefined,
      dueAt: Number.POSITIVE_INFINITY,
      events: [],
    }
    this.#flights.set(host, flight)
    // allowStale: false, so the promise is the lookup's, not the stale value lru-cache could return at once.
    flight.done = this.#cache
      .fetch(host, {
        forceRefresh: true,
        allowStale: false,
        signal: flight.controller.signal,
        context: flight,
      })
      .then(
        () => this.#land(host, flight),
        // With allowStaleOnFetchRejection a fetch does not reject; if it does, say so rather than lose it.
        (error: unknown) => process.emitWarning(asError(error)),
      )
    return flight
  }

  /** lru-cache's fetchMethod: wait for a turn, look the name up, and make the new record. */
  async #fetchMethod(
    host: string,
    stale: NameRecord | undefined,
    signal: AbortSignal,
    options: LRUCache.FetcherFetchOptions<string, NameRecord, Flight>,
    flight: Flight,
  ): Promise<NameRecord> {
    flight.stale = stale
    await this.#turn(signal)
    let answer: Answer
    try {
      answer = await this.#lookUp(host, signal, flight)
    } finally {
      this.#release()
    }
    // Closed, or the name left the table: the outcome belongs to no one.
    if (signal.aborted) throw signal.reason
    return this.#take(stale, answer, options, flight, host)
  }

  /** Wait until fewer than `concurrency` lookups run; leave the queue if the signal aborts first. */
  #turn(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason)
    if (this.#running < this.#concurrency) {
      this.#running++
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const go = () => {
        signal.removeEventListener('abort', leave)
        this.#running++
        resolve()
      }
      const leave = () => {
        this.#queue.delete(go)
        reject(signal.reason)
      }
      this.#queue.add(go)
      signal.addEventListener('abort', leave, { once: true })
    })
  }

  #release(): void {
    this.#running--
    const next = this.#queue.values().next()
    if (next.done !== true) {
      this.#queue.delete(next.value)
      next.value()
    }
  }

  /** Run the lookup within `timeout`; its outcome (an answer, or the error) as a value, never a rejection. */
  #lookUp(host: string, signal: AbortSignal, flight: Flight): Promise<Answer> {
    if (signal.aborted) return Promise.resolve(asError(signal.reason))
    const controller = new AbortController()
    const forward = () => controller.abort(signal.reason)
    signal.addEventListener('abort', forward, { once: true })
    let timer: ReturnType<typeof setTimeout> | undefined
    return new Promise<Answer>((resolve) => {
      timer = setTimeout(() => {
        const error = codedError(
          'ETIMEOUT',
          `The lookup of ${preview(host)} took longer than ${this.#timeout} s.`,
        )
        controller.abort(error)
        resolve(error)
      }, this.#timeout * 1000)
      // A lookup must not keep the process alive on its own, unless a caller awaits it.
      if (!flight.awaited) timer.unref()
      flight.timer = timer
      // A lookup that ignores its signal must not hold its turn, or its callers, past close or timeout.
      controller.signal.addEventListener('abort', () => resolve(asError(controller.signal.reason)), {
        once: true,
      })
      // Called in a microtask, so a lookup that throws synchronously becomes a rejection too.
      Promise.resolve()
        .then(() => this.#lookup(host, { family: this.#family, signal: controller.signal }))
        .then(
          (answer) => {
            // An answer whose items throw when read (a getter) is a failed lookup, not an unhandled rejection.
            try {
              resolve(readAnswer(answer, this.#family))
            } catch (error) {
              resolve(asError(error))
            }
          },
          (error: unknown) => resolve(asError(error)),
        )
    }).finally(() => {
      clearTimeout(timer)
      flight.timer = undefined
      signal.removeEventListener('abort', forward)
    })
  }

  /**
   * The record a lookup's outcome makes, with its lru-cache TTL (the time until it is due), and what the
   * listeners are to hear. A failed lookup is an outcome too: the last answer is kept (with a retry after
   * `negativeTtl`) while within `staleIfError`, and "no such name" is remembered for `negativeTtl`.
   */
  #take(
    stale: NameRecord | undefined,
    answer: Answer,
    options: LRUCache.FetcherFetchOptions<string, NameRecord, Flight>,
    flight: Flight,
    host: string,
  ): NameRecord {
    const now = this.#clock.now()
    const previous = stale?.identity
    let record: NameRecord
    let dueIn: number
    if (!(answer instanceof Error)) {
      const ttl = Math.min(this.#maxTtl, Math.max(this.#minTtl, answer.ttl ?? this.#defaultTtl)) * 1000
      // Round-robin DNS rotates the order of its answers: the identity moves only when it is gone.
      const identity =
        previous !== undefined && answer.addresses.includes(previous) ? previous : answer.addresses[0]
      record = {
        identity,
        addresses: answer.addresses,
        expires: now + ttl,
        staleUntil: now + ttl + this.#staleIfError * 1000,
        announced: false,
      }
      dueIn = ttl * REFRESH_AT
      if (identity !== previous) {
        flight.events.push({
          type: 'change',
          host,
          previous,
          identity,
          addresses: answer.addresses,
          reason: 'answer',
        })
      }
    } else {
      const notFound = isNotFound(answer)
      // RFC 8767: a stale answer may stand in while the servers fail, not when they say the name is gone.
      const keep = !notFound && stale !== undefined && previous !== undefined && now < stale.staleUntil
      dueIn = this.#negativeTtl * 1000
      if (keep) {
        record = { ...stale, announced: false, error: answer }
        // Past staleIfError one more try decides whether the answer goes.
        dueIn = Math.min(dueIn, stale.staleUntil - now)
      } else {
        record = { ...NO_ANSWER, announced: false, error: answer }
      }
      flight.events.push({ type: 'error', host, error: answer, notFound, identity: record.identity })
      if (previous !== undefined && !keep) {
        flight.events.push({
          type: 'change',
          host,
          previous,
          identity: undefined,
          addresses: [],
          reason: notFound ? 'not-found' : 'stale-expired',
        })
      }
    }
    // lru-cache reads a TTL of 0 as "never stale": a record due at once gets the smallest TTL there is.
    options.ttl = Math.max(dueIn, Number.MIN_VALUE)
    flight.record = record
    flight.dueAt = now + dueIn
    return record
  }

  /** A fetch settled: if its record is in the table, tell keyers and listeners what changed. */
  #land(host: string, flight: Flight): void {
    if (this.#flights.get(host) === flight) this.#flights.delete(host)
    if (this.#closed) return
    const record = flight.record
    if (record === undefined || this.#cache.peek(host) !== record) {
      // The name left the table while its lookup waited or ran. With a previous value, eviction reported
      // it; without, the keyers still hold the name as itself: they forget it, so its next use files it
      // again rather than keying as itself for good.
      if (flight.stale === undefined) this.#tell([host])
      return
    }
    if (flight.dueAt < this.#sweepAt) this.#schedule(flight.dueAt)
    for (const event of flight.events) {
      // Keyers first, so a listener that keys the name sees the new identity.
      if (event.type === 'change') this.#tell([host])
      this.#emit(event)
    }
  }

  /** A name left the table for room: its keys go back to the name itself, and its next use files it again. */
  #evicted(host: string, record: NameRecord): void {
    if (this.#closed) return
    this.#tell([host])
    if (record.identity !== undefined) {
      this.#emit({
        type: 'change',
        host,
        previous: record.identity,
        identity: undefined,
        addresses: [],
        reason: 'evicted',
      })
    }
  }

  #schedule(at: number): void {
    clearTimeout(this.#sweepTimer)
    this.#sweepAt = at
    // Sweeps are coalesced: at most one per SWEEP_INTERVAL, however many names fall due.
    const delay = Math.max(SWEEP_INTERVAL, at - this.#clock.now())
    this.#sweepTimer = setTimeout(() => this.sweep(), delay)
    this.#sweepTimer.unref()
  }

  /**
   * A keyer's memo answers repeated uses of a name without asking the resolver, so "refresh on use" would
   * never see a use again. When a name's answer falls due (refresh time, end of negative caching, a
   * stale answer to retry), the keyers are told to drop it: the next use of the name misses their memo and
   * reaches the resolver, which starts the lookup. The identity is unchanged, so `onChange` hears nothing.
   */
  sweep(): void {
    this.#sweepAt = Number.POSITIVE_INFINITY
    if (this.#closed) return
    const now = this.#clock.now()
    const due: string[] = []
    let earliest = Number.POSITIVE_INFINITY
    // keys() skips entries whose fetch is in flight.
    for (const host of this.#cache.keys()) {
      const record = this.#cache.peek(host)
      if (record === undefined || record.announced || this.#flights.has(host)) continue
      const remaining = this.#cache.getRemainingTTL(host)
      if (remaining <= 0) {
        record.announced = true
        due.push(host)
      } else if (now + remaining < earliest) earliest = now + remaining
    }
    if (earliest !== Number.POSITIVE_INFINITY) this.#schedule(earliest)
    if (due.length > 0) this.#tell(due)
  }

  #tell(hosts: readonly string[]): void {
    for (const subscriber of this.#subscribers) {
      try {
        subscriber({ hosts })
      } catch (error) {
        process.emitWarning(asError(error))
      }
    }
  }

  #emit(event: DnsEvent): void {
    for (const listener of this.#listeners) {
      // One throwing listener must not stop the others or break the table; its error is still shown.
      try {
        listener(event)
      } catch (error) {
        process.emitWarning(asError(error))
      }
    }
  }
}

/**
 * DNS-based identity: names become the IP addresses they resolve to, learned in the background and kept
 * fresh by their TTLs, so a seed list's `redis-1.internal:6379` and the cluster's `10.0.0.5:6379` get one
 * key.
 *
 * Identity rule: of a name's addresses (only the `family` asked for), the current identity stays while it is
 * among the answers (round-robin DNS does not flip keys); otherwise the lowest address becomes the identity,
 * IPv4 before IPv6, each by numeric value.
 *
 * Bounds: the table holds at most `max` names (least recently used leave first, and keyers forget them);
 * at most `concurrency` lookups run at once, and a name that arrives while they all run waits its turn in
 * the table, so it is looked up once they clear rather than left keying as itself.
 *
 * @throws TypeError for a bad option.
 * @example
 * ```ts
 * const dns = createDnsTable({ servers: ['10.0.0.2'] })
 * const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
 * await dns.prime(['redis-1.internal', 'redis-2.internal'])
 * keyer('redis-1.internal', 6379) // '10.0.0.5:6379'
 * keyer('10.0.0.5', 6379)         // '10.0.0.5:6379'
 * await dns.keyAsync('redis-3.internal', 6379, keyer) // looked up first, then keyed
 * dns.onChange((event) => console.log(event.type, event.host, event.identity))
 * dns.close()
 * ```
 * @category DNS
 */
export const createDnsTable = (options: DnsTableOptions = {}): DnsTable => {
  const table = new AnswerTable(options)
  const resolver: Resolver = (endpoint) => {
    const identity = table.resolve(endpoint.host)
    return identity === undefined ? undefined : { host: identity, port: endpoint.port }
  }
  resolver.subscribe = (listener) => table.subscribe(listener)
  return {
    resolver,
    prime: async (hosts) => {
      if (
        typeof (hosts as Iterable<string> | null)?.[Symbol.iterator] !== 'function' ||
        typeof hosts === 'string'
      ) {
        throw new TypeError(`Expected the hosts to prime to be an array of names, got ${preview(hosts)}.`)
      }
      const names = [...hosts].map((host) => {
        const canonical = hostOrFailure(host, DEFAULT_HOST_POLICY)
        if (isFailure(canonical)) throw toError(canonical, host)
        return canonical
      })
      return await Promise.all(
        names.map(async (name) => (isCanonicalIp(name) ? name : await table.ensure(name))),
      )
    },
    keyAsync: async (host, port, keyer) => {
      if (typeof keyer !== 'function') {
        throw new TypeError(
          `Expected the keyer of keyAsync to be a keyer built on this table's resolver, got ${preview(keyer)}.`,
        )
      }
      // An invalid host is left to the keyer, whose error says what is wrong with it.
      const name = hostOrFailure(host, DEFAULT_HOST_POLICY)
      if (!isFailure(name)) await table.ensure(name)
      return keyer(host, port)
    },
    onChange: (listener) => {
      if (typeof listener !== 'function') {
        throw new TypeError(`Expected the listener to be a function, got ${preview(listener)}.`)
      }
      return table.listen(listener)
    },
    stats: () => table.stats(),
    status: (host) => {
      const canonical = hostOrFailure(host, DEFAULT_HOST_POLICY)
      if (isFailure(canonical)) throw toError(canonical, host)
      return table.status(canonical)
    },
    close: () => table.close(),
  }
}
