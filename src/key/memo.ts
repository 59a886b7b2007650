/**
 * The keyer's memo: raw input to answer (the key and the endpoint it stands for), stored in an LRU
 * (lru-cache) bounded twice, by `cacheSize` entries and by an estimate of the bytes they hold, so hostile
 * input cannot grow memory without limit, whatever the length of each input.
 *
 * A lookup in lru-cache costs more than a `Map.get` (it also moves the entry to the recent end of its list),
 * and finding a `(host, port)` pair there first needs the string `host + ':' + port` built and hashed. So an
 * input the LRU answers a second time is also indexed in front of it, in plain `Map`s keyed the way the input
 * arrives: `host` then `port` for a pair (no string is built on a hit, and the host string's hash is cached
 * by the engine), the raw string for one address. The front is an index into the LRU, not a second store:
 * an entry that leaves the LRU (eviction, `drop`, `clear`) leaves the front in the same call, so
 * the memo never remembers more than the LRU holds and the answers with the memo on and off stay
 * identical. The price is that a hit in the front does not refresh the entry's place in the LRU: under a
 * flood of new inputs a hot entry may be computed again once per `cacheSize` new inputs.
 *
 * Entries are also indexed by the canonical host they were read as (before the resolver), so that a
 * resolver's change drops what it touches without scanning the LRU.
 */
import { LRUCache } from 'lru-cache'
import type { NodeEndpoint } from './endpoint.js'
import type { Failure } from './errors.js'
import type { NodeKey } from './node-key.js'

/**
 * What the memo holds for one raw string. A (host, port) pair and an address string can spell the same raw
 * string (`('10.0.0.5', 7000)` and `'10.0.0.5:7000'`); each form keeps its own answer in one slot, so a client
 * that uses both does not make them evict each other.
 */
interface Slot {
  /** The answer for the raw string read as `host + ':' + port`. */
  pair: NodeEndpoint | undefined
  /** The canonical host of that pair before the resolver ran, to drop what a resolver's change affects. */
  pairHost: string | undefined
  /** The answer for the raw string read as one address. */
  address: NodeEndpoint | undefined
  /** The canonical host of that address before the resolver ran. */
  addressHost: string | undefined
}

/**
 * Counters of a keyer's memo.
 * @category Keys
 */
export interface MemoStats {
  /** Lookups answered from the memo. */
  hits: number
  /** Lookups that computed the key. */
  misses: number
  /** Entries held now. */
  size: number
  /** Entries dropped because the memo was full (in entries or in bytes). */
  evictions: number
}

/**
 * How many refusals the memo remembers, and their byte budget: inputs that are no address, so that a
 * hostile input repeated costs one lookup, not its parse (an IDNA refusal of a long name is milliseconds).
 * Kept apart from the answers, so a flood of refusals cannot push out the answers a client uses.
 */
const MAX_REFUSALS = 1024
const REFUSALS_MAX_BYTES = 2 * 1024 * 1024

/** A pair's port as the keyer accepts it for the memo: a number or a string (validated before it is set). */
export type MemoPort = number | string

/**
 * The most bytes the memo's entries may hold, by the estimate of {@link slotBytes}, which counts two bytes a
 * character (V8 stores Latin-1 strings in one, so it over-counts most input). Ordinary inputs (a few dozen
 * characters) cost under a kilobyte by that estimate, so the default 10,000 entries fit; inputs near the
 * longest accepted (1,024-character hosts, 2,048-character URLs) cost 6 to 9 kB, so about 1,500 of them fill
 * it, which holds well under 16 MB of heap (bench/memory.bench.ts).
 */
export const MEMO_MAX_BYTES = 12 * 1024 * 1024

/** Per-slot overhead in bytes: the slot, two answers, the LRU's and the indexes' share (an upper estimate). */
const SLOT_OVERHEAD = 320

/**
 * The estimated bytes of a slot: two bytes per character of the raw string and of every other string the
 * answer keeps alive (each distinct string once: the canonical host is often the servername and the host
 * dialled too), the latter counted twice because the slot may later take the other form's answer without
 * being measured again; plus a fixed overhead.
 */
const slotBytes = (
  raw: string,
  host: string | undefined,
  answer: NodeEndpoint,
  canonical: string,
): number => {
  const held = new Set<string>([answer.key, answer.host, canonical])
  if (host !== undefined) held.add(host)
  if (answer.servername !== undefined) held.add(answer.servername)
  let characters = 0
  for (const text of held) characters += text.length
  return SLOT_OVERHEAD + 2 * (raw.length + 2 * characters)
}

