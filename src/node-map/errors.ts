/** The error of a creation whose key was taken away while it ran. */
import { type NodeKey, NodeKeyError } from '../key/internal.js'

/**
 * What removed a key while its value was being created by `getOrCreateAsync`: `delete`, `clear`, or
 * re-keying (the keyer's answers changed and no spelling of the creation keys any more).
 * @category NodeMap
 */
export type StaleCreationReason = 'delete' | 'clear' | 'rekeyed'

/**
 * The rejection of a `getOrCreateAsync` whose key was deleted or cleared while its value was being created,
 * with nothing left in its place; the value created has been disposed with reason `'stale'`. `input` is the
 * key, as is `key`.
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
    const what = reason === 'clear' ? 'cleared' : reason === 'rekeyed' ? 're-keyed away' : 'deleted'
    super(
      'ERR_NODE_KEY_STALE_CREATION',
      reason,
      `The value created for ${key} was disposed: the key was ${what} while it was being created.`,
      key,
      { hint: 'Call getOrCreateAsync again for a new one.' },
    )
    this.key = key
  }
}
