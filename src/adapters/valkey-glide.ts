/**
 * `canonical-node-key/valkey-glide`: one connection pair per node in a Valkey GLIDE client, whatever the
 * spelling.
 *
 * What GLIDE does with addresses (read from `@valkey/valkey-glide` 2.5.2, `build-ts/BaseClient.d.ts` and
 * `BaseClient.js`, `build-ts/native.d.ts`, and measured against real servers in
 * `test/integration/valkey-clients.test.ts`): the `addressResolver` option is a plain synchronous function
 * from a host and a port to a `[host, port]` pair. The client registers it with its native core when it
 * connects (`registerAddressResolver`) and removes it on `close()` or a failed connect. The core calls it,
 * on the JavaScript thread and waiting for the answer, each time it builds a connection: for every entry of
 * `addresses` at creation, and for every node of a topology refresh or a redirection it has to connect to
 * (a node has two connections, its user connection and `glide_management_connection`, and each is a call).
 * It passes the host as written in `addresses` or in the server's reply (an IPv6 address bare, `::1`) and
 * the port as a number. The answer becomes the address the core dials and keys its connections by: two
 * spellings answered alike share one node's connections, and an answer that changes moves the node to
 * new ones. An answer's IPv6 host must be bare (`[::1]` is looked up as a name, and fails). When the
 * function throws, or answers something that is not a host and a port, the core logs it and dials the
 * address it asked about (valkey-io/valkey-glide#5890 describes the Node binding, #5328 the core).
 *
 * TLS: GLIDE has no option for the name a certificate is checked against; it checks the host it dials. So a
 * node announced as `node-a.example` and answered as `10.0.0.7` fails verification unless its certificate
 * names the IP address. With the `tls` option, an address that gave a DNS name is answered by a name, and
 * GLIDE then looks the name up itself.
 *
 * What it cannot do: a redirection's target may be passed to the function twice (the second time with its
 * own answer) in GLIDE 2.5 (valkey-io/valkey-glide#6963), so a keyer's resolver must answer its own answers
 * with themselves; `loopbackResolver`, DNS and a NAT table whose values are not also its keys do. And GLIDE
 * dials every entry of `addresses` as given, aliases included, before it reads the topology: give them with
 * {@link valkeyGlideAddresses}.
 *
 * No runtime dependency on GLIDE: the types here are structural, and the tests check them against
 * `@valkey/valkey-glide`'s own `GlideClusterClientConfiguration`.
 */

import { type AddressInput, type AddressKeyer, flag, isCanonicalIp, preview } from '../key/internal.js'
import { type AddressMapOptions, adapterMap, adapterSeeds, type MappedEndpoint } from './address-map.js'

export type { AddressKeyer } from '../key/internal.js'
export type {
  AddressMapOptions,
  AnnouncedNode,
  AnnouncedTopology,
  PreferredEndpoint,
} from './address-map.js'

/**
 * The `addressResolver` function of GLIDE: from the host and port it is about to connect to, to the host
 * and port to dial and key the node's connections by.
 *
 * @example
 * ```ts
 * const resolve: ValkeyGlideAddressResolver = valkeyGlideAddressResolver()
 * resolve('LOCALHOST', 7000) // ['127.0.0.1', 7000]
 * ```
 * @category Adapters
 */
export type ValkeyGlideAddressResolver = (host: string, port: number) => [string, number]

/**
 * An entry of GLIDE's `addresses`: a host (IPv6 bare) and a port.
 * @category Adapters
 */
export interface ValkeyGlideAddress {
  /** The host, canonical: an IPv6 address bare, without brackets. */
  host: string
  /** The port. */
  port: number
}

/**
 * Options of {@link valkeyGlideAddressResolver}.
 * @category Adapters
 */
export interface ValkeyGlideAddressResolverOptions extends AddressMapOptions {
  /**
   * Whether the client connects with TLS (`useTLS`) to servers whose certificates name their DNS names only.
   * An address that gave a DNS name (or, from `topology`, a node that announces a hostname) is then answered
   * by that name instead of the IP address the keyer's resolver gives it, since GLIDE checks the certificate
   * against the host it dials. The price: a node spelled by name and by IP address is then two keys. Leave
   * it off when the certificates name the IP addresses too.
   *
   * A name is answered only where the keyer's resolver kept its port: when the resolver moves the port too (a NAT table's `node-a.example:6380` → `203.0.113.7:16380`), `node-a.example:16380` would
   * be neither endpoint, so the resolver's endpoint is answered and GLIDE cannot check that node by name.
   * With `preferredEndpoint: 'ip'` it is refused: GLIDE would have to dial the IP address and check a name.
   * @defaultValue `false`
   */
  tls?: boolean | undefined
}

/**
 * Options of {@link valkeyGlideAddresses}.
 * @category Adapters
 */
export interface ValkeyGlideAddressesOptions {
  /** As {@link ValkeyGlideAddressResolverOptions.tls}: a seed that gave a DNS name keeps it. */
  tls?: boolean | undefined
}

const TLS_RULE = /* @__PURE__ */ flag(false)

/**
 * The host to answer for an endpoint: under TLS, its name when it is dialled at an IP address and the name
 * was given at the port the endpoint keeps (`samePort`), else the endpoint's host. A resolver that moved the
 * port too (a NAT table) would make the name at the new port reach neither endpoint.
 */
