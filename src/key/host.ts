/**
 * The canonical form of a host (docs/canonical-form.md §2). `hostOrFailure` is the whole algorithm, reporting
 * failure as a value; `canonicalHost` is its public edge.
 *
 * Most hosts a client sees are already lowercase DNS names or dotted IPv4 addresses, so one scan over the
 * characters sends each input to the cheapest path that can decide it: plain names are checked in that scan
 * and returned (lowercased if needed) without a second pass; everything else (brackets, colons, percent
 * signs, non-ASCII, odd characters, bad labels) takes the full path, which also produces precise errors.
 * The fast path is only an optimization: it gives what the full path gives (§2, introduction).
 */
import { type Failure, fail, isFailure, toError } from './errors.js'
import { domainToASCII } from './idna.js'
import {
  endsInANumber,
  isIPv4Mapped,
  mappedIPv4,
  parseIPv4,
  parseIPv6,
  serializeIPv4,
  serializeIPv6,
} from './ip.js'
import { oneOf, readOptions } from './options.js'
import { preview } from './preview.js'

/**
 * Options of {@link canonicalHost}, shared by the keyer.
 *
 * @example
 * ```ts
 * const options: HostOptions = { trailingDot: 'strip', mappedIPv4: 'keep' }
 * canonicalHost('Redis.Example.', options)   // 'redis.example'
 * canonicalHost('::FFFF:127.0.0.1', options) // '::ffff:127.0.0.1'
 * ```
 * @category Addresses
 */
export interface HostOptions {
  /**
   * What to do with one trailing dot (`redis.example.com.`). `redis.` and `redis` can name different nodes
   * (search domains), so the default keeps it (docs/canonical-form.md §2.13).
   * @defaultValue `'keep'`
   */
  trailingDot?: 'keep' | 'strip'
  /**
   * What to do with an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`): `'unwrap'` gives its IPv4 address
   * (`127.0.0.1`, the same socket peer), `'keep'` writes it as RFC 5952 section 5 does (`::ffff:127.0.0.1`)
   * (docs/canonical-form.md §2.7).
   * @defaultValue `'unwrap'`
   */
  mappedIPv4?: 'unwrap' | 'keep'
}

/** Canonical IPv4: dotted decimal, as the canonical form writes every IPv4 host (docs/canonical-form.md §2.11). */
const CANONICAL_IPV4 = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/

/**
 * Whether a canonical host is an IP address: IPv6 has a colon, canonical IPv4 is dotted decimal, and a
 * canonical name never ends in a numeric label (docs/canonical-form.md §2.11), so no name looks like either.
 */
export const isCanonicalIp = (host: string): boolean => host.includes(':') || CANONICAL_IPV4.test(host)

/**
 * Whether a canonical host is a `localhost` name: `localhost` or a name under `.localhost`, with or without
 * the trailing dot (RFC 6761 section 6.3: such names are answered locally, never sent to a DNS server).
 */
export const isLocalhostName = (host: string): boolean => {
  // An IPv6 address is no name, whatever its zone says (`fe80::1%eth0.localhost` is fe80::1 on an interface).
  if (host.includes(':')) return false
  const name = host.charCodeAt(host.length - 1) === 0x2e ? host.slice(0, -1) : host
  return name === 'localhost' || name.endsWith('.localhost')
}

/**
 * Longer hosts are refused before any parsing, so no work grows with hostile input (§2.1).
 *
 * @example
 * ```ts
 * canonicalHost('a.'.repeat(MAX_HOST_LENGTH))  // throws InvalidHostError, reason 'too-long'
 * ```
 * @category Addresses
 */
export const MAX_HOST_LENGTH = 1024
const MAX_NAME_LENGTH = 253
const MAX_LABEL_LENGTH = 63
const ZONE = /^[A-Za-z0-9_.-]{1,64}$/

const hostFailure = (reason: Failure['reason'], message: string): Failure => fail('host', reason, message)

// ASCII whitespace as the URL Standard defines it: TAB, LF, FF, CR, SPACE; not VT (§1.1).
const isAsciiWhitespace = (c: number): boolean =>
  c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d

export const trimAsciiWhitespace = (input: string): string => {
  let start = 0
  let end = input.length
  while (start < end && isAsciiWhitespace(input.charCodeAt(start))) start++
  while (end > start && isAsciiWhitespace(input.charCodeAt(end - 1))) end--
  return input.slice(start, end)
}

