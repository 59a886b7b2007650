export {
  type AddressInput,
  type Endpoint,
  formatNodeKey,
  isNodeKey,
  type ParseAddressOptions,
  parseAddress,
  parseNodeKey,
  SCHEME_PORTS,
} from './address.js'
export {
  createDnsTable,
  type DnsAddress,
  type DnsChangeEvent,
  type DnsChangeReason,
  type DnsClock,
  type DnsErrorEvent,
  type DnsEvent,
  type DnsFamily,
  type DnsLookup,
  type DnsLookupOptions,
  type DnsStats,
  type DnsTable,
  type DnsTableOptions,
} from './dns.js'
export {
  type FailureReason,
  InvalidHostError,
  InvalidPortError,
  InvalidTopologyError,
  isNodeKeyError,
  NodeKeyError,
  StaleCreationError,
  type StaleCreationReason,
} from './errors.js'
export { canonicalHost, type HostOptions, isValidHost, MAX_HOST_LENGTH } from './host.js'
export {
  type AddressKeyer,
  canonicalNodeKey,
  createNodeKeyer,
  type KeyerOptions,
  type KeyFunction,
  type NodeKeyer,
} from './key.js'
export type { DialTarget, MemoStats, NodeEndpoint } from './memo.js'
export type { NodeKey } from './node-key.js'
export {
  NodeMap,
  type NodeMapCreate,
  type NodeMapCreateAsync,
  type NodeMapDisposeReason,
  type NodeMapOptions,
  type NodeMapPort,
} from './node-map.js'
export { isValidPort, parsePort } from './port.js'
export { type AddressRange, addressRange } from './range.js'
export {
  chainResolvers,
  type LoopbackResolverOptions,
  loopbackResolver,
  type Resolver,
  type ResolverChange,
  type ResolverListener,
  type StaticResolverTable,
  type StaticResolverTarget,
  staticResolver,
} from './resolver.js'
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
} from './topology.js'
