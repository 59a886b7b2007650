/**
 * `canonical-node-key/ring`: a ketama-compatible consistent-hash ring over canonical node keys, so every
 * process of a fleet places a key on the same server however its configuration spells the servers.
 */
export { NodeRingError, type NodeRingErrorReason } from './errors.js'
export {
  createNodeRing,
  type NodeRing,
  type NodeRingOptions,
  type RingServer,
  type RingServerInput,
} from './ring.js'