/** {@link HostOptions} once read: what canonicalization does with a trailing dot and IPv4-mapped IPv6. */
export interface HostPolicy {
  /** Drop one trailing dot (`trailingDot: 'strip'`, §2.13). */
  readonly stripTrailingDot: boolean
  /** Keep IPv4-mapped IPv6 as IPv6 (`mappedIPv4: 'keep'`, §2.7). */
  readonly keepMappedIPv4: boolean
}

/** The default: a trailing dot kept, IPv4-mapped IPv6 unwrapped. */
export const DEFAULT_HOST_POLICY: HostPolicy = {
  stripTrailingDot: false,
  keepMappedIPv4: false,
}

/** The label separators UTS #46 maps to ".": full stop, ideographic, fullwidth and halfwidth full stops. */
const IDNA_DOT = /[.\u3002\uFF0E\uFF61]/

/** What UTS #46 mapping may remove outright (soft hyphen, zero-width characters, variation selectors, …). */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u

/**
 * The factor by which the NFKC form of a domain may outnumber what UTS #46 makes of it: the two mappings
 * agree for almost every code point, and where they differ (a few case foldings and removals) UTS #46 does
 * not shrink a label to less than half. A bound below, not an estimate: it refuses only domains that cannot
 * fit DNS.
 */
const NFKC_MARGIN = 2

/**
 * Refuse, before UTS #46 runs, a domain that cannot fit DNS whatever UTS #46 does to it (§2.9 step 2): its
 * cost grows with what its mapping makes of the input (one U+FDFA becomes 18 code points, and Punycode is
 * quadratic in a label's length), so a hostile name near the 1,024-unit cap could take milliseconds to
 * refuse. UTS #46 maps much as NFKC does (which the runtime computes natively), and every code point of the
 * mapped domain becomes at least one octet of its ASCII form: so the NFKC form's code points, less the
 * default-ignorable ones, over {@link NFKC_MARGIN}, bound each label's octets and the name's from below.
 */
const idnaBound = (domain: string, input: string): Failure | undefined => {
  const mapped = domain.normalize('NFKC')
  let label = 0
  let name = 0
  for (const character of mapped) {
    if (IDNA_DOT.test(character)) {
      label = 0
      name++
      continue
    }
    if (IGNORABLE.test(character)) continue
    label++
    name++
    if (label > MAX_LABEL_LENGTH * NFKC_MARGIN) {
      return hostFailure(
        'label-too-long',
        `Expected each label of a domain name to be at most ${MAX_LABEL_LENGTH} octets, got one that IDNA processing cannot make that short in ${preview(input)}.`,
      )
    }
  }
  // One trailing dot is not counted (§2.12).
  if (name - (IDNA_DOT.test(mapped.at(-1) ?? '') ? 1 : 0) > MAX_NAME_LENGTH * NFKC_MARGIN) {
    return hostFailure(
      'name-too-long',
      `Expected a domain name of at most ${MAX_NAME_LENGTH} octets, got one that IDNA processing cannot make that short: ${preview(input)}.`,
    )
  }
  return undefined
}

/** The canonical host under a policy, or a failure. */
export const hostOrFailure = (input: unknown, policy: HostPolicy): string | Failure => {
  if (typeof input !== 'string') {
    return hostFailure('not-a-string', `Expected the host to be a string, got ${preview(input)}.`)
  }
  // §2.1: the cap counts UTF-16 code units of the raw input, before trimming.
  if (input.length > MAX_HOST_LENGTH) {
    return hostFailure(
      'too-long',
      `Expected a host of at most ${MAX_HOST_LENGTH} characters (no node address is longer), got ${input.length}: ${preview(input)}.`,
    )
  }
  const length = input.length
  // Fast path: a DNS-shaped ASCII name or dotted IPv4, decided in one scan.
  let upper = false
  let label = 0 // length of the current label
  let labelStart = 0
  let previousLabelStart = 0
  let i = 0
  for (; i < length; i++) {
    const c = input.charCodeAt(i)
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f) label++
    else if (c >= 0x41 && c <= 0x5a) {
      upper = true
      label++
    } else if (c === 0x2e && label > 0 && label <= MAX_LABEL_LENGTH) {
      label = 0
      previousLabelStart = labelStart
      labelStart = i + 1
    } else break
  }
  if (i === length && length > 0 && label <= MAX_LABEL_LENGTH) {
    const trailingDot = label === 0
    const c = input.charCodeAt(trailingDot ? previousLabelStart : labelStart)
    // A last label that starts with a digit may make the host IPv4 (URL Standard "ends in a number",
    // §2.11): the full path decides.
    if (!(c >= 0x30 && c <= 0x39) && length - (trailingDot ? 1 : 0) <= MAX_NAME_LENGTH) {
      const host = upper ? input.toLowerCase() : input
      return trailingDot && policy.stripTrailingDot ? host.slice(0, -1) : host
    }
    if (isDottedDecimal(input)) return input
  }
  return fullHost(input, policy)
}

