/**
 * `canonical-node-key`: the key alone. One canonical key for every spelling of a node's address, the
 * resolvers that set the identity policy, and the parsers, predicates and errors around them. The products
 * built on the key have entries of their own: `canonical-node-key/node-map`, `/dns`, `/topology`,
 * `/ioredis` and `/node-redis`.
 */
export {
  type AddressInput,
  type Endpoint,
  formatNodeKey,
  isNodeKey,
  type ParseAddressOptions,
  parseAddress,
  parseNodeKey,
} from './key/address.js'
export type { DialTarget, NodeEndpoint } from './key/endpoint.js'
export {
  type FailureReason,
  InvalidHostError,
  InvalidPortError,
  isNodeKeyError,
  NodeKeyError,
} from './key/errors.js'
export { canonicalHost, type HostOptions, isValidHost } from './key/host.js'
export {
  type AddressKeyer,
  canonicalNodeKey,
  createNodeKeyer,
  type KeyerOptions,
  type KeyFunction,
  type NodeKeyer,
} from './key/keyer.js'
export type { MemoStats } from './key/memo.js'
export type { NodeKey } from './key/node-key.js'
export { isValidPort, parsePort } from './key/port.js'
export { type AddressRange, addressRange } from './key/range.js'
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
} from './key/resolver.js'
