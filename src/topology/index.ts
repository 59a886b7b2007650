/**
 * `canonical-node-key/topology`: readers of a Redis Cluster's description of itself (`CLUSTER SLOTS`,
 * `CLUSTER SHARDS`, `CLUSTER NODES`), every node keyed through the caller's keyer.
 */
export { InvalidTopologyError } from './errors.js'
export {
  type ClusterNodeRole,
  type ClusterTopology,
  type ReadTopologyOptions,
  readClusterNodes,
  readClusterShards,
  readClusterSlots,
  type SlotRange,
  type TopologyNode,
  type UnkeyedNode,
  type UnkeyedReason,
} from './readers.js'
