/**
 * What the client adapters (`canonical-node-key/ioredis`, `canonical-node-key/node-redis`) share: reading
 * their arguments, mapping one address through a keyer, and reducing a seed list to one endpoint a node.
 */
import {
  type AddressInput,
  type AddressKeyer,
  callback,
  canonicalNodeKey,
  type Endpoint,
  endpointOf,
  isNodeKeyError,
  type NodeKey,
  type NodeKeyError,
  preview,
  readOptions,
} from '../key/internal.js'

/**
 * Options of the address-map adapters (`ioredisNatMap`, `nodeRedisAddressMap`).
 * @category Adapters
 */
export interface AddressMapOptions {
  /**
   * Called with the address the client passed and the keyer's error whenever the keyer refuses an address
   * (Redis's empty-host `:7002`, "the node you asked", is one the client cannot tell the origin of). The
   * address then maps to nothing and the client dials it as it is. Called on every refusal, so once per
   * topology refresh for an address that stays in the topology.
   * @defaultValue none: refusals are silent
   */
  onInvalid?: ((address: string, error: NodeKeyError) => void) | undefined
}

/** The keyer argument, or the default keyer; a TypeError naming `name` for anything but a function. */
export const readKeyer = (keyer: unknown, name: string): AddressKeyer => {
  if (keyer === undefined) return canonicalNodeKey
  if (typeof keyer !== 'function') {
    throw new TypeError(
      `Expected the keyer of ${name} to be a keyer function (createNodeKeyer()) or undefined, got ${preview(keyer)}.`,
    )
  }
  return keyer as AddressKeyer
}

/** The rules of {@link AddressMapOptions}. */
const ADDRESS_MAP_OPTION_RULES = {
  onInvalid: /* @__PURE__ */ callback<(address: string, error: NodeKeyError) => void>('a function'),
}

/** The `onInvalid` option, checked. */
export const readOnInvalid = (
  options: unknown,
  name: string,
): ((address: string, error: NodeKeyError) => void) | undefined =>
  readOptions(options, name, ADDRESS_MAP_OPTION_RULES).onInvalid

/** The endpoint a keyer gives an address, in one trip through it; a fresh object, which clients may amend. */
export const endpointThrough = (keyer: AddressKeyer, address: unknown): Endpoint => {
  const { host, port } = endpointOf(keyer, address, undefined, false)
  return { host, port }
}

/**
 * A function from the address string a client passes to the canonical endpoint to dial, or `undefined` when
 * the keyer refuses it (reported to `onInvalid`). Other errors (a bug in a resolver) are thrown on.
 */
export const addressMapper = (
  keyer: AddressKeyer,
  onInvalid: ((address: string, error: NodeKeyError) => void) | undefined,
): ((address: string) => Endpoint | undefined) => {
  return (address) => {
    try {
      return endpointThrough(keyer, address)
    } catch (error) {
      if (!isNodeKeyError(error)) throw error
      onInvalid?.(address, error)
      return undefined
    }
  }
}

/**
 * The seeds as canonical endpoints, the first spelling of each node kept and the others dropped, in the
 * order given. A seed the keyer refuses throws its error: seeds are configuration, and a typo must not pass.
 */
export const uniqueEndpoints = (seeds: unknown, keyer: AddressKeyer, name: string): Endpoint[] => {
  if (
    typeof seeds !== 'object' ||
    seeds === null ||
    typeof (seeds as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError(`Expected the seeds of ${name} to be an array of addresses, got ${preview(seeds)}.`)
  }
  const seen = new Set<NodeKey>()
  const endpoints: Endpoint[] = []
  for (const seed of seeds as Iterable<AddressInput>) {
    const { key, host, port } = endpointOf(keyer, seed, undefined, false)
    if (seen.has(key)) continue
    seen.add(key)
    endpoints.push({ host, port })
  }
  if (endpoints.length === 0) {
    throw new TypeError(`Expected at least one seed address for ${name}, got none.`)
  }
  return endpoints
}
