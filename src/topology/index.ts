/**
 * `canonical-node-key/topology`: readers of a Redis Cluster's description of itself, as a client library
 * hands the replies over (`CLUSTER SLOTS`, `CLUSTER SHARDS` on Redis 7+, `CLUSTER NODES`). Each node comes
 * back with its canonical key, through the caller's keyer, so that a client stores and looks up its
 * connections under one spelling, and with its node id, so that a client can `link()` the spellings of one
 * node.
 */
export { InvalidTopologyError } from './errors.js'
export { readClusterNodes } from './nodes.js'
export { readClusterShards } from './shards.js'
export { readClusterSlots } from './slots.js'
export type {
  ClusterNodeRole,
  ClusterTopology,
  ReadTopologyOptions,
  SlotRange,
  TopologyNode,
  UnkeyedNode,
  UnkeyedReason,
} from './types.js'
