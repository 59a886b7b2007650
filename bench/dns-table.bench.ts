/**
 * The DNS table behind `createDnsTable`: what its sync resolver costs on a keyer's memo miss for a name
 * it has learned, against a plain `Map.get(host)` (the least a table can cost), and how it behaves when
 * thousands of names arrive at once: the peak of lookups running together (bounded by `concurrency`, not
 * by the table's `max`), and whether every name gets its IP key once the lookups clear.
 *
 * The lookup is injected (no network): it answers after a timer, so only the table's work is measured.
 */
import { type Comparison, runComparisons, type Task } from './harness.ts'
import { library } from './library.ts'

const { createDnsTable, createNodeKeyer } = library

// ---- the sync resolver on learned names ---------------------------------------------------------------

const NAMES = 1_000
const hosts = Array.from({ length: NAMES }, (_, i) => `node-${i}.cluster.internal`)
const addressOf = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
const answers = new Map(hosts.map((host, i) => [host, [{ address: addressOf(i), ttl: 3_600 }]]))
const learned = createDnsTable({ lookup: (host) => answers.get(host) ?? [] })
await learned.prime(hosts)
const plain = new Map(hosts.map((host, i) => [host, addressOf(i)]))
const endpoints = hosts.map((host) => ({ host, port: 6379 }))
if (endpoints.some((endpoint, i) => learned.resolver(endpoint)?.host !== addressOf(i))) {
  throw new Error('The table did not learn every name.')
}

const resolverTask: Task = {
  name: 'dns.resolver({ host, port })',
  run: () => {
    let sum = 0
    for (let i = 0; i < NAMES; i++) sum += learned.resolver(endpoints[i]!)!.host.length
    return sum
  },
}
const mapTask: Task = {
  name: 'plain map.get(host)',
  run: () => {
    let sum = 0
    for (let i = 0; i < NAMES; i++) sum += plain.get(hosts[i]!)!.length
    return sum
  },
}
const comparisons: Comparison[] = [
  { title: 'learned names', calls: NAMES, target: resolverTask, anchors: [mapTask] },
]
runComparisons('DNS table: the sync resolver on learned names', comparisons)
learned.close()

// ---- a burst of unknown names ----------------------------------------------------------------------------

/**
 * `burst` unknown names asked for at once, each lookup answering after `delay` ms: through a memoizing
 * keyer (which memoizes each name as itself at first), or straight at the resolver. Returns the peak of
 * lookups running at once, how long until all were learned, and how many names key as their IP afterwards
 * (through the same keyer, or a fresh one).
 */
const burstRun = async (
  burst: number,
  concurrency: number | undefined,
  delay: number,
  throughKeyer: boolean,
) => {
  let running = 0
  let peak = 0
  const dns = createDnsTable({
    ...(concurrency === undefined ? {} : { concurrency }),
    lookup: async (host) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((resolve) => setTimeout(resolve, delay))
      running--
      return [{ address: addressOf(Number(host.slice(6, host.indexOf('.')))), ttl: 3_600 }]
    },
  })
  const keyer = createNodeKeyer({ resolver: dns.resolver })
  const names = Array.from({ length: burst }, (_, i) => `burst-${i}.cluster.internal`)
  const started = performance.now()
  for (const name of names) {
    if (throughKeyer) keyer(name, 6379)
    else dns.resolver({ host: name, port: 6379 })
  }
  const afterBurst = dns.stats()
  while (dns.stats().lookups + dns.stats().queued > 0) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const elapsed = performance.now() - started
  const keyed = names.filter((name, i) => keyer(name, 6379) === `${addressOf(i)}:6379`).length
  dns.close()
  return { peak, elapsed, keyed, afterBurst }
}

const lines = [
  '### DNS table: a burst of unknown names',
  '',
  'Each name asked for once, through a memoizing keyer (it keys as itself at first) or straight at the',
  'resolver; every lookup answers after 1 ms. Peak: lookups running at once. Keyed by IP: names whose key',
  'is their address once the lookups clear (through the same keyer). With a keyer, the time includes the',
  "keyer's memo invalidation on every learned name.",
  '',
  '| names | asked through | concurrency | right after the burst | peak in flight | all learned after | keyed by IP |',
  '|--:|---|--:|---|--:|--:|--:|',
]
for (const [burst, concurrency, throughKeyer] of [
  [1_000, undefined, true],
  [1_000, undefined, false],
  [10_000, undefined, false],
  [10_000, 8, false],
  [10_000, 128, false],
] as const) {
  const { peak, elapsed, keyed, afterBurst } = await burstRun(burst, concurrency, 1, throughKeyer)
  lines.push(
    `| ${burst} | ${throughKeyer ? 'a keyer' : 'the resolver'} | ${concurrency ?? '32 (default)'} | ${afterBurst.names} filed, ${afterBurst.lookups} running, ${afterBurst.queued} queued | ${peak} | ${elapsed.toFixed(0)} ms | ${keyed} |`,
  )
  if (keyed !== burst) throw new Error(`Only ${keyed} of ${burst} names key by IP after the burst.`)
}
console.log(`${lines.join('\n')}\n`)
