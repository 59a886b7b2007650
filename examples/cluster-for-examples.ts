/**
 * The cluster the client examples run against: the seeds given on the command line, or else a throwaway
 * three-master Redis Cluster on loopback (needs `redis-server` on the PATH), started with the integration
 * tests' harness and stopped when the example ends.
 */

import {
  type Cluster,
  type ClusterMode,
  type StartClusterOptions,
  startCluster,
  waitFor,
} from '../test/integration/redis-cluster-harness.ts'
import type { Reply } from './redis-cluster/resp.ts'

/** Seeds and, for a cluster of our own, its handle. */
export interface ExampleCluster {
  seeds: string[]
  /** Only for the throwaway cluster. */
  own?: Cluster
}

/** How to start the throwaway cluster when no seeds are given. */
export interface ExampleClusterOptions extends Pick<StartClusterOptions, 'slots'> {
  /**
   * How the nodes announce themselves: by IP, or as `localhost` (`hostname`).
   * @defaultValue `'ip'`
   */
  mode?: Exclude<ClusterMode, 'ipv6'>
}

/**
 * The seeds from `process.argv`, or a throwaway cluster with its seeds written in mixed spellings.
 *
 * @example
 * ```ts
 * const { seeds, own } = await exampleCluster({ mode: 'hostname' })
 * try { … } finally { await own?.stop() }
 * ```
 */
export const exampleCluster = async (options: ExampleClusterOptions = {}): Promise<ExampleCluster> => {
  const given = process.argv.slice(2)
  if (given.length > 0) return { seeds: given }
  const { mode = 'ip', ...layout } = options
  const announced = mode === 'ip' ? 'announced by IP' : 'announced as localhost'
  const ranges = layout.slots === undefined ? '' : `, slots in ${layout.slots.length} ranges`
  console.log(
    `No seeds given: starting a three-master cluster on loopback (redis-server, ${announced}${ranges})…`,
  )
  const own = await startCluster(mode, layout)
  const [a, b, c] = own.nodes.map((node) => node.port)
  return { seeds: [`LOCALHOST:${a}`, `[::1]:${b}`, `redis://localhost:${c}`, `127.0.0.1:${a}`], own }
}

/**
 * Re-announce node 2 of our own cluster as `::1` (its server listens on both loopback addresses), and wait
 * until node 0 reports it so: from now on, which spelling a topology reply gives depends on who is asked.
 *
 * @example
 * ```ts
 * if (own) await announceNode2AsIPv6(own)
 * ```
 */
export const announceNode2AsIPv6 = async (cluster: Cluster): Promise<void> => {
  await cluster.command(2, ['CONFIG', 'SET', 'cluster-announce-ip', '::1'])
  await waitFor('node 0 to report node 2 as ::1', async () => {
    const slots = (await cluster.command(0, ['CLUSTER', 'SLOTS'])) as Reply[][]
    return slots.some((range) => (range[2] as Reply[])[0] === '::1') ? true : undefined
  })
}