const hostFor = (endpoint: MappedEndpoint, tls: boolean, samePort: boolean): string =>
  tls && samePort && endpoint.servername !== undefined && isCanonicalIp(endpoint.host)
    ? endpoint.servername
    : endpoint.host

/**
 * An `addressResolver` for GLIDE (`@valkey/valkey-glide` 2.5 and later, `GlideClusterClient` and
 * `GlideClient`): every spelling of a node answers its canonical endpoint, through `keyer` (its resolver:
 * the loopback policy, NAT tables, DNS), so GLIDE keys one node's connections one way however the seeds,
 * the topology replies and the redirections spell it. An address the keyer refuses (Redis's empty host)
 * is answered as it was asked, so GLIDE dials it as it is, and reported to `onInvalid`.
 *
 * The answer is synchronous, as GLIDE requires: a keyer whose resolver looks names up (`createDnsTable`)
 * answers from what it has already learnt.
 *
 * @param keyer - The keyer; default `canonicalNodeKey` (`localhost`, and names under `.localhost`, are
 * `127.0.0.1`).
 * @throws TypeError for a keyer that is not a function, a bad option, or `preferredEndpoint` without
 * `topology`; the function it returns throws a TypeError for a host that is not a string (GLIDE then
 * dials the address it asked about).
 * @example
 * ```ts
 * import { GlideClusterClient } from '@valkey/valkey-glide'
 * import { createNodeKeyer, loopbackResolver } from 'canonical-node-key'
 * import { valkeyGlideAddresses, valkeyGlideAddressResolver } from 'canonical-node-key/valkey-glide'
 *
 * const keyer = createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
 * const client = await GlideClusterClient.createClient({
 *   addresses: valkeyGlideAddresses(['LOCALHOST:7000', '127.0.0.1:7000', '[::1]:7001'], keyer),
 *   addressResolver: valkeyGlideAddressResolver(keyer, { onInvalid: (address, e) => console.warn(address, e.message) }),
 * })
 *
 * // TLS with certificates that name the nodes' DNS names: names stay names.
 * const secure = await GlideClusterClient.createClient({
 *   addresses: valkeyGlideAddresses(['node-a.example:6380'], keyer, { tls: true }),
 *   addressResolver: valkeyGlideAddressResolver(keyer, { tls: true }),
 *   useTLS: true,
 * })
 * ```
 * @category Adapters
 */
export const valkeyGlideAddressResolver = (
  keyer?: AddressKeyer,
  options?: ValkeyGlideAddressResolverOptions,
): ValkeyGlideAddressResolver => {
  const { map, tls, settings } = adapterMap(keyer, options, 'valkeyGlideAddressResolver', TLS_RULE)
  if (tls && settings.preferredEndpoint === 'ip') {
    throw new TypeError(
      "Expected `preferredEndpoint` of valkeyGlideAddressResolver not to be 'ip' with `tls`: GLIDE checks a node's certificate against the host it dials, so under TLS a node announcing a hostname is dialled by that name.",
    )
  }
  return (host, port) => {
    if (typeof host !== 'string') {
      throw new TypeError(
        `Expected the host given to valkeyGlideAddressResolver's function to be a string, got ${preview(host)}.`,
      )
    }
    // GLIDE passes IPv6 bare; the address string brackets it, so its last colon is not read as the port's.
    const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
    const endpoint = map(`${bracketed}:${String(port)}`)
    if (endpoint === undefined) return [host, port]
    return [hostFor(endpoint, tls, endpoint.port === port), endpoint.port]
  }
}

/**
 * GLIDE `addresses` from seeds in any spelling: canonical `{ host, port }` objects, one per node (the first
 * spelling of a node kept), in the order given. GLIDE connects to every entry it is given before it reads
 * the topology, so two spellings of one node would cost a connection pair each.
 *
 * @param keyer - The keyer; use the one given to {@link valkeyGlideAddressResolver}. Default
 * `canonicalNodeKey`.
 * @throws The keyer's `NodeKeyError` for a seed that is not an address; TypeError for no seeds at all or a
 * bad option.
 * @example
 * ```ts
 * valkeyGlideAddresses(['LOCALHOST:7000', 'valkey://127.0.0.1:7000', '[::1]:7001'])
 * // [{ host: '127.0.0.1', port: 7000 }, { host: '::1', port: 7001 }]
 * valkeyGlideAddresses(['node-a.localhost:6380'], undefined, { tls: true })
 * // [{ host: 'node-a.localhost', port: 6380 }]
 * ```
 * @category Adapters
 */
export const valkeyGlideAddresses = (
  seeds: Iterable<AddressInput>,
  keyer?: AddressKeyer,
  options?: ValkeyGlideAddressesOptions,
): ValkeyGlideAddress[] => {
  const {
    endpoints,
    tls,
    keyer: through,
  } = adapterSeeds(seeds, keyer, options, 'valkeyGlideAddresses', TLS_RULE)
  // A seed's name kept its port when, at the endpoint's port, it keys to the same node.
  const samePort = ({ host, port, servername }: MappedEndpoint): boolean => {
    try {
      return servername !== undefined && through({ host: servername, port }) === through({ host, port })
    } catch {
      return false
    }
  }
  return endpoints.map((endpoint) => ({
    host: hostFor(endpoint, tls, samePort(endpoint)),
    port: endpoint.port,
  }))
}
