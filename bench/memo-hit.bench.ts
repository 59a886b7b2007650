/**
 * Memo hits: `canonicalNodeKey(host, port)` on inputs seen before, against what clients do today, a `Map`
 * keyed by the raw `host + ':' + port`. Both sides get the same (host, port) values; the anchor's map holds
 * every raw key, so each of its lookups finds something, as each of the keyer's does.
 *
 * For address strings the caller holds (`'host:port'`), the physical limit is one hash lookup of that
 * string, a bare `Map.get(address)`: the goal is 1.1× it. `NodeMap.get(address)` (a lookup of the value
 * itself, through the keyer) is measured beside it against the same anchor.
 */
import { type Comparison, runComparisons } from './harness.ts'
import { ADDRESS_MIX, PAIR_MIX } from './inputs.ts'
import { library, target } from './library.ts'

const { canonicalNodeKey, NodeMap } = library

const pairs = PAIR_MIX
const hosts = pairs.map((pair) => pair.host)
const ports = pairs.map((pair) => pair.port)
const stringPorts = ports.map(String)
const n = pairs.length

const naive = new Map<string, string>()
for (let i = 0; i < n; i++) naive.set(`${hosts[i]}:${ports[i]}`, `${hosts[i]}:${ports[i]}`)
const addresses = ADDRESS_MIX
const naiveAddresses = new Map(addresses.map((address) => [address, address]))
const nodes = new NodeMap<string>()
for (const address of addresses) nodes.set(address, address)
// Replies as a client reads them off the wire: a fresh string for every node on every read.
const replies = pairs.map(({ host, port }) => `${host}:${port}`)

// Every input once, so that the measured calls are hits (the warm-up repeats them anyway).
for (let i = 0; i < n; i++) {
  canonicalNodeKey(hosts[i]!, ports[i]!)
  canonicalNodeKey(hosts[i]!, stringPorts[i]!)
  canonicalNodeKey(addresses[i]!)
}

const comparisons: Comparison[] = [
  {
    title: 'mix as (host, port), numeric ports',
    calls: n,
    target: {
      name: 'canonicalNodeKey(host, port)',
      run: () => {
        let sum = 0
        for (let i = 0; i < n; i++) sum += canonicalNodeKey(hosts[i]!, ports[i]!).length
        return sum
      },
    },
    anchors: [
      {
        name: "naive map.get(host + ':' + port)",
        run: () => {
          let sum = 0
          for (let i = 0; i < n; i++) sum += naive.get(`${hosts[i]!}:${ports[i]!}`)!.length
          return sum
        },
      },
    ],
    goals: { "naive map.get(host + ':' + port)": 1.0 },
  },
  {
    title: 'mix as (host, port), string ports',
    calls: n,
    target: {
      name: 'canonicalNodeKey(host, port)',
      run: () => {
        let sum = 0
        for (let i = 0; i < n; i++) sum += canonicalNodeKey(hosts[i]!, stringPorts[i]!).length
        return sum
      },
    },
    anchors: [
      {
        name: "naive map.get(host + ':' + port)",
        run: () => {
          let sum = 0
          for (let i = 0; i < n; i++) sum += naive.get(`${hosts[i]!}:${stringPorts[i]!}`)!.length
          return sum
        },
      },
    ],
    goals: { "naive map.get(host + ':' + port)": 1.0 },
  },
  {
    title: "mix as 'host:port' strings",
    calls: n,
    target: {
      name: 'canonicalNodeKey(address)',
      run: () => {
        let sum = 0
        for (let i = 0; i < n; i++) sum += canonicalNodeKey(addresses[i]!).length
        return sum
      },
    },
    anchors: [
      {
        name: 'naive map.get(address)',
        run: () => {
          let sum = 0
          for (let i = 0; i < n; i++) sum += naiveAddresses.get(addresses[i]!)!.length
          return sum
        },
      },
    ],
    goals: { 'naive map.get(address)': 1.1 },
  },
  {
    title: "mix as 'host:port' strings, the value through NodeMap",
    calls: n,
    target: {
      name: 'nodeMap.get(address)',
      run: () => {
        let sum = 0
        for (let i = 0; i < n; i++) sum += nodes.get(addresses[i]!)!.length
        return sum
      },
    },
    anchors: [
      {
        name: 'naive map.get(address)',
        run: () => {
          let sum = 0
          for (let i = 0; i < n; i++) sum += naiveAddresses.get(addresses[i]!)!.length
          return sum
        },
      },
    ],
  },
  {
    title: 'mix read from replies (fresh host strings)',
    calls: n,
    target: {
      name: 'split + canonicalNodeKey(host, port)',
      run: () => {
        let sum = 0
        for (let i = 0; i < n; i++) {
          const reply = replies[i]!
          const colon = reply.lastIndexOf(':')
          sum += canonicalNodeKey(reply.slice(0, colon), Number(reply.slice(colon + 1))).length
        }
        return sum
      },
    },
    anchors: [
      {
        name: "split + naive map.get(host + ':' + port)",
        run: () => {
          let sum = 0
          for (let i = 0; i < n; i++) {
            const reply = replies[i]!
            const colon = reply.lastIndexOf(':')
            sum += naive.get(`${reply.slice(0, colon)}:${Number(reply.slice(colon + 1))}`)!.length
          }
          return sum
        },
      },
    ],
  },
]

runComparisons(`Memo hits (${target})`, comparisons)
const stats = canonicalNodeKey.stats()
console.log(
  `default keyer after the run: ${stats.hits} hits, ${stats.misses} misses, ${stats.size} entries\n`,
)
