/**
 * `NodeMap.get` through alias spellings (`LOCALHOST`, `[::1]`, `0:0:0:0:0:0:0:1`, `::ffff:10.0.0.5`, mixed
 * case) against a plain `Map.get` with the raw string key, the lookup a client makes today, which finds
 * nothing under an alias. Values are filed once under one spelling of each node; the measured lookups use
 * every spelling of the mix.
 */
import { type Comparison, runComparisons, type Task } from './harness.ts'
import { ADDRESS_MIX, PAIR_MIX } from './inputs.ts'
import { library, target } from './library.ts'

const { NodeMap, canonicalNodeKey } = library

const pairs = PAIR_MIX
const hosts = pairs.map((pair) => pair.host)
const ports = pairs.map((pair) => pair.port)
const addresses = ADDRESS_MIX
const n = pairs.length

// The same values in both: one per node, filed under the first spelling of it in the mix.
const makeNodeMap = (max?: number) => {
  const nodes = new NodeMap<{ id: number }>(max === undefined ? {} : { max })
  for (let i = 0; i < n; i++) if (!nodes.has(hosts[i]!, ports[i]!)) nodes.set(hosts[i]!, ports[i]!, { id: i })
  return nodes
}
const unbounded = makeNodeMap()
const bounded = makeNodeMap(1024)
const plain = new Map<string, { id: number }>()
for (let i = 0; i < n; i++) {
  const value = unbounded.get(hosts[i]!, ports[i]!)!
  plain.set(`${hosts[i]}:${ports[i]}`, value)
  plain.set(addresses[i]!, value)
}
if (new Set(pairs.map(({ host, port }) => canonicalNodeKey(host, port))).size !== unbounded.size) {
  throw new Error('The NodeMap does not hold one value per node.')
}
// Every spelling must find its node, in both call shapes, or the comparison would time misses.
const lost = addresses.filter((address, i) => unbounded.get(address) !== unbounded.get(hosts[i]!, ports[i]!))
if (lost.length > 0) throw new Error(`These addresses do not find their node: ${lost.join(', ')}`)

const pairTask = (name: string, get: (host: string, port: number) => { id: number } | undefined): Task => ({
  name,
  run: () => {
    let sum = 0
    for (let i = 0; i < n; i++) sum += get(hosts[i]!, ports[i]!)!.id
    return sum
  },
})
const addressTask = (name: string, get: (address: string) => { id: number } | undefined): Task => ({
  name,
  run: () => {
    let sum = 0
    for (let i = 0; i < n; i++) sum += get(addresses[i]!)!.id
    return sum
  },
})

const naivePair = "plain map.get(host + ':' + port)"
const naiveAddress = 'plain map.get(address)'
const comparisons: Comparison[] = [
  {
    title: 'mix as (host, port)',
    calls: n,
    target: pairTask('nodeMap.get(host, port)', (host, port) => unbounded.get(host, port)),
    anchors: [pairTask(naivePair, (host, port) => plain.get(`${host}:${port}`))],
    goals: { [naivePair]: 1.2 },
  },
  {
    title: 'mix as (host, port), max 1024',
    calls: n,
    target: pairTask('nodeMap.get(host, port)', (host, port) => bounded.get(host, port)),
    anchors: [pairTask(naivePair, (host, port) => plain.get(`${host}:${port}`))],
    goals: { [naivePair]: 1.2 },
  },
  {
    title: "mix as 'host:port' strings",
    calls: n,
    target: addressTask('nodeMap.get(address)', (address) => unbounded.get(address)),
    anchors: [addressTask(naiveAddress, (address) => plain.get(address))],
    goals: { [naiveAddress]: 1.2 },
  },
]

runComparisons(`NodeMap.get through aliases (${target})`, comparisons)
