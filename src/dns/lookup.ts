/**
 * How the DNS table asks for a name: the {@link DnsLookup} contract, and the two default lookups built on
 * node:dns (the system's `dns.lookup`, or a `Resolver` asking given servers for A and AAAA records with their
 * TTLs). The table itself (TTLs, identity, refresh, failures) is in dns.ts; this file only talks to node:dns.
 */
import { preview, requireModule } from '../key/internal.js'

/**
 * Which addresses give a name its identity: IPv4 only, IPv6 only, or both (IPv4 preferred).
 *
 * @category DNS
 */
export type DnsFamily = 4 | 6 | 'any'

/**
 * One address of a lookup's answer.
 *
 * @example
 * ```ts
 * const answer: DnsAddress[] = [{ address: 'fd00::5', ttl: 60 }, { address: '10.0.0.5', ttl: 60 }]
 * const dns = createDnsTable({ lookup: () => answer })
 * await dns.prime(['redis-1.internal']) // ['10.0.0.5']: IPv4 before IPv6
 * ```
 * @category DNS
 */
export interface DnsAddress {
  /** An IPv4 or IPv6 address in any textual form; it is canonicalized. */
  address: string
  /**
   * Seconds the address may be cached (the record's TTL, RFC 1035 section 3.2.1); missing: the
   * resolver's `defaultTtl`.
   */
  ttl?: number | undefined
}

/**
 * What a {@link DnsLookup} is called with.
 *
 * @example
 * ```ts
 * const servers = new Resolver() // from 'node:dns/promises'
 * const lookup: DnsLookup = async (hostname, { family }: DnsLookupOptions) =>
 *   family === 6 ? servers.resolve6(hostname, { ttl: true }) : servers.resolve4(hostname, { ttl: true })
 * const dns = createDnsTable({ lookup, family: 4 })
 * ```
 * @category DNS
 */
export interface DnsLookupOptions {
  /** The family asked for; addresses of another family in the answer are ignored. */
  family: DnsFamily
  /** Aborted when the lookup times out, its name leaves the table, or the resolver is closed. */
  signal: AbortSignal
}

/**
 * Looks up one name. Resolves to its addresses with their TTLs; an empty array, or a rejection whose
 * `code` is `'ENOTFOUND'` or `'ENODATA'` (node:dns's codes for NXDOMAIN and "no records"), means the name
 * has no address (cached for `negativeTtl`); any other rejection is a failure of the lookup (the last
 * answer is kept for `staleIfError`).
 *
 * @example
 * ```ts
 * const table = new Map<string, DnsAddress[]>([['redis-1.internal', [{ address: '10.0.0.5', ttl: 60 }]]])
 * const lookup: DnsLookup = (hostname) => table.get(hostname) ?? [] // []: the name has no address
 * const dns = createDnsTable({ lookup })
 * ```
 * @category DNS
 */
export type DnsLookup = (
  hostname: string,
  options: DnsLookupOptions,
) => Promise<readonly DnsAddress[]> | readonly DnsAddress[]

/** A default lookup and how to cancel what it has in flight. */
export interface DefaultLookup {
  lookup: DnsLookup
  cancel(): void
}

const errorCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code

/** Whether a lookup's rejection says the name has no address (an answer), rather than that it failed. */
export const isNotFound = (error: unknown): boolean => {
  const code = errorCode(error)
  return code === 'ENOTFOUND' || code === 'ENODATA'
}

/** An error with a node:dns style `code`. */
export const codedError = (code: string, message: string): Error =>
  Object.assign(new Error(message), { code })

/** What a lookup rejected with, as an error: a non-error is wrapped, with it as `cause`. */
export const asError = (value: unknown): Error =>
  value instanceof Error
    ? value
    : new Error(`The lookup failed with a non-error value: ${preview(value)}.`, { cause: value })

/**
 * node:dns, loaded when a resolver first needs its default lookup: importing the library then reads no DNS
 * module, which keeps a cold import cheap for the many users who never use DNS identity.
 */
const dnsPromises = (): typeof import('node:dns').promises =>
  (requireModule('node:dns') as typeof import('node:dns')).promises

/**
 * The system's resolver (`dns.lookup`, getaddrinfo: hosts file, search domains, nsswitch). Its answers
 * carry no TTL.
 */
export const systemLookup = (): DefaultLookup => ({
  lookup: async (hostname, { family }) =>
    await dnsPromises().lookup(hostname, { all: true, family: family === 'any' ? 0 : family }),
  // getaddrinfo runs on the thread pool and cannot be cancelled; its result is ignored after close.
  cancel: () => {},
})

/**
 * A node:dns `Resolver` asking `servers` for A (`resolve4`) and AAAA (`resolve6`) records with their TTLs.
 * `timeout` is the table's, in seconds.
 *
 * @throws TypeError when a server address is not one.
 */
export const serverLookup = (servers: readonly string[], timeout: number): DefaultLookup => {
  // c-ares retries with a growing timeout; two tries fit within the resolver's own timeout.
  const resolver = new (dnsPromises().Resolver)({
    timeout: Math.max(1, Math.floor((timeout * 1000) / 3)),
    tries: 2,
  })
  try {
    resolver.setServers(servers as string[])
  } catch (error) {
    throw new TypeError(
      `Expected \`servers\` to be DNS server addresses such as '10.0.0.2' or '127.0.0.1:5353': ${asError(error).message}`,
    )
  }
  const query = (hostname: string, family: 4 | 6): Promise<DnsAddress[]> =>
    family === 4 ? resolver.resolve4(hostname, { ttl: true }) : resolver.resolve6(hostname, { ttl: true })
  const lookup: DnsLookup = async (hostname, { family }) => {
    if (family !== 'any') return await query(hostname, family)
    const [v4, v6] = await Promise.allSettled([query(hostname, 4), query(hostname, 6)])
    // A failed half would make the answer incomplete and could move the identity to the other family:
    // that counts as a failure, so the last answer is kept (staleIfError). "No such records" is an answer.
    for (const [half, other, type, otherType, otherFamily] of [
      [v4, v6, 'A', 'AAAA', 6],
      [v6, v4, 'AAAA', 'A', 4],
    ] as const) {
      if (half.status !== 'rejected' || isNotFound(half.reason)) continue
      if (other.status === 'rejected') throw half.reason
      // Say which half failed, and that the other answered: a server that never answers one family (it
      // refuses AAAA queries, say) leaves the name unresolved under family 'any', and the fix is the option.
      const code = errorCode(half.reason)
      throw Object.assign(
        new Error(
          `The ${type} query for ${preview(hostname)} failed (${typeof code === 'string' ? code : asError(half.reason).message}) while the ${otherType} query answered ${other.value.length} address(es): an answer missing a family is not taken, so the name keeps its last identity. If the servers never answer ${type} queries, pass \`family: ${otherFamily}\`.`,
          { cause: half.reason },
        ),
        { code },
      )
    }
    if (v4.status === 'rejected' && v6.status === 'rejected') throw v4.reason
    return [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])]
  }
  return { lookup, cancel: () => resolver.cancel() }
}
