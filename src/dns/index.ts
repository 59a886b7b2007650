/**
 * `canonical-node-key/dns`: DNS identity as a plain resolver. A table learns what names resolve to, in the
 * background and kept fresh by TTL; its `resolver` answers a keyer from what it learned, never waiting.
 */
export type { DnsAddress, DnsFamily, DnsLookup, DnsLookupOptions } from './lookup.js'
export {
  createDnsTable,
  type DnsChangeEvent,
  type DnsChangeReason,
  type DnsClock,
  type DnsErrorEvent,
  type DnsEvent,
  type DnsNameStatus,
  type DnsStats,
  type DnsTable,
  type DnsTableOptions,
} from './table.js'
