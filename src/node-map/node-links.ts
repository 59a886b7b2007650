/**
 * The links of a `NodeMap`: addresses declared to be another entry's node (`NodeMap.link`), held as
 * the address's key pointing at the entry's key.
 */
import type { NodeKey } from '../key/internal.js'

interface Link<S> {
  target: NodeKey
  /** How the address was spelled, kept so that the map can key it again when its keyer's answers change. */
  readonly spelling: S
}

/**
 * A table of links from one key (the source: a linked address's own key) to another (the target: the key
 * of the entry the address finds), each with the spelling it was made by. A target is never a source, so a
 * key is followed one step at most: linking a source moves the links that pointed at it on to the new
 * target. A target keeps its newest `maxPerTarget` links; linking one more drops the oldest.
 *
 * The table knows nothing of entries: the map drops a target's links ({@link NodeLinks.dropTo}) when the
 * last trace of the target leaves, and takes them all out to key them again when its keyer's answers change.
 *
 * @typeParam S - what the map keeps of a linked address's spelling; opaque here.
 */
export class NodeLinks<S> {
  readonly #maxPerTarget: number
  /** Source to link, in the order the sources were first linked; re-keying files them again in this order. */
  readonly #links = new Map<NodeKey, Link<S>>()
  /** Target to its sources, oldest first. */
  readonly #sources = new Map<NodeKey, NodeKey[]>()

  constructor(maxPerTarget: number) {
    this.#maxPerTarget = maxPerTarget
  }

  /** The number of links. */
  get size(): number {
    return this.#links.size
  }

  /** The key a lookup of `key` lands on: its link's target, or `key` itself when it is not linked. */
  follow(key: NodeKey): NodeKey {
    return this.#links.size === 0 ? key : (this.#links.get(key)?.target ?? key)
  }

  /** The target `source` is linked to, or `undefined`. */
  targetOf(source: NodeKey): NodeKey | undefined {
    return this.#links.get(source)?.target
  }

  /**
   * Link `source` to `target` (not itself a source, and not `source`): an earlier link of `source` gives way,
   * and the links that pointed at `source` now point at `target`, each keeping its spelling.
   */
  link(source: NodeKey, target: NodeKey, spelling: S): void {
    const previous = this.#links.get(source)
    if (previous !== undefined) this.#unlink(source, previous.target)
    const followers = this.#sources.get(source)
    if (followers !== undefined) {
      this.#sources.delete(source)
      for (const follower of followers) {
        const link = this.#links.get(follower)
        if (link !== undefined) this.#add(follower, target, link.spelling)
      }
    }
    this.#add(source, target, spelling)
  }

  /** Drop the link of `source`, if it has one. */
  unlink(source: NodeKey): void {
    const link = this.#links.get(source)
    if (link !== undefined) this.#unlink(source, link.target)
  }

  /** Drop every link to `target`. */
  dropTo(target: NodeKey): void {
    const sources = this.#sources.get(target)
    if (sources === undefined) return
    for (const source of sources) this.#links.delete(source)
    this.#sources.delete(target)
  }

  /** Drop every link. */
  clear(): void {
    this.#links.clear()
    this.#sources.clear()
  }

  /** Every link as `[source, target, spelling]`, in the order the sources were first linked. */
  *entries(): IterableIterator<[source: NodeKey, target: NodeKey, spelling: S]> {
    for (const [source, { target, spelling }] of this.#links) yield [source, target, spelling]
  }

  /** File a link (a source already linked keeps its place in the order) and keep the target's newest ones. */
  #add(source: NodeKey, target: NodeKey, spelling: S): void {
    this.#links.set(source, { target, spelling })
    let sources = this.#sources.get(target)
    if (sources === undefined) {
      sources = []
      this.#sources.set(target, sources)
    }
    sources.push(source)
    while (sources.length > this.#maxPerTarget) {
      const dropped = sources.shift()
      if (dropped !== undefined) this.#links.delete(dropped)
    }
  }

  #unlink(source: NodeKey, target: NodeKey): void {
    this.#links.delete(source)
    const sources = this.#sources.get(target)
    if (sources === undefined) return
    const at = sources.indexOf(source)
    if (at !== -1) sources.splice(at, 1)
    if (sources.length === 0) this.#sources.delete(target)
  }
}
