/**
 * Address ranges and subnets, on ipaddr.js. Only canonical addresses reach ipaddr.js: this library's own
 * parsers (the URL Standard's steps) read every spelling first, and ipaddr.js answers what it is the right
 * tool for, the special-purpose range of an address and whether it falls in a subnet. It is loaded the first
 * time one of those questions is asked, never on the key path of a keyer without subnet rules, so importing
 * this package does not load it.
 */
import type * as IpAddr from 'ipaddr.js'
import { type Failure, fail, InvalidHostError, isFailure } from './errors.js'
import { DEFAULT_HOST_POLICY, hostOrFailure, isCanonicalIp } from './host.js'
import { portOrFailure } from './port.js'
import { preview } from './preview.js'
import { requireModule } from './require.js'

type IpAddrModule = typeof IpAddr

let ipaddr: IpAddrModule | undefined

/** ipaddr.js, loaded on first use. */
const load = (): IpAddrModule => {
  ipaddr ??= requireModule('ipaddr.js') as IpAddrModule
  return ipaddr
}

/**
 * A special-purpose address range, as ipaddr.js's `range()` names it: `unicast` for an ordinary address, else
 * `loopback`, `private` (RFC 1918), `linkLocal`, `uniqueLocal` (fc00::/7), `carrierGradeNat` (100.64.0.0/10),
 * `unspecified`, `multicast`, `broadcast`, `reserved`, `benchmarking`, `teredo`, `6to4`, and the other names
 * of its IPv4 and IPv6 special-range tables.
 * @category Addresses
 */
export type AddressRange =
  | 'unicast'
  | 'unspecified'
  | 'broadcast'
  | 'multicast'
  | 'linkLocal'
  | 'loopback'
  | 'carrierGradeNat'
  | 'private'
  | 'reserved'
  | 'uniqueLocal'
  | 'ipv4Mapped'
  | 'benchmarking'
  | 'teredo'
  | '6to4'
  | (string & {})

/** A canonical IP host (as hostOrFailure gives it) parsed by ipaddr.js, zone dropped. */
const parseCanonicalIp = (host: string): IpAddr.IPv4 | IpAddr.IPv6 => {
  const { IPv4, IPv6 } = load()
  if (!host.includes(':')) return IPv4.parse(host)
  const percent = host.indexOf('%')
  return IPv6.parse(percent === -1 ? host : host.slice(0, percent))
}

/** The canonical host of a host or a node key; a failure when it is neither. */
const hostOfHostOrKey = (input: unknown): string | Failure => {
  const host = hostOrFailure(input, DEFAULT_HOST_POLICY)
  if (!isFailure(host)) return host
  if (typeof input === 'string') {
    // Not a host: a key, `host:port` or `[v6]:port`, is the other thing accepted.
    const colon = input.lastIndexOf(':')
    let part = input.slice(0, colon)
    if (part.startsWith('[') && part.endsWith(']')) part = part.slice(1, -1)
    if (
      colon > 0 &&
      !part.includes(':') === !input.startsWith('[') &&
      !isFailure(portOrFailure(input.slice(colon + 1)))
    ) {
      const keyHost = hostOrFailure(part, DEFAULT_HOST_POLICY)
      if (!isFailure(keyHost)) return keyHost
    }
  }
  return fail(
    'host',
    host.reason,
    `Expected a host or a node key ("10.0.0.5", "::1", "10.0.0.5:7000", "[::1]:7000"), got ${preview(input)}: ${host.message}`,
  )
}

/**
 * The special-purpose range of an IP address, as ipaddr.js names it (see {@link AddressRange}); `undefined`
 * for a DNS name, which has no range until it is resolved. Takes a host in any spelling this library reads
 * (`'10.0.0.5'`, `'0xa.0.0.5'`, `'[::1]'`, `'::ffff:10.0.0.5'`, which is `10.0.0.5`) or a node key
 * (`'10.0.0.5:7000'`, `'[fe80::1%eth0]:7000'`). The address is canonicalized by this library first and only
 * then handed to ipaddr.js. Loads ipaddr.js on its first call.
 *
 * @throws {@link InvalidHostError} when the input is neither a host nor a key.
 * @example
 * ```ts
 * addressRange('172.18.0.2:7000') // 'private'
 * addressRange('[::1]:7000')      // 'loopback'
 * addressRange('fe80::1%eth0')    // 'linkLocal'
 * addressRange('8.8.8.8')         // 'unicast'
 * addressRange('redis-1.example') // undefined: a name
 * ```
 * @category Addresses
 */
export const addressRange = (hostOrKey: string): AddressRange | undefined => {
  const host = hostOfHostOrKey(hostOrKey)
  if (isFailure(host)) throw new InvalidHostError(host.reason, host.message, hostOrKey)
  if (!isCanonicalIp(host)) return undefined
  return parseCanonicalIp(host).range()
}

/** A subnet read from `'172.18.0.0/16'` or `'[fd00::]/8'`: a predicate over canonical hosts. */
export interface Subnet {
  /** The subnet as written canonically: `'172.18.0.0/16'`, `'fd00::/8'`. */
  readonly text: string
  readonly prefix: number
  /** Whether a canonical host lies in the subnet (names never do). */
  contains(host: string): boolean
}

/** Whether a string is written like a CIDR subnet (`address/prefix`), to tell it from a host or a key. */
export const looksLikeCidr = (text: string): boolean => /^[^/]+\/[0-9]*$/.test(text)

/**
 * Read `address/prefix`: the address in any spelling this library reads (canonicalized by it), the prefix
 * a decimal 0 to 32 for IPv4 or 0 to 128 for IPv6. Loads ipaddr.js. A failure says what was expected.
 */
export const subnetOrFailure = (text: string): Subnet | Failure => {
  const bad = (why: string): Failure =>
    fail(
      'host',
      'invalid-cidr',
      `Expected a subnet "address/prefix" such as "172.18.0.0/16" or "fd00::/8", got ${preview(text)}: ${why}.`,
    )
  const slash = text.lastIndexOf('/')
  const prefixText = text.slice(slash + 1)
  let address = text.slice(0, slash)
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1)
  const host = hostOrFailure(address, DEFAULT_HOST_POLICY)
  if (isFailure(host)) return bad(host.message)
  if (!isCanonicalIp(host)) return bad('the address is a name, not an IP address')
  if (host.includes('%')) return bad('a subnet has no zone')
  const max = host.includes(':') ? 128 : 32
  const prefix = Number(prefixText)
  if (!/^[0-9]{1,3}$/.test(prefixText) || prefix > max) {
    return bad(`the prefix must be a whole number from 0 to ${max}`)
  }
  const base = parseCanonicalIp(host)
  const kind = base.kind()
  return {
    text: `${host}/${prefix}`,
    prefix,
    contains: (candidate) => {
      if (!isCanonicalIp(candidate)) return false
      const ip = parseCanonicalIp(candidate)
      return ip.kind() === kind && ip.match(base, prefix)
    },
  }
}
