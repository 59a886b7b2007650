/**
 * The keyer's memo: raw input to key, stored in an LRU (lru-cache) bounded by `cacheSize`, so hostile input
 * cannot grow memory without limit.
 *
 * A lookup in lru-cache costs more than a `Map.get` (it also moves the entry to the recent end of its list),
 * and finding a `(host, port)` pair there first needs the string `host + ':' + port` built and hashed. So an
 * input the LRU answers a second time is also indexed in front of it, in plain `Map`s keyed the way the input
 * arrives: `host` then `port` for a pair (no string is built on a hit, and the host string's hash is cached
 * by the engine), the raw string for one address. The front is an index into the LRU, not a second store:
 * an entry that leaves the LRU (eviction, `drop`, `clear`) leaves the front in the same call, so
 * the memo never remembers more than `cacheSize` inputs and the answers with the memo on and off stay
 * identical. The price is that a hit in the front does not refresh the entry's place in the LRU: under a
 * flood of new inputs a hot entry may be computed again once per `cacheSize` new inputs.
 */
import { LRUCache } from 'lru-cache'

/**
 * What the memo holds for one raw string. A (host, port) pair and an address string can spell the same raw
 * string (`('10.0.0.5', 7000)` and `'10.0.0.5:7000'`); each form keeps its own answer in one slot, so a client
 * that uses both does not make them evict each other.
 */
interface Slot {
  /** The key of the raw string read as `host + ':' + port`. */
  pairKey: string | undefined
  /** The canonical host of that pair before the resolver ran, to drop what a resolver's change affects. */
  pairHost: string | undefined
  /** The key of the raw string read as one address. */
  addressKey: string | undefined
  /** The canonical host of that address before the resolver ran. */
  addressHost: string | undefined
}

/**
 * Counters of a keyer's memo.
 *
 * @example
 * ```ts
 * const keyer = createNodeKeyer()
 * keyer('localhost', 7000)
 * keyer('localhost', 7000)
 * const stats: MemoStats = keyer.stats() // { hits: 1, misses: 1, size: 1, evictions: 0 }
 * ```
 */
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
  #cache: LRUCache<string, Slot> | undefined
  /** Front index of pairs the LRU answered: host, then port (as given: `7000` and `'7000'` apart), to key. */
  #pairs = new Map<string, Map<MemoPort, string>>()
  /** Front index of address strings the LRU answered: raw string to key. */
  #addresses = new Map<string, string>()
  #evictions = 0
  #hits = 0
  #misses = 0

  #max: number

  constructor(max: number) {
    this.#max = max
  }

  /**
   * The LRU, made on the first `set`: lru-cache allocates its arrays for `max` entries up front (about a
   * millisecond for the default 10,000), which the default keyer would otherwise pay at import time.
   */
  #store(): LRUCache<string, Slot> | undefined {
    if (this.#cache === undefined && this.#max > 0) {
      this.#cache = new LRUCache<string, Slot>({
        max: this.#max,
        dispose: (slot, raw, reason) => {
          if (reason === 'evict') this.#evictions++
          this.#forget(slot, raw)
        },
      })
    }
    return this.#cache
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
    const key = this.#cache?.get(pairRaw(host, port))?.pairKey
    if (key === undefined) {
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
    ports.set(port, key)
    return key
  }

  /** Remember the key of a (host, port) pair. */
  setPair(host: string, port: MemoPort, key: string, canonical: string): void {
    const slot = this.#slot(pairRaw(host, port))
    if (slot === undefined) return
    slot.pairKey = key
    slot.pairHost = canonical
  }

  /** The key of an address string seen before, or undefined (counted as a miss). */
  address(raw: string): string | undefined {
    const key = this.#addresses.get(raw)
    if (key !== undefined) {
      this.#hits++
      return key
    }
    const cached = this.#cache?.get(raw)?.addressKey
    if (cached === undefined) {
      this.#misses++
      return undefined
    }
    this.#hits++
    this.#addresses.set(raw, cached)
    return cached
  }

  /** Remember the key of an address string. */
  setAddress(raw: string, key: string, canonical: string): void {
    const slot = this.#slot(raw)
    if (slot === undefined) return
    slot.addressKey = key
    slot.addressHost = canonical
  }

  /** The LRU's slot for a raw string, made (or refreshed) as the most recent; undefined when the memo is off. */
  #slot(raw: string): Slot | undefined {
    const cache = this.#store()
    if (cache === undefined) return undefined
    let slot = cache.get(raw)
    if (slot === undefined) {
      slot = { pairKey: undefined, pairHost: undefined, addressKey: undefined, addressHost: undefined }
      cache.set(raw, slot)
    }
    return slot
  }

  /** Take a slot that leaves the LRU out of the front index too. */
  #forget(slot: Slot, raw: string): void {
    if (slot.addressKey !== undefined) this.#addresses.delete(raw)
    if (slot.pairKey === undefined) return
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
    const doomed: string[] = []
    for (const [raw, slot] of this.#cache.entries()) {
      if (
        (slot.pairHost !== undefined && affected.has(slot.pairHost)) ||
        (slot.addressHost !== undefined && affected.has(slot.addressHost))
      ) {
        doomed.push(raw)
      }
    }
    for (const raw of doomed) this.#cache.delete(raw)
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
