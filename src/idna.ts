/**
 * The URL Standard's "domain to ASCII" (https://url.spec.whatwg.org/#concept-domain-to-ascii) with
 * beStrict false: an all-ASCII domain is only lowercased; anything else goes through UTS #46
 * non-transitional processing. The IDNA tables are tr46's, pinned by this package's dependency, not the
 * runtime's: Node versions disagree on hundreds of IDNA vectors, and a key must be the same in every process
 * of a fleet. tr46 is loaded the first time a non-ASCII host is seen, so importing this library stays cheap.
 */
import { requireModule } from './require.js'

type ToASCII = (domain: string, options: Record<string, unknown>) => string | null

let toASCII: ToASCII | undefined

/** Whether the IDNA tables have been loaded (they are, the first time a non-ASCII host is seen). */
export const idnaLoaded = (): boolean => toASCII !== undefined

// UTS #46 parameters as the URL Standard sets them for beStrict = false.
const OPTIONS = {
  checkHyphens: false,
  checkBidi: true,
  checkJoiners: true,
  useSTD3ASCIIRules: false,
  processingOption: 'nontransitional',
  verifyDNSLength: false,
}

/** UTS #46 ToASCII of a domain that has non-ASCII code points; null when UTS #46 reports an error. */
export const domainToASCII = (domain: string): string | null => {
  toASCII ??= (requireModule('tr46') as { toASCII: ToASCII }).toASCII
  const result = toASCII(domain, OPTIONS)
  return result === null || result === '' ? null : result
}