/** The LRU's key of a (host, port) pair. */
const pairRaw = (host: string, port: MemoPort): string => `${host}:${port}`

/** A bounded memo; `max` 0 memoizes nothing. */
export class Memo {
  #cache: LRUCache<string, Slot> | undefined
  /**
   * Front index of pairs the LRU answered: host, then port (as given: `7000` and `'7000'` apart), to the
   * answer (the key and its endpoint together, so a caller that wants where to dial asks once).
   */
  readonly pairs = new Map<string, Map<MemoPort, NodeEndpoint>>()
  /**
   * Front index of address strings the LRU answered: raw string to key. Public to the keyer, whose hot path
   * reads it without a method call (see keyer.ts); nothing outside this file writes it. It holds the key
   * itself, not the answer: on that path one property load is a fifth of the lookup's cost.
   */
  readonly addresses = new Map<string, NodeKey>()
  /** The same index to the whole answer, for `endpoint()`; filled and emptied with {@link Memo.addresses}. */
  readonly #answers = new Map<string, NodeEndpoint>()
  /** Canonical host (before the resolver) to the raw strings whose answers were read from it. */
  readonly #byHost = new Map<string, Set<string>>()
  /** Refusals, by form (`p` a pair, `a` an address) and raw string; made with the first. */
  #refusals: LRUCache<string, Failure> | undefined
  #evictions = 0
  /** Lookups answered; the keyer's hot path counts its own hits here too. */
  hits = 0
  #misses = 0

  readonly #max: number
  readonly #maxBytes: number

  constructor(max: number, maxBytes = MEMO_MAX_BYTES) {
    this.#max = max
    this.#maxBytes = maxBytes
  }

