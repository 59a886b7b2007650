/**
 * Re-record test/fixtures/redis-cli/: real `redis-cli cluster nodes`, `redis-cli --json cluster slots` and
 * `redis-cli --json cluster shards` output (RESP3, redis-cli's default with --json, and RESP2 with -2) from
 * every node of a three-master cluster, in each announce mode. Run by hand:
 *
 *   npx tsx test/integration/record-redis-cli-fixtures.ts
 *
 * Output is kept byte for byte in `.txt` files (`--json` output in `.json.txt`). Ports and node ids are
 * whatever this run got; manifest.json lists them per mode, so tests can check a parser's answer against
 * the facts instead of against hand-written expectations.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Reply } from '../../examples/redis-cluster/resp.ts'
import {
  type Cluster,
  type ClusterMode,
  skipUnlessRedis,
  startCluster,
  waitFor,
} from './redis-cluster-harness.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'redis-cli')

interface Variant {
  /** The folder name. */
  name: string
  mode: ClusterMode
  description: string
  /** Changes made after the cluster is ready and before recording. */
  prepare?: (cluster: Cluster) => Promise<void>
}

const hostsSeenBy = async (cluster: Cluster, index: number): Promise<string[]> =>
  ((await cluster.command(index, ['CLUSTER', 'SLOTS'])) as Reply[][]).map((range) =>
    String((range[2] as Reply[])[0]),
  )

const variants: Variant[] = [
  { name: 'ip', mode: 'ip', description: 'bound to 127.0.0.1 and ::1, announced by IP' },
  {
    name: 'hostname',
    mode: 'hostname',
    description: 'cluster-announce-hostname localhost, cluster-preferred-endpoint-type hostname',
  },
  { name: 'ipv6', mode: 'ipv6', description: 'bound to ::1 only' },
  {
    name: 'ip-announce-ipv6',
    mode: 'ip',
    description:
      'ip mode after CONFIG SET cluster-announce-ip ::1 on node 2: nodes 0 and 1 report node 2 as ::1 and themselves as 127.0.0.1, node 2 reports every node as ::1, so one node id has two spellings',
    prepare: async (cluster) => {
      await cluster.command(2, ['CONFIG', 'SET', 'cluster-announce-ip', '::1'])
      await waitFor('the peers to see node 2 as ::1 and node 2 to see every node as ::1', async () => {
        const fromNode0 = await hostsSeenBy(cluster, 0)
        const fromNode2 = await hostsSeenBy(cluster, 2)
        const ok =
          fromNode0.filter((host) => host === '::1').length === 1 && fromNode2.every((host) => host === '::1')
        return ok ? true : undefined
      })
    },
  },
]

const record = async (variant: Variant): Promise<unknown> => {
  const cluster = await startCluster(variant.mode)
  try {
    await variant.prepare?.(cluster)
    const folder = join(root, variant.name)
    rmSync(folder, { recursive: true, force: true })
    mkdirSync(folder, { recursive: true })
    const files: { node: number; command: string; file: string }[] = []
    for (let i = 0; i < cluster.nodes.length; i++) {
      const port = String(cluster.nodes[i]!.port)
      const nodes = await cluster.cli(i, ['cluster', 'nodes'])
      writeFileSync(join(folder, `cluster-nodes-${i}.txt`), nodes)
      files.push({ node: i, command: `redis-cli -p ${port} cluster nodes`, file: `cluster-nodes-${i}.txt` })
      // redis-cli --json speaks RESP3 unless told -2: maps print as JSON objects under RESP3 and as flat
      // [key, value, …] arrays under RESP2, the two shapes a client library hands over.
      for (const [command, base] of [
        ['slots', 'cluster-slots'],
        ['shards', 'cluster-shards'],
      ] as const) {
        for (const [protocol, suffix] of [
          [[], ''],
          [['-2'], '-resp2'],
        ] as const) {
          const file = `${base}${suffix}-${i}.json.txt`
          writeFileSync(join(folder, file), await cluster.cli(i, [...protocol, '--json', 'cluster', command]))
          files.push({
            node: i,
            command: ['redis-cli', '-p', port, ...protocol, '--json', 'cluster', command].join(' '),
            file,
          })
        }
      }
    }
    return {
      name: variant.name,
      mode: variant.mode,
      description: variant.description,
      host: cluster.host,
      nodes: cluster.nodes.map((node, index) => ({ index, port: node.port, id: node.id })),
      files,
    }
  } finally {
    await cluster.stop()
  }
}

const main = async (): Promise<void> => {
  const skip = skipUnlessRedis()
  if (skip !== false) {
    console.error(skip)
    process.exitCode = 1
    return
  }
  const version = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim()
  const recorded: unknown[] = []
  for (const variant of variants) {
    recorded.push(await record(variant))
    console.log(`recorded ${variant.name}`)
  }
  const manifest = join(root, 'manifest.json')
  writeFileSync(manifest, `${JSON.stringify({ recordedWith: version, variants: recorded }, null, 2)}\n`)
  // The captured output stays byte for byte as redis-cli wrote it (in .txt files, which the formatter leaves
  // alone); only the manifest, written here, is formatted like every other JSON file in the repository.
  execFileSync('npx', ['biome', 'format', '--write', manifest], { stdio: 'ignore' })
}

await main()
