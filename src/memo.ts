/**
 * The keyer's memo: raw input to key, bounded by an LRU (lru-cache), so the hot path is one string
 * concatenation and one lookup, and hostile input cannot grow memory without limit.
 */
import { LRUCache } from 'lru-cache'

/** What the memo holds for one raw input. */
export interface MemoEntry {
  readonly key: string
  /** The canonical host before the resolver ran, to drop the entries a resolver's change affects. */
  readonly host: string
  /**
   * Whether the raw input was a (host, port) pair rather than one address string: the two forms share a
   * memo, and `'redis://a' + ':' + 1` must not find the entry of the address `'redis://a:1'`.
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

/** A bounded memo; `max` 0 memoizes nothing. */
export class Memo {
  #cache: LRUCache<string, MemoEntry> | undefined
  #evictions = 0
  /** Counted by the keyer, which alone knows whether an entry answered. */
  hits = 0
  misses = 0

  constructor(max: number) {
    if (max > 0) {
      this.#cache = new LRUCache<string, MemoEntry>({
        max,
        dispose: (_value, _key, reason) => {
          if (reason === 'evict') this.#evictions++
        },
      })
    }
  }

  get(raw: string): MemoEntry | undefined {
    return this.#cache?.get(raw)
  }

  set(raw: string, entry: MemoEntry): void {
    this.#cache?.set(raw, entry)
  }

  /** Drop the entries whose canonical host (before the resolver) is one of `hosts`; all when undefined. */
  drop(hosts?: readonly string[]): void {
    if (this.#cache === undefined) return
    if (hosts === undefined) {
      this.#cache.clear()
      return
    }
    const affected = new Set(hosts)
    for (const [raw, entry] of this.#cache.entries()) {
      if (affected.has(entry.host)) this.#cache.delete(raw)
    }
  }

  /** Empty the memo; the counters go on. */
  clear(): void {
    this.#cache?.clear()
  }

  stats(): MemoStats {
    return { hits: this.hits, misses: this.misses, size: this.#cache?.size ?? 0, evictions: this.#evictions }
  }
}