  /**
   * The LRU, made on the first `set`: lru-cache allocates its arrays for `max` entries up front (about a
   * millisecond for the default 10,000), which the default keyer would otherwise pay at import time.
   */
  #store(): LRUCache<string, Slot> | undefined {
    if (this.#cache === undefined && this.#max > 0) {
      this.#cache = new LRUCache<string, Slot>({
        max: this.#max,
        maxSize: this.#maxBytes,
        dispose: (slot, raw, reason) => {
          if (reason === 'evict') this.#evictions++
          this.#forget(slot, raw)
        },
      })
    }
    return this.#cache
  }

  /**
   * The answer for a (host, port) pair seen before, its refusal if it was refused, or undefined (counted as
   * a miss: the caller computes it).
   */
  pair(host: string, port: MemoPort): NodeEndpoint | Failure | undefined {
    const known = this.pairs.get(host)?.get(port)
    if (known !== undefined) {
      this.hits++
      return known
    }
    const raw = pairRaw(host, port)
    const answer = this.#cache?.get(raw)?.pair
    if (answer === undefined) return this.#refusal(`p${raw}`)
    this.hits++
    // Seen twice: worth indexing for the hot path.
    let ports = this.pairs.get(host)
    if (ports === undefined) {
      ports = new Map()
      this.pairs.set(host, ports)
    }
    ports.set(port, answer)
    return answer
  }

  /** Remember the answer for a (host, port) pair whose host reads as `canonical` before the resolver. */
  setPair(host: string, port: MemoPort, answer: NodeEndpoint, canonical: string): void {
    const raw = pairRaw(host, port)
    const slot = this.#slot(raw, host, answer, canonical)
    if (slot === undefined) return
    if (slot.pairHost !== undefined && slot.pairHost !== canonical) this.#unindex(slot.pairHost, raw)
    slot.pair = answer
    slot.pairHost = canonical
    this.#index(canonical, raw)
  }

  /** The answer for an address string seen before, its refusal, or undefined (counted as a miss). */
  address(raw: string): NodeEndpoint | Failure | undefined {
    const known = this.#answers.get(raw)
    if (known !== undefined) {
      this.hits++
      return known
    }
    const cached = this.#cache?.get(raw)?.address
    if (cached === undefined) return this.#refusal(`a${raw}`)
    this.hits++
    this.#answers.set(raw, cached)
    this.addresses.set(raw, cached.key)
    return cached
  }

  /** Remember the answer for an address string whose host reads as `canonical` before the resolver. */
  setAddress(raw: string, answer: NodeEndpoint, canonical: string): void {
    const slot = this.#slot(raw, undefined, answer, canonical)
    if (slot === undefined) return
    if (slot.addressHost !== undefined && slot.addressHost !== canonical) this.#unindex(slot.addressHost, raw)
    slot.address = answer
    slot.addressHost = canonical
    this.#index(canonical, raw)
  }

  /** Remember that a (host, port) pair is no address. */
  refusePair(host: string, port: MemoPort, failure: Failure): void {
    this.#refuse(`p${pairRaw(host, port)}`, failure)
  }

  /** Remember that a string is no address. */
  refuseAddress(raw: string, failure: Failure): void {
    this.#refuse(`a${raw}`, failure)
  }

  /** A remembered refusal (a hit), or undefined (a miss). */
  #refusal(key: string): Failure | undefined {
    const failure = this.#refusals?.get(key)
    if (failure === undefined) this.#misses++
    else this.hits++
    return failure
  }

  #refuse(key: string, failure: Failure): void {
    if (this.#max === 0) return
    this.#refusals ??= new LRUCache<string, Failure>({
      max: Math.min(this.#max, MAX_REFUSALS),
      maxSize: REFUSALS_MAX_BYTES,
    })
    const size = SLOT_OVERHEAD + 2 * (key.length + failure.message.length)
    if (size <= REFUSALS_MAX_BYTES) this.#refusals.set(key, failure, { size })
  }

  /** The LRU's slot for a raw string, made (or refreshed) as the most recent; undefined when the memo is off. */
  #slot(raw: string, host: string | undefined, answer: NodeEndpoint, canonical: string): Slot | undefined {
    const cache = this.#store()
    if (cache === undefined) return undefined
    let slot = cache.get(raw)
    if (slot === undefined) {
      const size = slotBytes(raw, host, answer, canonical)
      // An input too big for the whole budget is not remembered (lru-cache would refuse it anyway).
      if (size > this.#maxBytes) return undefined
      slot = { pair: undefined, pairHost: undefined, address: undefined, addressHost: undefined }
      cache.set(raw, slot, { size })
    }
    return slot
  }

  #index(canonical: string, raw: string): void {
    let raws = this.#byHost.get(canonical)
    if (raws === undefined) {
      raws = new Set()
      this.#byHost.set(canonical, raws)
    }
    raws.add(raw)
  }

  #unindex(canonical: string, raw: string): void {
    const raws = this.#byHost.get(canonical)
    if (raws === undefined) return
    raws.delete(raw)
    if (raws.size === 0) this.#byHost.delete(canonical)
  }

  /** Take a slot that leaves the LRU out of the front and host indexes too. */
  #forget(slot: Slot, raw: string): void {
    if (slot.addressHost !== undefined) this.#unindex(slot.addressHost, raw)
    if (slot.pairHost !== undefined) this.#unindex(slot.pairHost, raw)
    if (slot.address !== undefined) {
      this.addresses.delete(raw)
      this.#answers.delete(raw)
    }
    if (slot.pair === undefined) return
    // Valid ports are digits, so the last colon splits the LRU's key into the host and the port text.
    const colon = raw.lastIndexOf(':')
    const host = raw.slice(0, colon)
    const ports = this.pairs.get(host)
    if (ports === undefined) return
    const text = raw.slice(colon + 1)
    ports.delete(text)
    // The number spelled the same way shares the LRU's key (`7000` and `'7000'`; not `'07000'`).
    const number = Number(text)
    if (String(number) === text) ports.delete(number)
    if (ports.size === 0) this.pairs.delete(host)
  }

  /**
   * Drop the entries whose canonical host (before the resolver) is one of `hosts`; all when undefined. Costs
   * what it drops: the entries are found through the index by host, not by scanning the LRU.
   */
  drop(hosts?: readonly string[]): void {
    if (this.#cache === undefined) return
    if (hosts === undefined) {
      this.clear()
      return
    }
    for (const host of hosts) {
      const raws = this.#byHost.get(host)
      if (raws === undefined) continue
      // Deleting a slot unindexes it from this very set: iterate over a copy.
      for (const raw of [...raws]) this.#cache.delete(raw)
    }
  }

  /** Empty the memo; the counters go on. */
  clear(): void {
    this.pairs.clear()
    this.addresses.clear()
    this.#answers.clear()
    this.#refusals?.clear()
    this.#byHost.clear()
    this.#cache?.clear()
  }

  /** How many canonical hosts the host index holds (for tests of its bound). */
  get indexedHosts(): number {
    return this.#byHost.size
  }

  stats(): MemoStats {
    return {
      hits: this.hits,
      misses: this.#misses,
      size: this.#cache?.size ?? 0,
      evictions: this.#evictions,
    }
  }
}
