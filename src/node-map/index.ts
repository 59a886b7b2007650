/**
 * `canonical-node-key/node-map`: NodeMap, a node cache whose every method goes through one keyer, so the
 * path that stores a node and the path that looks it up cannot spell it differently.
 */
export {
  NodeMapSyncError,
  type NodeMapSyncRefusal,
  StaleCreationError,
  type StaleCreationReason,
} from './errors.js'
export {
  NodeMap,
  type NodeMapCreate,
  type NodeMapCreateAsync,
  type NodeMapDeleteOptions,
  type NodeMapDisposeReason,
  type NodeMapOptions,
  type NodeMapPort,
} from './node-map.js'
export type {
  NodeMapSyncInput,
  NodeMapSyncNode,
  NodeMapSyncOptions,
  NodeMapSyncResult,
  NodeMapTopology,
} from './sync.js'
