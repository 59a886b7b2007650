/**
 * Re-keying a NodeMap, as a pure function: given its entries, its creations in flight and its links, and how
 * to key a spelling now, it says where each goes. It changes nothing; the map applies the outcome. The rules
 * are the ones NodeMap's class documentation promises:
 *
 * - an entry keeps its key while one of its spellings (its own, or a link's to it) still gives it, else
 *   moves to the key its first spelling gives now; with no spelling that keys, it leaves;
 * - when entries come to one key, the oldest (filed first) stays and takes the others' spellings;
 * - a creation in flight moves with its spellings; one that comes to another creation's key joins it;
 * - a link follows its target, and is dropped when its target left or when its address now keys to a node
 *   the map holds on its own.
 *
 * Only touched spellings are keyed again (`touched`: those whose host a change named; all of them without
 * it): an entry or a creation none of whose spellings is touched keeps its key without a call to the keyer.
 */
import type { NodeKey } from '../key/internal.js'
import type { Spelling } from './spellings.js'

/** An entry as re-keying sees it. */
export interface RekeyEntry<V> {
  readonly key: NodeKey
  readonly value: V
  /** When it was filed: the older of two entries that come to one key stays. */
  readonly born: number
  readonly spellings: readonly Spelling[]
}

/** A creation in flight as re-keying sees it. */
export interface RekeyCreation {
  readonly key: NodeKey
  readonly spellings: readonly Spelling[]
}

/** A link: the address spelled `spelling`, whose own key is `source`, finds the entry under `target`. */
export interface RekeyLink {
  readonly source: NodeKey
  readonly target: NodeKey
  readonly spelling: Spelling
}

export interface RekeyInput<V, E extends RekeyEntry<V>, C extends RekeyCreation> {
  /** The entries, in the map's order. */
  readonly entries: readonly E[]
  /** The creations in flight, in the order they were filed. */
  readonly creations: readonly C[]
  /** The links, in the order they were made. */
  readonly links: readonly RekeyLink[]
  /** A spelling's key now; `undefined` when it no longer keys. */
  readonly keyOf: (spelling: Spelling) => NodeKey | undefined
  /** Whether a spelling's key may have changed; absent: every spelling's may. */
  readonly touched?: ((spelling: Spelling) => boolean) | undefined
}

export interface RekeyOutcome<V, E extends RekeyEntry<V>, C extends RekeyCreation> {
  /** The entries that stay, in the map's order, each with its key now and the spellings it takes over. */
  readonly entries: readonly { entry: E; key: NodeKey; joined: readonly Spelling[] }[]
  /** Entries that left and whose value is not one that stays: to be disposed (reason `'rekeyed'`). */
  readonly departed: readonly E[]
  /** Whether anything moved, joined or left: when not, the map may keep what it has. */
  readonly changed: boolean
  /** The creations that stay, in their order, each with its key now. */
  readonly creations: readonly { creation: C; key: NodeKey }[]
  /** Creations that no longer own a key: joined into another (`into`), or keyless (`key` undefined). */
  readonly cancelled: readonly { creation: C; key: NodeKey | undefined; into: C | undefined }[]
  /** The links that stay, in their order, with their source's key now. */
  readonly links: readonly RekeyLink[]
  /** Every spelling keyed again, with the key it gives now: for the map to note in `Spelling.key`. */
  readonly keys: ReadonlyMap<Spelling, NodeKey | undefined>
}

