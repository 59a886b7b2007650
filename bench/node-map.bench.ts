/**
 * `NodeMap.get` through alias spellings (`LOCALHOST`, `[::1]`, `0:0:0:0:0:0:0:1`, `::ffff:10.0.0.5`, mixed
 * case) against a plain `Map.get` with the raw string key, the lookup a client makes today, which finds
 * nothing under an alias. Values are filed once under one spelling of each node; the measured lookups use
 * every spelling of the mix.
 *
 * Then `NodeMap.sync` on a 1,000-node topology that has not changed (what every refresh of a steady cluster
 * costs), against the prune step a client writes without it (key each listed node, delete the entries not
 * listed; it knows no ids, so it neither replaces nor links) and against reading the `CLUSTER SLOTS` reply
 * that precedes every sync.
 */
import { type Comparison, runComparisons, type Task } from './harness.ts'
import { ADDRESS_MIX, PAIR_MIX } from './inputs.ts'
import { library, target } from './library.ts'

const { NodeMap, canonicalNodeKey } = library
const { readClusterSlots } = (await import(
  new URL(target === 'src' ? '../src/topology/index.ts' : '../dist/esm/topology/index.js', import.meta.url)
    .href
)) as typeof import('../src/topology/index.ts')

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

// sync: 1,000 masters of one slot range each, every one with a value filed.
const NODES = 1000
const reply = Array.from({ length: NODES }, (_, i) => [
  i * 16,
  i * 16 + 15,
  [`10.0.${i >> 8}.${i & 255}`, 6379, i.toString(16).padStart(40, '0')],
])
const topology = readClusterSlots(reply)
const synced = new NodeMap<number>()
const pruned = new NodeMap<number>()
for (const [i, node] of topology.nodes.entries()) {
  synced.set(node.key, i)
  pruned.set(node.key, i)
}
if (synced.sync(topology).departed.length !== 0 || synced.size !== NODES) {
  throw new Error('The steady topology changed the map.')
}
const syncTask: Task = {
  name: 'nodeMap.sync(topology)',
  run: () => synced.sync(topology).departed.length + synced.size,
}
const pruneTask: Task = {
  name: 'hand-written prune: keyOf each node, delete the rest',
  run: () => {
    const listed = new Set<string>()
    for (const node of topology.nodes) listed.add(pruned.keyOf(node.key))
    for (const key of [...pruned.keys()]) if (!listed.has(key)) pruned.delete(key)
    return pruned.size
  },
}
const readTask: Task = {
  name: 'readClusterSlots(reply)',
  run: () => readClusterSlots(reply).nodes.length,
}
runComparisons(`NodeMap.sync on a steady topology (${target})`, [
  {
    title: `${NODES} nodes, unchanged`,
    calls: NODES,
    target: syncTask,
    anchors: [pruneTask, readTask],
    // Following the topology should cost no more than reading it.
    goals: { [readTask.name]: 1.5 },
  },
])
