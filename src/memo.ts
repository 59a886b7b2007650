/**
 * The keyer's memo: raw input to key, stored in an LRU (lru-cache) bounded by `cacheSize`, so hostile input
 * cannot grow memory without limit.
 *
 * A lookup in lru-cache costs more than a `Map.get` (it also moves the entry to the recent end of its list),
 * and finding a `(host, port)` pair there first needs the string `host + ':' + port` built and hashed. So an
 * input the LRU answers a second time is also indexed in front of it, in plain `Map`s keyed the way the input
 * arrives: `host` then `port` for a pair (no string is built on a hit, and the host string's hash is cached
 * by the engine), the raw string for one address. The front is an index into the LRU, not a second store:
 * an entry that leaves the LRU (eviction, overwrite, `drop`, `clear`) leaves the front in the same call, so
 * the memo never remembers more than `cacheSize` inputs and the answers with the memo on and off stay
 * identical. The price is that a hit in the front does not refresh the entry's place in the LRU: under a
 * flood of new inputs a hot entry may be computed again once per `cacheSize` new inputs.
 */
import { LRUCache } from 'lru-cache'

/** What the memo holds for one raw input. */
export interface MemoEntry {
  readonly key: string
  /** The canonical host before the resolver ran, to drop the entries a resolver's change affects. */
  readonly host: string
  /**
   * Whether the raw input was a (host, port) pair rather than one address string: the two forms share the
   * LRU, and `'redis://a' + ':' + 1` must not find the entry of the address `'redis://a:1'`.
   */
  readonly pair: boolean
}

/** Counters of a keyer's memo. */
export interface MemoStats {
  /** Lookups answered from the memo. */
  hits: number
  /** Lookups that computed the key. */
  misses: number
  /** Entries held now. */
  size: number
  /** Entries dropped because the memo was full. */
  evictions: number
}

/** A pair's port as the keyer accepts it for the memo: a number or a string (validated before it is set). */
export type MemoPort = number | string

/** The LRU's key of a (host, port) pair. */
const pairRaw = (host: string, port: MemoPort): string => `${host}:${port}`

/** A bounded memo; `max` 0 memoizes nothing. */
export class Memo {
  #cache: LRUCache<string, MemoEntry> | undefined
  /** Front index of pairs the LRU answered: host, then port (as given: `7000` and `'7000'` apart), to key. */
  #pairs = new Map<string, Map<MemoPort, string>>()
  /** Front index of address strings the LRU answered: raw string to key. */
  #addresses = new Map<string, string>()
  #evictions = 0
  #hits = 0
  #misses = 0

  constructor(max: number) {
    if (max > 0) {
      this.#cache = new LRUCache<string, MemoEntry>({
        max,
        dispose: (entry, raw, reason) => {
          if (reason === 'evict') this.#evictions++
          this.#forget(entry, raw)
        },
      })
    }
  }

  /** The key of a (host, port) pair seen before, or undefined (counted as a miss: the caller computes it). */
  pair(host: string, port: MemoPort): string | undefined {
    const key = this.#pairs.get(host)?.get(port)
    if (key !== undefined) {
      this.#hits++
      return key
    }
    return this.#pairFromCache(host, port)
  }

  #pairFromCache(host: string, port: MemoPort): string | undefined {
    const entry = this.#cache?.get(pairRaw(host, port))
    if (entry === undefined || !entry.pair) {
      this.#misses++
      return undefined
    }
    this.#hits++
    // Seen twice: worth indexing for the hot path.
    let ports = this.#pairs.get(host)
    if (ports === undefined) {
      ports = new Map()
      this.#pairs.set(host, ports)
    }
    ports.set(port, entry.key)
    return entry.key
  }

  /** Remember the key of a (host, port) pair. */
  setPair(host: string, port: MemoPort, key: string, canonical: string): void {
    this.#cache?.set(pairRaw(host, port), { key, host: canonical, pair: true })
  }

  /** The key of an address string seen before, or undefined (counted as a miss). */
  address(raw: string): string | undefined {
    const key = this.#addresses.get(raw)
    if (key !== undefined) {
      this.#hits++
      return key
    }
    const entry = this.#cache?.get(raw)
    if (entry === undefined || entry.pair) {
      this.#misses++
      return undefined
    }
    this.#hits++
    this.#addresses.set(raw, entry.key)
    return entry.key
  }

  /** Remember the key of an address string. */
  setAddress(raw: string, key: string, canonical: string): void {
    this.#cache?.set(raw, { key, host: canonical, pair: false })
  }

  /** Take an entry that leaves the LRU out of the front index too. */
  #forget(entry: MemoEntry, raw: string): void {
    if (!entry.pair) {
      this.#addresses.delete(raw)
      return
    }
    // Valid ports are digits, so the last colon splits the LRU's key into the host and the port text.
    const colon = raw.lastIndexOf(':')
    const host = raw.slice(0, colon)
    const ports = this.#pairs.get(host)
    if (ports === undefined) return
    const text = raw.slice(colon + 1)
    ports.delete(text)
    // The number spelled the same way shares the LRU's key (`7000` and `'7000'`; not `'07000'`).
    const number = Number(text)
    if (String(number) === text) ports.delete(number)
    if (ports.size === 0) this.#pairs.delete(host)
  }

  /** Drop the entries whose canonical host (before the resolver) is one of `hosts`; all when undefined. */
  drop(hosts?: readonly string[]): void {
    if (this.#cache === undefined) return
    if (hosts === undefined) {
      this.clear()
      return
    }
    const affected = new Set(hosts)
    for (const [raw, entry] of this.#cache.entries()) {
      if (affected.has(entry.host)) this.#cache.delete(raw)
    }
  }

  /** Empty the memo; the counters go on. */
  clear(): void {
    this.#pairs.clear()
    this.#addresses.clear()
    this.#cache?.clear()
  }

  stats(): MemoStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      size: this.#cache?.size ?? 0,
      evictions: this.#evictions,
    }
  }
}
