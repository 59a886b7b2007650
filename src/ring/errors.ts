/** The error of a ring given what it cannot place keys with. */
import { NodeKeyError } from '../key/internal.js'

/**
 * Why a ring refused: a server already on it under another spelling (`duplicate-server`), a weight that
 * is not a positive finite number or weights whose sum is not finite (`invalid-weight`), a server list that
 * is not a list (`invalid-servers`), more servers than a ring holds (`too-many-servers`), a key that is not
 * a string or a `Uint8Array` (`invalid-ring-key`), or a `get` on a ring without servers (`empty-ring`).
 *
 * @example
 * ```ts
 * let reason: NodeRingErrorReason | undefined
 * try { createNodeRing([]).get('user:1') } catch (e) { if (e instanceof NodeRingError) reason = e.reason }
 * reason // 'empty-ring'
 * ```
 * @category Errors
 */
export type NodeRingErrorReason =
  | 'duplicate-server'
  | 'invalid-weight'
  | 'invalid-servers'
  | 'too-many-servers'
  | 'invalid-ring-key'
  | 'empty-ring'

/**
 * Bad input to a ring (`canonical-node-key/ring`): code `ERR_NODE_KEY_RING`, the `reason` saying which
 * rule was broken, the message what was expected. A bad server address is the keyer's own
 * `InvalidHostError` or `InvalidPortError`, as for every other entry.
 *
 * @example
 * ```ts
 * createNodeRing(['localhost:7000', '127.0.0.1:7000'])
 * // throws NodeRingError (reason 'duplicate-server'): "127.0.0.1:7000" is 127.0.0.1:7000, which is on the
 * // ring already as "localhost:7000". …
 * ```
 * @category Errors
 */
export class NodeRingError extends NodeKeyError {
  /** `'NodeRingError'`. */
  override name = 'NodeRingError'
  declare readonly code: 'ERR_NODE_KEY_RING'
  /** Which rule the input broke. */
  declare readonly reason: NodeRingErrorReason

  constructor(reason: NodeRingErrorReason, message: string, input: unknown, hint?: string) {
    super('ERR_NODE_KEY_RING', reason, message, input, hint === undefined ? undefined : { hint })
  }
}