/** See the module documentation. */
export const rekey = <V, E extends RekeyEntry<V>, C extends RekeyCreation>(
  input: RekeyInput<V, E, C>,
): RekeyOutcome<V, E, C> => {
  const { keyOf, touched } = input
  const isTouched = (spelling: Spelling): boolean => touched === undefined || touched(spelling)
  const keys = new Map<Spelling, NodeKey | undefined>()
  /** A spelling's key now: keyed again once if touched, else the key it gave before. */
  const keyNowOf = (spelling: Spelling): NodeKey | undefined => {
    if (!isTouched(spelling)) return spelling.key
    if (keys.has(spelling)) return keys.get(spelling)
    const key = keyOf(spelling)
    keys.set(spelling, key)
    return key
  }
  // The spellings links give their targets count as the targets' own.
  const linked = new Map<NodeKey, Spelling[]>()
  for (const { target, spelling } of input.links) {
    const list = linked.get(target)
    if (list === undefined) linked.set(target, [spelling])
    else list.push(spelling)
  }
  /**
   * The key now: the current one while a spelling (its own, or a link's to it) still gives it, else the
   * first spelling's. A record none of whose spellings is touched keeps its key.
   */
  const keyNow = (current: NodeKey, spellings: readonly Spelling[]): NodeKey | undefined => {
    const links = linked.get(current) ?? []
    if (!spellings.some(isTouched) && !links.some(isTouched)) return current
    let first: NodeKey | undefined
    for (const spelling of spellings) {
      const key = keyNowOf(spelling)
      if (key === current) return current
      first ??= key
    }
    for (const spelling of links) {
      const key = keyNowOf(spelling)
      if (key === current) return current
      first ??= key
    }
    return first
  }

  // Entries: each one's key now, then one owner per key, the oldest.
  let changed = false
  const departed: E[] = []
  const groups = new Map<NodeKey, E[]>()
  for (const entry of input.entries) {
    const key = keyNow(entry.key, entry.spellings)
    if (key !== entry.key) changed = true
    if (key === undefined) {
      departed.push(entry)
      continue
    }
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [entry])
    else group.push(entry)
  }
  const owners = new Map<E, { key: NodeKey; joined: Spelling[] }>()
  /** Each key an entry held before, to the key its node is held under now (absent: it left). */
  const moved = new Map<NodeKey, NodeKey>()
  for (const [key, group] of groups) {
    group.sort((a, b) => a.born - b.born)
    const [owner, ...others] = group as [E, ...E[]]
    const joined: Spelling[] = []
    moved.set(owner.key, key)
    for (const other of others) {
      changed = true
      joined.push(...other.spellings)
      moved.set(other.key, key)
      if (!Object.is(owner.value, other.value)) departed.push(other)
    }
    owners.set(owner, { key, joined })
  }
  const entries: { entry: E; key: NodeKey; joined: readonly Spelling[] }[] = []
  for (const entry of input.entries) {
    const owned = owners.get(entry)
    if (owned !== undefined) entries.push({ entry, ...owned })
  }
  const held = new Set(groups.keys())

  // Creations: move with their spellings, in the order they were filed; one that comes to a key an earlier
  // one holds now joins it.
  const creations: { creation: C; key: NodeKey }[] = []
  const cancelled: { creation: C; key: NodeKey | undefined; into: C | undefined }[] = []
  const byKey = new Map<NodeKey, C>()
  for (const creation of input.creations) {
    const key = keyNow(creation.key, creation.spellings)
    if (key !== creation.key) changed = true
    // A link to a key that held both an entry and a creation follows the entry.
    if (key !== undefined && !moved.has(creation.key)) moved.set(creation.key, key)
    const first = key === undefined ? undefined : byKey.get(key)
    if (key === undefined || first !== undefined) {
      cancelled.push({ creation, key, into: first })
      changed = true
      continue
    }
    byKey.set(key, creation)
    creations.push({ creation, key })
  }
  for (const { key } of creations) held.add(key)

  // Links: follow their targets; one whose address now keys to a node held here on its own is dropped.
  const links: RekeyLink[] = []
  const sources = new Set<NodeKey>()
  for (const link of input.links) {
    const target = moved.get(link.target)
    if (target === undefined || !held.has(target)) {
      changed = true
      continue
    }
    const source = isTouched(link.spelling) ? keyNowOf(link.spelling) : link.source
    if (source === undefined || source === target || sources.has(source) || held.has(source)) {
      changed = true
      continue
    }
    if (source !== link.source || target !== link.target) changed = true
    sources.add(source)
    links.push({ source, target, spelling: link.spelling })
  }
  return { entries, departed, changed, creations, cancelled, links, keys }
}
