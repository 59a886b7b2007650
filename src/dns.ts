/**
 * DNS identity: a name becomes the IP address it resolves to, kept fresh by the answers' TTLs. The key
 * function never waits and never does I/O (DESIGN "Resolver"), so the work is split in two: an async side
 * looks names up and fills a bounded table, and a sync {@link Resolver} reads that table. A name the table
 * does not know yet stays itself, and a lookup starts in the background; when an answer changes, the
 * resolver tells its listeners, and a keyer built on it drops the memo entries the change affects.
 */
import type { NodeKey } from './address.js'
import { isFailure, preview, toError } from './errors.js'
import { hostOrFailure } from './host.js'
import { parseIPv4, parseIPv6 } from './ip.js'
import { createNodeKeyer, type NodeKeyer } from './key.js'
import { requireModule } from './require.js'
import { chainResolvers, loopbackResolver, type Resolver, type ResolverListener } from './resolver.js'

/**
 * Which addresses give a name its identity: IPv4 only, IPv6 only, or both (IPv4 preferred).
 *
 * @example
 * ```ts
 * const family: DnsFamily = 6
 * const dns = createDnsResolver({ family }) // only IPv6 addresses become identities
 * ```
 */
export type DnsFamily = 4 | 6 | 'any'

/**
 * One address of a lookup's answer.
 *
 * @example
 * ```ts
 * const answer: DnsAddress[] = [{ address: 'fd00::5', ttl: 60 }, { address: '10.0.0.5', ttl: 60 }]
 * const dns = createDnsResolver({ lookup: () => answer })
 * await dns.prime(['redis-1.internal']) // ['10.0.0.5']: IPv4 before IPv6
 * ```
 */
export interface DnsAddress {
  /** An IPv4 or IPv6 address in any textual form; it is canonicalized. */
  address: string
  /**
   * Seconds the address may be cached (the record's TTL, RFC 1035 section 3.2.1); missing: the
   * resolver's `defaultTtl`.
   */
  ttl?: number | undefined
}

/**
 * What a {@link DnsLookup} is called with.
 *
 * @example
 * ```ts
 * const servers = new Resolver() // from 'node:dns/promises'
 * const lookup: DnsLookup = async (hostname, { family }: DnsLookupOptions) =>
 *   family === 6 ? servers.resolve6(hostname, { ttl: true }) : servers.resolve4(hostname, { ttl: true })
 * const dns = createDnsResolver({ lookup, family: 4 })
 * ```
 */
export interface DnsLookupOptions {
  /** The family asked for; addresses of another family in the answer are ignored. */
  family: DnsFamily
  /** Aborted when the lookup times out or the resolver is closed. */
  signal: AbortSignal
}

/**
 * Looks up one name. Resolves to its addresses with their TTLs; an empty array, or a rejection whose
 * `code` is `'ENOTFOUND'` or `'ENODATA'` (node:dns's codes for NXDOMAIN and "no records"), means the name
 * has no address (cached for `negativeTtl`); any other rejection is a failure of the lookup (the last
 * answer is kept for `staleIfError`).
 *
 * @example
 * ```ts
 * const table = new Map<string, DnsAddress[]>([['redis-1.internal', [{ address: '10.0.0.5', ttl: 60 }]]])
 * const lookup: DnsLookup = (hostname) => table.get(hostname) ?? [] // []: the name has no address
 * const dns = createDnsResolver({ lookup })
 * ```
 */
export type DnsLookup = (
  hostname: string,
  options: DnsLookupOptions,
) => Promise<readonly DnsAddress[]> | readonly DnsAddress[]

/**
 * A monotonic clock in milliseconds, such as `performance`.
 *
 * @example
 * ```ts
 * let now = 0
 * const dns = createDnsResolver({ lookup, clock: { now: () => now } satisfies DnsClock })
 * now += 60_000 // a minute later, without waiting: answers with a TTL of 60 s have expired
 * ```
 */
export interface DnsClock {
  now(): number
}