/**
 * Whether the host is already the URL Standard's IPv4 serialization (four decimal parts 0 to 255, no leading
 * zeros), the form servers report: then it is its own canonical form, and the IPv4 parser can be skipped.
 */
const isDottedDecimal = (input: string): boolean => {
  let parts = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= input.length; i++) {
    const c = i === input.length ? 0x2e : input.charCodeAt(i)
    if (c === 0x2e) {
      if (digits === 0 || ++parts > 4) return false
      value = 0
      digits = 0
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && value === 0) return false
      value = value * 10 + (c - 0x30)
      if (++digits > 3 || value > 255) return false
    } else return false
  }
  return parts === 4
}

/** Every step of docs/canonical-form.md §2, in order. */
const fullHost = (raw: string, policy: HostPolicy): string | Failure => {
  // §2.2: trim, then refuse controls, space and DEL inside.
  const input = trimAsciiWhitespace(raw)
  if (input.length === 0) {
    return hostFailure(
      'empty-host',
      raw.length === 0
        ? 'Expected a host, got an empty string.'
        : `Expected a host, got only whitespace: ${preview(raw)}.`,
    )
  }
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i)
    if (c <= 0x20 || c === 0x7f) {
      return hostFailure(
        'forbidden-character',
        `Expected a host without whitespace or control characters, got ${preview(input)} (U+${c.toString(16).toUpperCase().padStart(4, '0')} at index ${i}).`,
      )
    }
  }
  // §2.3: "[" starts a bracketed IPv6 address, any ":" a bare one; the rest are domains.
  if (input.charCodeAt(0) === 0x5b) {
    if (input.charCodeAt(input.length - 1) !== 0x5d) {
      return hostFailure(
        'invalid-ipv6',
        `Expected a closing "]" after a bracketed IPv6 address, got ${preview(input)}.`,
      )
    }
    return ipv6Host(input, policy.keepMappedIPv4, true)
  }
  if (input.includes(':')) return ipv6Host(input, policy.keepMappedIPv4, false)
  return domainHost(input, policy.stripTrailingDot)
}

/**
 * An IPv6 address with an optional zone, in brackets or bare (`input` as given, quoted by failures). Bare
 * text (RFC 4007 section 11) writes the zone as it is: `fe80::1%251` is interface 251. Inside brackets a URL
 * may escape the "%" as "%25" (RFC 6874), so there `%25` followed by a zone is that escape; `formatNodeKey`
 * writes a zone that starts with "25" escaped, so every key reads back as itself (§2.4, §2.5, §5.1).
 */
const ipv6Host = (input: string, keepMapped: boolean, bracketed: boolean): string | Failure => {
  const text = bracketed ? input.slice(1, -1) : input
  const percent = text.indexOf('%')
  const pieces = parseIPv6(percent === -1 ? text : text.slice(0, percent))
  if (pieces === null) {
    return hostFailure(
      'invalid-ipv6',
      bracketed
        ? `Expected an IPv6 address inside the brackets, as RFC 4291 section 2.2 writes it, got ${preview(input)}.`
        : `Expected a host, got ${preview(input)}: it has a ":" but is not an IPv6 address.`,
    )
  }
  let zone = ''
  if (percent !== -1) {
    zone = text.slice(percent + 1)
    if (bracketed && zone.length > 2 && zone.startsWith('25')) zone = zone.slice(2)
    if (!ZONE.test(zone)) {
      return hostFailure(
        'invalid-zone',
        `Expected a zone of 1 to 64 letters, digits, "_", "." or "-" after "%" (as in fe80::1%eth0, or [fe80::1%25eth0] in a URL), got ${preview(input)}.`,
      )
    }
  }
  // §2.7: a mapped address with a zone is an IPv6 address on that link, so it is never unwrapped.
  let address: string
  if (isIPv4Mapped(pieces)) {
    if (!keepMapped && zone === '') return mappedIPv4(pieces)
    address = `::ffff:${mappedIPv4(pieces)}`
  } else {
    address = serializeIPv6(pieces)
  }
  return zone === '' ? address : `${address}%${zone}`
}

