/**
 * The inputs: the mix of spellings a cluster client meets (seed lists written by people, topology replies,
 * MOVED redirects), and the valid host vectors of the web-platform-tests, read at run time from
 * test/fixtures/conformance. The mix matters: most real traffic is lowercase names and dotted IPv4, which the
 * library answers on a fast path; IPv6, zones and non-ASCII names take the full parsers, and a benchmark of
 * one kind only would hide the cost of the others.
 */
import { readFileSync } from 'node:fs'

/** A node address as a client holds it: a host and a port, both as received. */
export interface HostPort {
  host: string
  port: number
}

/** Mixed-case DNS names and `localhost`, as people write them in seed lists. */
export const NAMES: readonly string[] = [
  'localhost',
  'LOCALHOST',
  'Redis-1.Example.COM',
  'redis-2.example.com',
  'cache-3.internal',
  'NODE-7.cluster.local',
  'valkey-0.valkey-headless.default.svc.cluster.local',
  'db.prod.eu-west-1.example.net',
]

/** Dotted IPv4, as servers report themselves. */
export const IPV4: readonly string[] = [
  '127.0.0.1',
  '10.0.0.5',
  '192.168.1.20',
  '203.0.113.9',
  '172.16.254.3',
]

/** IPv6 without brackets: canonical, uncompressed, upper case, IPv4-mapped (URL can read all of these). */
export const IPV6: readonly string[] = [
  '::1',
  '2001:db8::1',
  '2001:DB8:0:0:0:0:0:1',
  '0:0:0:0:0:0:0:1',
  'fe80::1ff:fe23:4567:890a',
  '::ffff:10.0.0.5',
  '::ffff:7f00:1',
  '2001:db8:85a3::8a2e:370:7334',
]

/** IPv6 with a zone (link-local), which the URL parser refuses. */
export const ZONED: readonly string[] = ['fe80::1%eth0', 'fe80::abcd%en0', 'FE80::1%eth1']

/** Non-ASCII names (UTS #46 to punycode). */
export const UNICODE: readonly string[] = [
  'bücher.example',
  'ÉXAMPLE.com',
  'faß.de',
  '例え.テスト',
  'münchen.cache.local',
]

/**
 * Every spelling of the cluster: names, IPv4, IPv6 bare and bracketed, IPv4-mapped and zoned (bare with `%`,
 * bracketed also URL style with `%25`, RFC 6874).
 */
export const HOST_MIX: readonly string[] = [
  ...NAMES,
  ...IPV4,
  ...IPV6,
  ...IPV6.slice(0, 4).map((host) => `[${host}]`),
  ...ZONED,
  '[fe80::1%25eth0]',
]

const PORTS = [7000, 7001, 7002, 6379]

/** The host mix with cluster ports: each host with each port, in an order that does not repeat a host. */
export const PAIR_MIX: readonly HostPort[] = PORTS.flatMap((port) => HOST_MIX.map((host) => ({ host, port })))

/** The pair mix written as one address string each, as topology replies and seed lists give them. */
export const ADDRESS_MIX: readonly string[] = PAIR_MIX.map(({ host, port }) =>
  host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`,
)

interface WptHost {
  input: string
  hostname: string | null
}

/** The valid hosts of WPT's URL tests (`wpt-hosts.json`), as the URL host parser receives them. */
export const wptValidHosts = (): string[] => {
  const file = new URL('../test/fixtures/conformance/wpt-hosts.json', import.meta.url)
  const vectors = JSON.parse(readFileSync(file, 'utf8')) as WptHost[]
  return vectors.filter((vector) => vector.hostname !== null).map((vector) => vector.input)
}
