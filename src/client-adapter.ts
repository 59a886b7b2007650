/**
 * What the client adapters (`canonical-node-key/ioredis`, `canonical-node-key/node-redis`) share: reading
 * their arguments, mapping one address through a keyer, and reducing a seed list to one endpoint a node.
 *
 * Everything with state (the default keyer and its memo) is imported from the package's main entry, not from
 * the module that defines it: the ESM build bundles the main entry into one file, and a subpath that imported
 * `./key.js` would get a second default keyer with a memo of its own.
 */
import { checkOptionNames, optionNames, preview } from './errors.js'
import {
  type AddressInput,
  type AddressKeyer,
  canonicalNodeKey,
  type Endpoint,
  isNodeKeyError,
  type NodeKey,
  type NodeKeyError,
  parseNodeKey,
} from './index.js'

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

/** The names of {@link AddressMapOptions}. */
const ADDRESS_MAP_OPTION_NAMES = /* @__PURE__ */ optionNames<AddressMapOptions>({ onInvalid: true })

/** The `onInvalid` option, checked. */
export const readOnInvalid = (
  options: unknown,
  name: string,
): ((address: string, error: NodeKeyError) => void) | undefined => {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected the options of ${name} to be an object, got ${preview(options)}.`)
  }
  checkOptionNames(options, ADDRESS_MAP_OPTION_NAMES, name)
  const { onInvalid } = options as AddressMapOptions
  if (onInvalid !== undefined && typeof onInvalid !== 'function') {
    throw new TypeError(`Expected \`onInvalid\` of ${name} to be a function, got ${preview(onInvalid)}.`)
  }
  return onInvalid
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
    let key: NodeKey
    try {
      key = keyer(address)
    } catch (error) {
      if (!isNodeKeyError(error)) throw error
      onInvalid?.(address, error)
      return undefined
    }
    // A fresh object each time: clients keep and amend what they are given.
    const { host, port } = parseNodeKey(key)
    return { host, port }
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
    const key = keyer(seed)
    if (seen.has(key)) continue
    seen.add(key)
    const { host, port } = parseNodeKey(key)
    endpoints.push({ host, port })
  }
  if (endpoints.length === 0) {
    throw new TypeError(`Expected at least one seed address for ${name}, got none.`)
  }
  return endpoints
}