/** URL Standard host parser for a domain: percent-decode, domain to ASCII, IPv4, then DNS shape (§2.8–§2.12). */
const domainHost = (input: string, strip: boolean): string | Failure => {
  let domain = input
  if (domain.includes('%')) domain = percentDecode(domain)
  let ascii = true
  for (let i = 0; i < domain.length; i++) {
    if (domain.charCodeAt(i) > 0x7f) {
      ascii = false
      break
    }
  }
  let host: string
  if (ascii) {
    host = domain.toLowerCase()
  } else {
    const bound = idnaBound(domain, input)
    if (bound !== undefined) return bound
    const converted = domainToASCII(domain)
    if (converted === null) {
      return hostFailure(
        'idna',
        `Expected an internationalized domain name that UTS #46 accepts (URL Standard "domain to ASCII"), got ${preview(input)}: it has a disallowed code point or label.`,
      )
    }
    host = converted
  }
  // §2.9 step 7: mapping and Punycode can lengthen a host that passed §2.1.
  if (host.length > MAX_HOST_LENGTH) {
    return hostFailure(
      'too-long',
      `Expected a host of at most ${MAX_HOST_LENGTH} characters after IDNA processing, got ${host.length} from ${preview(input)}.`,
    )
  }
  const forbidden = FORBIDDEN_DOMAIN_CODE_POINT.exec(host)
  if (forbidden !== null) {
    return hostFailure(
      'forbidden-character',
      `Expected a host without ${preview(forbidden[0])} (a URL Standard forbidden domain code point), got ${preview(input)}.`,
    )
  }
  if (endsInANumber(host)) {
    const ipv4 = parseIPv4(host)
    if (Number.isNaN(ipv4)) {
      return hostFailure(
        'invalid-ipv4',
        `Expected an IPv4 address, got ${preview(input)}: its last label is numeric, so it is read as IPv4 (URL Standard), and it is not one (each part decimal, 0x hex or 0 octal, at most four parts, in range).`,
      )
    }
    return serializeIPv4(ipv4)
  }
  return dnsShaped(host, strip, input)
}

// URL Standard forbidden domain code points, less the controls and space already refused (§2.10).
const FORBIDDEN_DOMAIN_CODE_POINT = /[#%/:<>?@[\\\]^|]/

/**
 * Labels of `a-z 0-9 - _`, each 1 to 63 octets, at most 253 octets without one trailing dot (§2.12); the
 * trailing dot is kept or dropped by `strip` (§2.13). `input` is the host as given, for messages.
 */
const dnsShaped = (host: string, strip: boolean, input: string): string | Failure => {
  const trailingDot = host.charCodeAt(host.length - 1) === 0x2e && host.length > 1
  const name = trailingDot ? host.slice(0, -1) : host
  if (name.length > MAX_NAME_LENGTH) {
    return hostFailure(
      'name-too-long',
      `Expected a domain name of at most ${MAX_NAME_LENGTH} octets (RFC 1035 section 2.3.4), got ${name.length}: ${preview(input)}.`,
    )
  }
  let label = 0
  for (let i = 0; i <= name.length; i++) {
    const c = i === name.length ? 0x2e : name.charCodeAt(i)
    if (c === 0x2e) {
      if (label === 0) {
        return hostFailure(
          'invalid-label',
          `Expected a domain name without empty labels (no leading dot, no "..", at most one trailing dot), got ${preview(input)}.`,
        )
      }
      label = 0
    } else if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f) {
      if (++label > MAX_LABEL_LENGTH) {
        const end = name.indexOf('.', i)
        const start = i - MAX_LABEL_LENGTH
        return hostFailure(
          'label-too-long',
          `Expected each label of a domain name to be at most ${MAX_LABEL_LENGTH} octets (RFC 1035 section 2.3.4), got one of ${(end === -1 ? name.length : end) - start}: ${preview(name.slice(start, end === -1 ? name.length : end))}.`,
        )
      }
    } else {
      return hostFailure(
        'invalid-label',
        `Expected a domain name of letters, digits, "-" and "_" (DNS can carry no other), got ${preview(input)} (${preview(name[i])} is not allowed).`,
      )
    }
  }
  return trailingDot && !strip ? `${name}.` : name
}

