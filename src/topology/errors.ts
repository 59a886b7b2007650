/** The error of a topology reply that is not one. */
import { NodeKeyError } from '../key/internal.js'

/**
 * A topology reply (`CLUSTER SLOTS`, `CLUSTER SHARDS`, `CLUSTER NODES`) that does not have the shape Redis
 * documents. `input` is the offending part of the reply.
 *
 * @example
 * ```ts
 * readClusterSlots('OK') // throws InvalidTopologyError: Invalid CLUSTER SLOTS reply: Expected the reply to be an array, got "OK".
 * ```
 * @category Errors
 */
export class InvalidTopologyError extends NodeKeyError {
  /** `'InvalidTopologyError'`. */
  override name = 'InvalidTopologyError'
  /** The 1-based line of a `CLUSTER NODES` reply that is not one; `undefined` for the other replies. */
  readonly line: number | undefined
  constructor(message: string, input: unknown, options?: { cause?: unknown; line?: number | undefined }) {
    super('ERR_NODE_KEY_INVALID_TOPOLOGY', 'invalid-topology', message, input, options)
    this.line = options?.line
  }
}
