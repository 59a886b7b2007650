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

/**
 * The string as Unicode scalar values: every lone surrogate becomes U+FFFD, as WebIDL's USVString conversion
 * does before the URL parser sees its input. UTS #46 disallows U+FFFD, so such a domain fails. Without this
 * step tr46 works on UTF-16 units: in `a\uD800\u00AD\uDC00.com` it deletes the soft hyphen and the two
 * halves join into U+10000, a different name that is valid (docs/canonical-form.md §2.9).
 */
export const toScalarValues = (text: string): string => {
  let out: string | undefined
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0xd800 || unit > 0xdfff) continue
    if (unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
    }
    out = `${out ?? ''}${text.slice(start, i)}\uFFFD`
    start = i + 1
  }
  return out === undefined ? text : out + text.slice(start)
}

/** UTS #46 ToASCII of a domain that has non-ASCII code points; null when UTS #46 reports an error. */
export const domainToASCII = (domain: string): string | null => {
  toASCII ??= (requireModule('tr46') as { toASCII: ToASCII }).toASCII
  const result = toASCII(toScalarValues(domain), OPTIONS)
  return result === null || result === '' ? null : result
}