/**
 * Options of {@link createDnsResolver}. Durations are in seconds, as DNS TTLs are.
 *
 * @example
 * ```ts
 * const options: DnsResolverOptions = { servers: ['127.0.0.1:5353'], family: 4, maxTtl: 60 }
 * const dns = createDnsResolver(options)
 * ```
 */
export interface DnsResolverOptions {
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
   * How many names the table holds (the least recently used go first); also the most lookups that run
   * at once in the background.
   * @defaultValue `10000`
   */
  max?: number | undefined
  /**
   * Whether the sync resolver starts a background lookup for a name it does not know. With `false`, only
   * {@link DnsResolver.prime} and {@link DnsResolver.keyAsync} add names (known names are still refreshed).
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
 * Why a name's identity changed.
 *
 * @example
 * ```ts
 * dns.onChange((event) => {
 *   if (event.type === 'change' && event.reason === 'not-found') console.log(event.host, 'is gone')
 * })
 * ```
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
 */
export interface DnsChangeEvent {
  type: 'change'
  /** The canonical name. */
  host: string
  /** The identity before; `undefined` if the name had none. */
  previous: string | undefined
  /** The identity now; `undefined` if the name stands for itself again. */
  identity: string | undefined
  /** Every address of the answer, canonical and sorted by the identity rule. */
  addresses: readonly string[]
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
 */
export interface DnsErrorEvent {
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
 * What {@link DnsResolver.onChange} listeners receive.
 *
 * @example
 * ```ts
 * const stop = dns.onChange((event: DnsEvent) => console.log(event.type, event.host)) // 'change' or 'error'
 * stop() // no more events
 * ```
 */
export type DnsEvent = DnsChangeEvent | DnsErrorEvent

/**
 * What {@link createDnsResolver} returns.
 *
 * @example
 * ```ts
 * const dns: DnsResolver = createDnsResolver({ lookup })
 * const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
 * await dns.keyAsync('redis-1.internal', 6379, keyer) // '10.0.0.5:6379'
 * dns.close()
 * ```
 */
export interface DnsResolver {
  /**
   * The sync resolver for `createNodeKeyer({ resolver })` or {@link chainResolvers}: a learned name
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
   * Resolve the host if the table has no fresh answer for it, then key it. `keyer` must be built on
   * {@link DnsResolver.resolver}; the default is a keyer on this resolver followed by
   * `loopbackResolver()`. The host is looked up in its canonical form with a trailing dot kept.
   */
  keyAsync(host: string, port: number | string | undefined, keyer?: NodeKeyer): Promise<NodeKey>
  /** Hear every identity change and every failure; returns the function that stops listening. */
  onChange(listener: (event: DnsEvent) => void): () => void
  /** Stop all background work and timers; the resolver keeps answering what it learned, learns nothing new. */
  close(): void
}

const DEFAULTS = {
  minTtl: 1,
  maxTtl: 300,
  defaultTtl: 30,
  negativeTtl: 5,
  staleIfError: 86_400,
  timeout: 5,
  max: 10_000,
}

/**
 * Refresh an answer on use once 90% of its TTL has passed, so a name in use is renewed before it expires
 * (the rule of Unbound's `prefetch`).
 */
const REFRESH_AT = 0.9

/** The shortest time between two sweeps (milliseconds), so names falling due together cost one pass. */
const SWEEP_INTERVAL = 100

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/

/** A canonical host that is an IP address: a canonical name never ends in a numeric label. */
const isAddress = (host: string): boolean => host.includes(':') || IPV4.test(host)

/** RFC 6761 section 6.3: `localhost` names are answered locally, never sent to a DNS server. */
const isLocalhost = (host: string): boolean => {
  const name = host.endsWith('.') ? host.slice(0, -1) : host
  return name === 'localhost' || name.endsWith('.localhost')
}

const errorCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code

const isNotFound = (error: unknown): boolean => {
  const code = errorCode(error)
  return code === 'ENOTFOUND' || code === 'ENODATA'
}

const codedError = (code: string, message: string): Error => Object.assign(new Error(message), { code })

const asError = (value: unknown): Error =>
  value instanceof Error
    ? value
    : new Error(`The lookup failed with a non-error value: ${preview(value)}.`, { cause: value })

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
    const canonical = hostOrFailure(address, false, false)
    if (isFailure(canonical) || !isAddress(canonical)) continue
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

/** The default lookup and how to cancel what it has in flight. */
interface DefaultLookup {
  lookup: DnsLookup
  cancel(): void
}

/**
 * node:dns, loaded when a resolver first needs its default lookup: importing the library then reads no DNS
 * module, which keeps a cold import cheap for the many users who never use DNS identity.
 */
const dnsPromises = (): typeof import('node:dns').promises =>
  (requireModule('node:dns') as typeof import('node:dns')).promises

const systemLookup = (): DefaultLookup => ({
  lookup: async (hostname, { family }) =>
    await dnsPromises().lookup(hostname, { all: true, family: family === 'any' ? 0 : family }),
  // getaddrinfo runs on the thread pool and cannot be cancelled; its result is ignored after close.
  cancel: () => {},
})

const serverLookup = (servers: readonly string[], timeout: number): DefaultLookup => {
  // c-ares retries with a growing timeout; two tries fit within the resolver's own timeout.
  const resolver = new (dnsPromises().Resolver)({
    timeout: Math.max(1, Math.floor((timeout * 1000) / 3)),
    tries: 2,
  })
  try {
    resolver.setServers(servers as string[])
  } catch (error) {
    throw new TypeError(
      `Expected \`servers\` to be DNS server addresses such as '10.0.0.2' or '127.0.0.1:5353': ${asError(error).message}`,
    )
  }
  const query = (hostname: string, family: 4 | 6): Promise<DnsAddress[]> =>
    family === 4 ? resolver.resolve4(hostname, { ttl: true }) : resolver.resolve6(hostname, { ttl: true })
  const lookup: DnsLookup = async (hostname, { family }) => {
    if (family !== 'any') return await query(hostname, family)
    const [v4, v6] = await Promise.allSettled([query(hostname, 4), query(hostname, 6)])
    // A failed half would make the answer incomplete and could move the identity to the other family:
    // that counts as a failure, so the last answer is kept (staleIfError). "No such records" is an answer.
    for (const half of [v4, v6]) {
      if (half.status === 'rejected' && !isNotFound(half.reason)) throw half.reason
    }
    if (v4.status === 'rejected' && v6.status === 'rejected') throw v4.reason
    return [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])]
  }
  return { lookup, cancel: () => resolver.cancel() }
}

/** What the table knows of one name. Times are the clock's milliseconds. */
interface Entry {
  identity: string | undefined
  addresses: readonly string[]
  /** When the answer expires (keyAsync and prime wait for a lookup after this). */
  expires: number
  /** When a use starts a lookup: before expiry for an answer, after `negativeTtl` for none. */
  next: number
  /** Until when the identity may be served while lookups fail. */
  staleUntil: number
  inflight: Promise<void> | undefined
  /** Whether the keyers were told that `next` has passed (see {@link DnsTable.sweep}). */
  announced: boolean
  /** The timeout of the lookup in flight: unref'd for background work, ref'd while a caller awaits it. */
  timer: ReturnType<typeof setTimeout> | undefined
}

const checkSeconds = (name: string, value: unknown, fallback: number, min: number): number => {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(
      `Expected \`${name}\` to be a number of seconds from ${min} up, got ${preview(value)}.`,
    )
  }
  return value
}

