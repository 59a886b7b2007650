/**
 * Cold `canonicalHost` (no memo, no resolver) against the URL parser, ipaddr.js and tr46, one comparison per
 * kind of host, each over the same inputs for every task. An input list only includes hosts that every task
 * of its comparison accepts, so no task pays for an exception the others do not.
 */
import { ipaddrParse, ipaddrProcess, naiveNormalize, tr46ToASCII, urlHostname } from './anchors.ts'
import { type Comparison, runComparisons, type Task } from './harness.ts'
import { HOST_MIX, IPV4, IPV6, NAMES, UNICODE, wptValidHosts, ZONED } from './inputs.ts'
import { library, target } from './library.ts'

const { canonicalHost, isValidHost } = library

/** A task that applies `f` to every input of the list and sums the lengths of the results. */
const over = (name: string, inputs: readonly string[], f: (host: string) => string): Task => ({
  name,
  run: () => {
    let sum = 0
    for (let i = 0; i < inputs.length; i++) sum += f(inputs[i]!).length
    return sum
  },
})

/** Repeat a short list so that one pass makes enough calls to time well. */
const atLeast = (inputs: readonly string[], count: number): string[] => {
  const out: string[] = []
  while (out.length < count) out.push(...inputs)
  return out
}

const accepts = (f: (host: string) => string, host: string): boolean => {
  try {
    f(host)
    return true
  } catch {
    return false
  }
}

const URL_NAME = 'new URL(h).hostname'
const comparison = (
  title: string,
  inputs: readonly string[],
  anchors: [string, (host: string) => string][],
  goals?: Record<string, number>,
): Comparison => {
  for (const host of inputs) {
    for (const [name, f] of [['canonicalHost', canonicalHost] as const, ...anchors]) {
      if (!accepts(f, host)) throw new Error(`${name} refuses the ${title} input ${JSON.stringify(host)}.`)
    }
  }
  return {
    title,
    calls: inputs.length,
    target: over('canonicalHost(h)', inputs, canonicalHost),
    anchors: anchors.map(([name, f]) => over(name, inputs, f)),
    ...(goals === undefined ? {} : { goals }),
  }
}

const url: [string, (host: string) => string] = [URL_NAME, urlHostname]
const parse: [string, (host: string) => string] = ['ipaddr.parse(h).toString()', ipaddrParse]
const process_: [string, (host: string) => string] = ['ipaddr.process(h).toString()', ipaddrProcess]
const naive: [string, (host: string) => string] = ['naive normalizer on ipaddr.js', naiveNormalize]

// The WPT hosts both parsers accept, given to URL as the URL host parser received them.
const wpt = wptValidHosts().filter((host) => isValidHost(host) && accepts(urlHostname, host))
const wptTotal = wptValidHosts().length
// Most of the WPT hosts' cost is UTS #46 (non-ASCII, also after percent-decoding); the ASCII ones apart.
const wptAscii = wpt.filter((host) => /^[\x21-\x7e]+$/.test(host) && !host.includes('%'))
// URL cannot carry a zone; the mix for the URL comparison leaves zoned hosts out.
const mixForUrl = HOST_MIX.filter((host) => !host.includes('%'))

const comparisons: Comparison[] = [
  comparison('names', atLeast(NAMES, 64), [url, naive], { [URL_NAME]: 0.5 }),
  comparison('IPv4', atLeast(IPV4, 64), [url, parse, process_, naive], { [URL_NAME]: 0.5 }),
  comparison('IPv6 (bare)', atLeast(IPV6, 64), [url, parse, process_, naive], { [URL_NAME]: 1.0 }),
  comparison('IPv6 with a zone', atLeast(ZONED, 64), [parse, naive]),
  comparison('non-ASCII names', atLeast(UNICODE, 64), [url, ['tr46.toASCII(h)', tr46ToASCII]]),
  comparison('cluster mix without zones', atLeast(mixForUrl, 64), [url, naive]),
  comparison(`WPT valid hosts (${wpt.length} of ${wptTotal})`, wpt, [url]),
  comparison('WPT valid hosts, ASCII without "%"', atLeast(wptAscii, 64), [url]),
]

runComparisons(`Cold canonicalHost (${target})`, comparisons)
