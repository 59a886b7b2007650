/**
 * What a careful user reaches for instead of this library, on the same inputs: the WHATWG URL parser,
 * ipaddr.js, a small normalizer built on ipaddr.js, and tr46 (the URL Standard's reference UTS #46).
 */
import ipaddr from 'ipaddr.js'
import { toASCII } from 'tr46'

/** The host as `new URL()` reads it (`.hostname`); a bare IPv6 address needs brackets in a URL. */
export const urlHostname = (host: string): string => new URL(`http://${urlSpelling(host)}`).hostname

/** How the host is written inside a URL: a bare IPv6 address gets brackets. */
export const urlSpelling = (host: string): string =>
  host.includes(':') && host.charCodeAt(0) !== 0x5b ? `[${host}]` : host

/** ipaddr.js `parse(h).toString()`: RFC 5952 for IPv6; IPv4-mapped stays IPv6. */
export const ipaddrParse = (host: string): string => ipaddr.parse(host).toString()

/** ipaddr.js `process(h).toString()`: as `parse`, with IPv4-mapped unwrapped. */
export const ipaddrProcess = (host: string): string => ipaddr.process(host).toString()

/**
 * The normalizer a client might write on ipaddr.js: strip brackets, canonicalize IP addresses, lowercase the
 * rest. It knows no IDNA, no URL-style IPv4 and no DNS shape.
 */
export const naiveNormalize = (host: string): string => {
  const bare =
    host.charCodeAt(0) === 0x5b && host.charCodeAt(host.length - 1) === 0x5d ? host.slice(1, -1) : host
  return ipaddr.isValid(bare) ? ipaddr.process(bare).toString() : bare.toLowerCase()
}

// UTS #46 parameters as the URL Standard's "domain to ASCII" sets them (beStrict false).
const URL_IDNA = {
  checkBidi: true,
  checkHyphens: false,
  checkJoiners: true,
  useSTD3ASCIIRules: false,
  transitionalProcessing: false,
  verifyDNSLength: false,
}

/** tr46 `toASCII` with the URL Standard's parameters. */
export const tr46ToASCII = (host: string): string => {
  const ascii = toASCII(host, URL_IDNA)
  if (ascii === null) throw new Error(`tr46 refused ${JSON.stringify(host)}`)
  return ascii
}