/** The table, the lookups and the listeners behind one {@link DnsResolver}. */
class DnsTable {
  #table = new Map<string, Entry>()
  #lookup: DnsLookup
  #cancel: () => void
  #family: DnsFamily
  #minTtl: number
  #maxTtl: number
  #defaultTtl: number
  #negativeTtl: number
  #staleIfError: number
  #timeout: number
  #max: number
  #lazy: boolean
  #clock: DnsClock
  #running = 0
  #closed = false
  #aborts = new Set<AbortController>()
  #timers = new Set<ReturnType<typeof setTimeout>>()
  #sweepTimer: ReturnType<typeof setTimeout> | undefined
  /** When the sweep timer fires, in the clock's milliseconds. */
  #sweepAt = Number.POSITIVE_INFINITY
  #subscribers = new Set<ResolverListener>()
  #listeners = new Set<(event: DnsEvent) => void>()

  constructor(options: DnsResolverOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `Expected the options of createDnsResolver to be an object, got ${preview(options)}.`,
      )
    }
    const { lookup, servers, family = 'any', lazy = true, clock = performance } = options
    if (family !== 4 && family !== 6 && family !== 'any') {
      throw new TypeError(`Expected \`family\` to be 4, 6 or 'any', got ${preview(family)}.`)
    }
    if (typeof lazy !== 'boolean') {
      throw new TypeError(`Expected \`lazy\` to be a boolean, got ${preview(lazy)}.`)
    }
    if (typeof (clock as Partial<DnsClock> | null)?.now !== 'function') {
      throw new TypeError(
        `Expected \`clock\` to be an object with a now() method in milliseconds, got ${preview(clock)}.`,
      )
    }
    this.#family = family
    this.#lazy = lazy
    this.#clock = clock
    this.#minTtl = checkSeconds('minTtl', options.minTtl, DEFAULTS.minTtl, 0)
    this.#maxTtl = checkSeconds('maxTtl', options.maxTtl, Math.max(DEFAULTS.maxTtl, this.#minTtl), 0)
    if (this.#maxTtl < this.#minTtl) {
      throw new TypeError(
        `Expected \`maxTtl\` (${this.#maxTtl}) to be at least \`minTtl\` (${this.#minTtl}).`,
      )
    }
    this.#defaultTtl = checkSeconds('defaultTtl', options.defaultTtl, DEFAULTS.defaultTtl, 0)
    this.#negativeTtl = checkSeconds('negativeTtl', options.negativeTtl, DEFAULTS.negativeTtl, 0)
    this.#staleIfError = checkSeconds('staleIfError', options.staleIfError, DEFAULTS.staleIfError, 0)
    this.#timeout = checkSeconds('timeout', options.timeout, DEFAULTS.timeout, 0.001)
    const max = options.max ?? DEFAULTS.max
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError(`Expected \`max\` to be an integer from 1 up, got ${preview(max)}.`)
    }
    this.#max = max
    if (lookup !== undefined && servers !== undefined) {
      throw new TypeError(
        'Expected either `lookup` or `servers`, not both: `servers` configures the default lookup.',
      )
    }
    if (lookup !== undefined) {
      if (typeof lookup !== 'function') {
        throw new TypeError(
          `Expected \`lookup\` to be a function (hostname, { family, signal }) => addresses, got ${preview(lookup)}.`,
        )
      }
      this.#lookup = lookup
      this.#cancel = () => {}
    } else {
      if (
        servers !== undefined &&
        (!Array.isArray(servers) || servers.length === 0 || servers.some((s) => typeof s !== 'string'))
      ) {
        throw new TypeError(
          `Expected \`servers\` to be a non-empty array of server addresses such as '127.0.0.1:5353', got ${preview(servers)}.`,
        )
      }
      const fallback = servers === undefined ? systemLookup() : serverLookup(servers, this.#timeout)
      this.#lookup = fallback.lookup
      this.#cancel = fallback.cancel
    }
  }

  /** The sync side: answer from the table, start lookups, never wait. */
  resolve(host: string): string | undefined {
    if (isAddress(host) || isLocalhost(host)) return undefined
    let entry = this.#table.get(host)
    if (entry === undefined) {
      if (!this.#lazy || this.#closed || this.#running >= this.#max) return undefined
      entry = this.#insert(host)
      this.#start(host, entry)
      return undefined
    }
    this.#touch(host, entry)
    if (entry.inflight === undefined && !this.#closed && this.#running < this.#max) {
      if (this.#due(entry, this.#clock.now())) this.#start(host, entry)
    }
    return entry.identity
  }

  /** The async side: make sure the name has a fresh answer (or a remembered failure), then give it. */
  async ensure(host: string): Promise<string | undefined> {
    if (this.#closed) throw new Error('The DNS resolver is closed: it looks nothing up any more.')
    if (isAddress(host) || isLocalhost(host)) return undefined
    let entry = this.#table.get(host)
    if (entry === undefined) entry = this.#insert(host)
    else this.#touch(host, entry)
    const now = this.#clock.now()
    if (entry.inflight === undefined && this.#due(entry, now)) this.#start(host, entry)
    if (entry.inflight !== undefined && (entry.identity === undefined || now >= entry.expires)) {
      // Someone waits for this lookup now: its timeout keeps the process alive until it settles.
      entry.timer?.ref()
      await entry.inflight
    }
    return entry.identity
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
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    clearTimeout(this.#sweepTimer)
    this.#sweepAt = Number.POSITIVE_INFINITY
    const aborted = codedError('ECANCELLED', 'The DNS resolver was closed.')
    for (const controller of this.#aborts) controller.abort(aborted)
    this.#aborts.clear()
    this.#cancel()
    this.#listeners.clear()
    this.#subscribers.clear()
  }

  #insert(host: string): Entry {
    const entry: Entry = {
      identity: undefined,
      addresses: [],
      expires: Number.NEGATIVE_INFINITY,
      next: Number.NEGATIVE_INFINITY,
      staleUntil: Number.NEGATIVE_INFINITY,
      inflight: undefined,
      announced: false,
      timer: undefined,
    }
    this.#table.set(host, entry)
    // Oldest-used first: a Map iterates in insertion order and #touch re-inserts on use.
    for (const [oldest, old] of this.#table) {
      if (this.#table.size <= this.#max) break
      this.#table.delete(oldest)
      if (old.identity !== undefined) {
        this.#change(oldest, old.identity, undefined, [], 'evicted')
      }
    }
    return entry
  }

  /**
   * Whether a use should start a lookup: the answer is due for refresh, the negative answer has lived
   * out, or a stale answer has outlived `staleIfError` (one more try decides whether it goes).
   */
  #due(entry: Entry, now: number): boolean {
    return now >= entry.next || (entry.identity !== undefined && now >= entry.staleUntil)
  }

  /** A new `next` for an entry: the keyers are to hear of it again, and the sweep may have to come sooner. */
  #rearm(entry: Entry): void {
    entry.announced = false
    if (entry.next < this.#sweepAt) this.#schedule(entry.next)
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
    for (const [host, entry] of this.#table) {
      if (entry.announced || entry.inflight !== undefined) continue
      if (now >= entry.next) {
        entry.announced = true
        due.push(host)
      } else if (entry.next < earliest) earliest = entry.next
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

  #touch(host: string, entry: Entry): void {
    this.#table.delete(host)
    this.#table.set(host, entry)
  }

  /** Start the one lookup of a name (single flight: callers check `inflight` first). */
  #start(host: string, entry: Entry): void {
    const controller = new AbortController()
    this.#aborts.add(controller)
    this.#running++
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = codedError(
          'ETIMEOUT',
          `The lookup of ${preview(host)} took longer than ${this.#timeout} s.`,
        )
        controller.abort(error)
        reject(error)
      }, this.#timeout * 1000)
      // A lookup must not keep the process alive on its own.
      timer.unref()
      // close() aborts every lookup and clears the timers: a lookup that ignores its signal must not leave
      // its callers waiting forever.
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true })
    })
    if (timer !== undefined) this.#timers.add(timer)
    entry.timer = timer
    // Called in a microtask, so a lookup that throws synchronously becomes a rejection too.
    const attempt = Promise.resolve().then(() =>
      this.#lookup(host, { family: this.#family, signal: controller.signal }),
    )
    const settled = Promise.race([attempt, timedOut])
      .then(
        (answer) => this.#settle(host, entry, readAnswer(answer, this.#family)),
        (error: unknown) => this.#settle(host, entry, asError(error)),
      )
      .catch((error: unknown) => {
        // #settle only fails if the state is broken; say so rather than reject into the void.
        process.emitWarning(asError(error))
      })
      .finally(() => {
        if (timer !== undefined) {
          clearTimeout(timer)
          this.#timers.delete(timer)
        }
        this.#aborts.delete(controller)
        this.#running--
        entry.inflight = undefined
        entry.timer = undefined
      })
    entry.inflight = settled
  }

  /** Take a lookup's outcome into the table and tell the listeners. */
  #settle(host: string, entry: Entry, answer: Answer): void {
    // After close, or once the name was evicted, the outcome belongs to no one.
    if (this.#closed || this.#table.get(host) !== entry) return
    const now = this.#clock.now()
    const previous = entry.identity
    if (!(answer instanceof Error)) {
      const ttl = Math.min(this.#maxTtl, Math.max(this.#minTtl, answer.ttl ?? this.#defaultTtl)) * 1000
      // Round-robin DNS rotates the order of its answers: the identity moves only when it is gone.
      const identity =
        previous !== undefined && answer.addresses.includes(previous) ? previous : answer.addresses[0]
      entry.identity = identity
      entry.addresses = answer.addresses
      entry.expires = now + ttl
      entry.next = now + ttl * REFRESH_AT
      this.#rearm(entry)
      entry.staleUntil = entry.expires + this.#staleIfError * 1000
      if (identity !== previous) this.#change(host, previous, identity, answer.addresses, 'answer')
      return
    }
    const notFound = isNotFound(answer)
    entry.next = now + this.#negativeTtl * 1000
    this.#rearm(entry)
    // RFC 8767: a stale answer may stand in while the servers fail, not when they say the name is gone.
    const drop = notFound || now >= entry.staleUntil
    if (drop) {
      entry.identity = undefined
      entry.addresses = []
      entry.expires = Number.NEGATIVE_INFINITY
      entry.staleUntil = Number.NEGATIVE_INFINITY
    }
    this.#emit({ type: 'error', host, error: answer, notFound, identity: entry.identity })
    if (previous !== undefined && drop) {
      this.#change(host, previous, undefined, [], notFound ? 'not-found' : 'stale-expired')
    }
  }

  #change(
    host: string,
    previous: string | undefined,
    identity: string | undefined,
    addresses: readonly string[],
    reason: DnsChangeReason,
  ): void {
    // Keyers first, so a listener that keys the name sees the new identity.
    this.#tell([host])
    this.#emit({ type: 'change', host, previous, identity, addresses, reason })
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
 * @throws TypeError for a bad option.
 * @example
 * ```ts
 * const dns = createDnsResolver({ servers: ['10.0.0.2'] })
 * const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
 * await dns.prime(['redis-1.internal', 'redis-2.internal'])
 * keyer('redis-1.internal', 6379) // '10.0.0.5:6379'
 * keyer('10.0.0.5', 6379)         // '10.0.0.5:6379'
 * await dns.keyAsync('redis-3.internal', 6379, keyer) // looked up first, then keyed
 * dns.onChange((event) => console.log(event.type, event.host, event.identity))
 * dns.close()
 * ```
 */
export const createDnsResolver = (options: DnsResolverOptions = {}): DnsResolver => {
  const table = new DnsTable(options)
  const resolver: Resolver = (endpoint) => {
    const identity = table.resolve(endpoint.host)
    return identity === undefined ? undefined : { host: identity, port: endpoint.port }
  }
  resolver.subscribe = (listener) => table.subscribe(listener)
  let defaultKeyer: NodeKeyer | undefined
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
        const canonical = hostOrFailure(host, false, false)
        if (isFailure(canonical)) throw toError(canonical, host)
        return canonical
      })
      return await Promise.all(names.map(async (name) => (isAddress(name) ? name : await table.ensure(name))))
    },
    keyAsync: async (host, port, keyer) => {
      // An invalid host is left to the keyer, whose error says what is wrong with it.
      const name = hostOrFailure(host, false, false)
      if (!isFailure(name)) await table.ensure(name)
      defaultKeyer ??= createNodeKeyer({ resolver: chainResolvers(resolver, loopbackResolver()) })
      return (keyer ?? defaultKeyer)(host, port)
    },
    onChange: (listener) => {
      if (typeof listener !== 'function') {
        throw new TypeError(`Expected the listener to be a function, got ${preview(listener)}.`)
      }
      return table.listen(listener)
    },
    close: () => {
      table.close()
      defaultKeyer?.close()
    },
  }
}
