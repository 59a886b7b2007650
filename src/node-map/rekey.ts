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
  /**
   * The entries to key again: every entry with a touched spelling (its own, or a link's to it); with no
   * `touched`, every entry. Order does not matter.
   */
  readonly entries: readonly E[]
  /** The entry filed under a key before re-keying, if any (the ones not keyed again keep theirs). */
  readonly entryAt: (key: NodeKey) => E | undefined
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
  /**
   * The entries that stay and changed: each with its key now and the spellings it takes over from entries
   * that came to its key. An entry not listed here and not in `left` stays as it is.
   */
  readonly kept: readonly { entry: E; key: NodeKey; joined: readonly Spelling[] }[]
  /** The entries that leave: merged into an older one, or keyed by no spelling any more. */
  readonly left: readonly E[]
  /** Of those, the ones whose value is not one that stays: to be disposed (reason `'rekeyed'`). */
  readonly departed: readonly E[]
  /** Whether any entry moved, joined or left, or any creation or link changed. */
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
  const { keyOf, touched, entryAt } = input
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
  const none: readonly Spelling[] = []
  /**
   * The key now: the current one while a spelling (its own, or a link's to it) still gives it, else the
   * first spelling's. Every touched spelling is keyed, even after one has kept the current key: a spelling
   * not keyed now would keep a key it no longer gives, and a later change would trust it.
   */
  const keyNow = (current: NodeKey, spellings: readonly Spelling[]): NodeKey | undefined => {
    let first: NodeKey | undefined
    let stays = false
    for (const list of [spellings, linked.get(current) ?? none]) {
      for (const spelling of list) {
        const key = keyNowOf(spelling)
        if (key === current) stays = true
        first ??= key
      }
    }
    return stays ? current : first
  }

  // Entries keyed again: each one's key now, then one owner per key, the oldest, counting the entry that
  // already holds that key and is not keyed again.
  let changed = false
  const left: E[] = []
  const departed: E[] = []
  const again = new Set(input.entries)
  const groups = new Map<NodeKey, E[]>()
  for (const entry of input.entries) {
    const key = keyNow(entry.key, entry.spellings)
    if (key === undefined) {
      changed = true
      left.push(entry)
      departed.push(entry)
      continue
    }
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [entry])
    else group.push(entry)
  }
  const kept: { entry: E; key: NodeKey; joined: Spelling[] }[] = []
  /** Each key an entry held before, to the key its node is held under now (absent: it left or stayed). */
  const moved = new Map<NodeKey, NodeKey>()
  for (const [key, group] of groups) {
    const resident = entryAt(key)
    if (resident !== undefined && !again.has(resident)) group.push(resident)
    if (group.length > 1) group.sort((a, b) => a.born - b.born)
    const owner = group[0]!
    if (owner.key !== key) {
      changed = true
      moved.set(owner.key, key)
    }
    const joined: Spelling[] = []
    for (let i = 1; i < group.length; i++) {
      const other = group[i]!
      changed = true
      joined.push(...other.spellings)
      moved.set(other.key, key)
      left.push(other)
      if (!Object.is(owner.value, other.value)) departed.push(other)
    }
    if (owner.key !== key || joined.length > 0) kept.push({ entry: owner, key, joined })
  }
  const gone = new Set(left)
  /** Whether a key is held by an entry after re-keying. */
  const heldByEntry = (key: NodeKey): boolean => {
    if (groups.has(key)) return true
    const resident = entryAt(key)
    return resident !== undefined && !again.has(resident) && !gone.has(resident)
  }
  /** Where the node an old entry key stood for is held now; `undefined` when it left. */
  const entryNow = (key: NodeKey): NodeKey | undefined => {
    const to = moved.get(key)
    if (to !== undefined) return to
    const resident = entryAt(key)
    return resident === undefined || gone.has(resident) ? undefined : key
  }

  // Creations: move with their spellings, in the order they were filed; one that comes to a key an earlier
  // one holds now joins it.
  const creations: { creation: C; key: NodeKey }[] = []
  const cancelled: { creation: C; key: NodeKey | undefined; into: C | undefined }[] = []
  const byKey = new Map<NodeKey, C>()
  /** Old creation keys to their key now, for links (an entry's move wins over a creation's). */
  const creationMoved = new Map<NodeKey, NodeKey>()
  for (const creation of input.creations) {
    const spellings = creation.spellings
    const untouched = !spellings.some(isTouched) && !(linked.get(creation.key) ?? none).some(isTouched)
    const key = untouched ? creation.key : keyNow(creation.key, spellings)
    if (key !== creation.key) changed = true
    if (key !== undefined) creationMoved.set(creation.key, key)
    const first = key === undefined ? undefined : byKey.get(key)
    if (key === undefined || first !== undefined) {
      cancelled.push({ creation, key, into: first })
      changed = true
      continue
    }
    byKey.set(key, creation)
    creations.push({ creation, key })
  }
  const held = (key: NodeKey): boolean => heldByEntry(key) || byKey.has(key)

  // Links: follow their targets; one whose address now keys to a node held here on its own is dropped.
  const links: RekeyLink[] = []
  const sources = new Set<NodeKey>()
  for (const link of input.links) {
    // A link to a key that held both an entry and a creation follows the entry.
    const target = entryNow(link.target) ?? creationMoved.get(link.target)
    if (target === undefined || !held(target)) {
      changed = true
      continue
    }
    const source = isTouched(link.spelling) ? keyNowOf(link.spelling) : link.source
    if (source === undefined || source === target || sources.has(source) || held(source)) {
      changed = true
      continue
    }
    if (source !== link.source || target !== link.target) changed = true
    sources.add(source)
    links.push({ source, target, spelling: link.spelling })
  }
  // Disposed oldest first, whichever entries were keyed again.
  departed.sort((a, b) => a.born - b.born)
  return { kept, left, departed, changed, creations, cancelled, links, keys }
}