/** URL Standard percent-decode of the UTF-8 encoding, then UTF-8 decode without BOM handling (§2.8). */
const percentDecode = (input: string): string => {
  const bytes = Buffer.from(input, 'utf8')
  const out = Buffer.allocUnsafe(bytes.length)
  let n = 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b === 0x25 && i + 2 < bytes.length && isHexByte(bytes[i + 1]!) && isHexByte(bytes[i + 2]!)) {
      out[n++] = Number.parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16)
      i += 2
    } else {
      out[n++] = b
    }
  }
  utf8 ??= new TextDecoder('utf-8', { ignoreBOM: true })
  return utf8.decode(out.subarray(0, n))
}

/** Made on the first percent-encoded host: a TextDecoder made at import would cost every importer. */
let utf8: InstanceType<typeof TextDecoder> | undefined
const isHexByte = (b: number): boolean =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)

/**
 * The canonical form of a host: lowercase DNS name (IDNA to punycode), dotted IPv4, or RFC 5952 IPv6
 * without brackets (with `%zone` if it has one). No resolver and no memo: `localhost` stays `localhost`.
 * The algorithm, step by step, is docs/canonical-form.md §2.
 *
 * @throws {@link InvalidHostError} when the host is not an IP address or a DNS-shaped name.
 * @example
 * ```ts
 * canonicalHost('Redis-1.Example.COM') // 'redis-1.example.com'
 * canonicalHost('[0:0::1]')            // '::1'
 * canonicalHost('0x7f.1')              // '127.0.0.1'
 * canonicalHost('::ffff:10.0.0.1')     // '10.0.0.1'
 * canonicalHost('bücher.example')      // 'xn--bcher-kva.example'
 * ```
 * @category Addresses
 */
export const canonicalHost = (host: string, options?: HostOptions): string => {
  const result = hostOrFailure(host, readHostOptions(options, 'canonicalHost'))
  if (isFailure(result)) throw toError(result, host, canonicalHostHint(result, host))
  return result
}

/**
 * A host with a ":" that is not IPv6 is most often "host:port" (`localhost:7000`, `[::1]:7000`), which
 * canonicalHost does not read; a bracketed host that fails is only a bad IPv6 address.
 */
const canonicalHostHint = (failure: Failure, host: unknown): string | undefined => {
  if (failure.reason !== 'invalid-ipv6' || typeof host !== 'string') return undefined
  const input = trimAsciiWhitespace(host)
  return input.charCodeAt(0) !== 0x5b || /\]:[0-9]*$/.test(input)
    ? 'For a "host:port" string, use parseAddress().'
    : undefined
}

/** The rule of {@link HostOptions.trailingDot}, for every entry whose options extend HostOptions. */
export const TRAILING_DOT_RULE = /* @__PURE__ */ oneOf(['keep', 'strip'], 'keep')
/** The rule of {@link HostOptions.mappedIPv4}. */
export const MAPPED_IPV4_RULE = /* @__PURE__ */ oneOf(['unwrap', 'keep'], 'unwrap')

/**
 * The rules of {@link HostOptions}. Entries whose options extend them name the two rules in their own
 * tables rather than spread this one: a bundler keeps an object spread at module level, and with it
 * everything the module holds.
 */
const HOST_OPTION_RULES = { trailingDot: TRAILING_DOT_RULE, mappedIPv4: MAPPED_IPV4_RULE }

/** The policy of read {@link HostOptions}. */
export const hostPolicy = (options: {
  trailingDot: 'keep' | 'strip'
  mappedIPv4: 'unwrap' | 'keep'
}): HostPolicy =>
  options.trailingDot === 'keep' && options.mappedIPv4 === 'unwrap'
    ? DEFAULT_HOST_POLICY
    : { stripTrailingDot: options.trailingDot === 'strip', keepMappedIPv4: options.mappedIPv4 === 'keep' }

/** Read {@link HostOptions} into a {@link HostPolicy}; a bad option is a TypeError. */
export const readHostOptions = (options: unknown, where: string): HostPolicy =>
  options === undefined ? DEFAULT_HOST_POLICY : hostPolicy(readOptions(options, where, HOST_OPTION_RULES))

/**
 * Whether {@link canonicalHost} accepts the host. Never throws.
 *
 * @example
 * ```ts
 * isValidHost('node-1.local') // true
 * isValidHost('a..b')         // false
 * ```
 * @category Addresses
 */
export const isValidHost = (host: unknown, options?: HostOptions): host is string => {
  let policy: HostPolicy
  try {
    policy = readHostOptions(options, 'isValidHost')
  } catch {
    // Options canonicalHost would refuse: it accepts no host with them.
    return false
  }
  return !isFailure(hostOrFailure(host, policy))
}
