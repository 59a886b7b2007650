/**
 * The core as the products built on it (node-map, dns, topology, the adapters, the CLI) see it: the public
 * names of the root entry, and the few internal pieces they share with it (failure values, the canonical
 * host under a policy, the options reader, quoting, the endpoint helper). A product imports the core
 * through this file alone, so the boundary is one list; in the build every product's entry loads the one
 * bundled core (`core.js` beside each build's entries), so a product and the root share one default keyer and one set of error
 * classes.
 */
export * from '../index.js'
export {
  type AddressPolicy,
  DEFAULT_ADDRESS_POLICY,
  endpointOrFailure,
  keyOrFailure,
  servernameOf,
} from './address.js'
export { endpointOf } from './endpoint.js'
export { type Failure, isFailure, messageWithHint, toError } from './errors.js'
export {
  DEFAULT_HOST_POLICY,
  hostOrFailure,
  isCanonicalIp,
  isLocalhostName,
  trimAsciiWhitespace,
} from './host.js'
export { parseIPv4, parseIPv6 } from './ip.js'
export { joinKey } from './node-key.js'
export {
  badOption,
  callback,
  flag,
  integer,
  type OptionRule,
  oneOf,
  readOptions,
  rule,
  seconds,
} from './options.js'
export { DEFAULT_PORT_RULE } from './port.js'
export { preview } from './preview.js'
export { requireModule } from './require.js'
