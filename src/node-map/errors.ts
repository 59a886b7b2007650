/** The errors of NodeMap: a creation whose key was taken away while it ran, and a refused `sync`. */
import { type NodeKey, NodeKeyError } from '../key/internal.js'

/**
 * What removed a key while its value was being created by `getOrCreateAsync`: `delete`, `clear`,
 * re-keying (the keyer's answers changed and no spelling of the creation keys any more), or `sync`: the
 * key's node left the topology (`departed`), or another node id now answers at its address (`replaced`).
 * @category NodeMap
 */
export type StaleCreationReason = 'delete' | 'clear' | 'rekeyed' | 'departed' | 'replaced'

/** How each reason ends the message of a {@link StaleCreationError}. */
const STALE_ENDINGS: Record<StaleCreationReason, string> = {
  delete: 'the key was deleted',
  clear: 'the key was cleared',
  rekeyed: 'the key was re-keyed away',
  departed: "the key's node left the topology",
  replaced: 'another node id took over its address',
}

/**
 * The rejection of a `getOrCreateAsync` whose key was deleted, cleared, re-keyed or synced away while its
 * value was being created, with nothing left in its place; the value created has been disposed with reason
 * `'stale'` (`'rekeyed'` after re-keying). `input` is the key, as is `key`.
 *
 * @example
 * ```ts
 * const pending = nodes.getOrCreateAsync('localhost:7000', connect)
 * nodes.delete('127.0.0.1:7000')
 * await pending // rejects with StaleCreationError; the connection made is disposed
 * ```
 * @category Errors
 */
export class StaleCreationError extends NodeKeyError {
  /** `'StaleCreationError'`. */
  override name = 'StaleCreationError'
  declare readonly code: 'ERR_NODE_KEY_STALE_CREATION'
  /** The key whose value was dropped. */
  readonly key: NodeKey
  /** What removed the key while the value was being created. */
  declare readonly reason: StaleCreationReason

  constructor(key: NodeKey, reason: StaleCreationReason) {
    super(
      'ERR_NODE_KEY_STALE_CREATION',
      reason,
      `The value created for ${key} was disposed: ${STALE_ENDINGS[reason]} while it was being created.`,
      key,
      { hint: 'Call getOrCreateAsync again for a new one.' },
    )
    this.key = key
  }
}

/**
 * Why `NodeMap.sync` refused its input: `empty-topology` (no node with an address, and `allowEmpty` not
 * given), `not-a-topology` (neither a topology nor an iterable of nodes), `not-a-node` (an item that is
 * neither a node nor an address), `invalid-id` (a node id that is not a non-empty string),
 * `invalid-address` (the keyer refused an address; `cause` is its error), `too-many-nodes` or
 * `too-many-addresses` (past the bounds sync reads), `unreadable` (reading the input threw).
 * @category NodeMap
 */
export type NodeMapSyncRefusal =
  | 'empty-topology'
  | 'not-a-topology'
  | 'not-a-node'
  | 'invalid-id'
  | 'invalid-address'
  | 'too-many-nodes'
  | 'too-many-addresses'
  | 'unreadable'

/**
 * The error of a `NodeMap.sync` that refused its input; the map is unchanged. `input` is the offending item,
 * and `index` its place among the nodes (`undefined` when the input as a whole was refused).
 *
 * @example
 * ```ts
 * nodes.sync([])                      // throws NodeMapSyncError, reason 'empty-topology'
 * nodes.sync([{ id: 7, key: 'a:1' }]) // throws NodeMapSyncError, reason 'invalid-id', index 0
 * ```
 * @category Errors
 */
export class NodeMapSyncError extends NodeKeyError {
  /** `'NodeMapSyncError'`. */
  override name = 'NodeMapSyncError'
  declare readonly code: 'ERR_NODE_KEY_SYNC_REFUSED'
  /** Why the input was refused. */
  declare readonly reason: NodeMapSyncRefusal
  /** The 0-based place of the offending node in the input; `undefined` for the input as a whole. */
  readonly index: number | undefined

  constructor(
    reason: NodeMapSyncRefusal,
    message: string,
    input: unknown,
    options?: { cause?: unknown; index?: number | undefined; hint?: string | undefined },
  ) {
    super('ERR_NODE_KEY_SYNC_REFUSED', reason, message, input, options)
    this.index = options?.index
  }
}
