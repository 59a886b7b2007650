/**
 * The same cluster client with the node cache most clients start with: a plain `Map` keyed by the raw
 * `${host}:${port}`. Like redis-py's cluster client before the fix of redis/redis-py#3163, a node object
 * normalizes its own host (`localhost` becomes `127.0.0.1`) and is stored under that name, while lookups use
 * the spelling the caller or the topology reply gave. When the two differ, every lookup misses, a new
 * connection is opened and stored over the previous one, which nothing closes any more. It exists to show
 * that leak on a real cluster; do not use it.
 */
import { type AddressInput, type Endpoint, parseAddress } from 'canonical-node-key'
import { ClusterRouter, type ClusterRouterOptions, type RoutedNode } from './cluster-router.ts'
import { RespConnection } from './connection.ts'
import type { AnnouncedMaster } from './topology.ts'

/** A node object that names itself by its normalized host, as redis-py's `ClusterNode` did. */
interface NaiveNode extends RoutedNode {
  readonly name: string
}

const hostPort = (host: string, port: number): string => `${host}:${port}`

/**
 * A cluster client whose `Map` is stored under one spelling and looked up under another. Only for showing
 * the leak that {@link ClusterClient} cannot have.
 *
 * @example
 * ```ts
 * const naive = new NaiveClusterClient({ seeds: ['localhost:7000'] })
 * await naive.connect()
 * await naive.refresh()   // against a cluster that announces `localhost`: new connections, none closed
 * naive.leaked()          // how many open connections the Map no longer holds
 * await naive.close()     // closes what the Map holds; the leaked ones stay open
 * await naive.closeLeaked()
 * ```
 */
export class NaiveClusterClient extends ClusterRouter {
  readonly #cache = new Map<string, NaiveNode>()
  /** Every connection still open, held or not: only for counting the leak and cleaning up after it. */
  readonly #open = new Set<RespConnection>()

  constructor(options: ClusterRouterOptions) {
    super(options)
  }

  /** The names the `Map` holds. */
  nodes(): string[] {
    return [...this.#cache.keys()]
  }

  /** How many of this client's connections are open although its `Map` no longer holds them. */
  leaked(): number {
    const held = new Set([...this.#cache.values()].map((node) => node.connection))
    return [...this.#open].filter((connection) => !held.has(connection)).length
  }

  /** Close the connections the `Map` lost. A real naive client has no way to: that is the leak. */
  async closeLeaked(): Promise<void> {
    await Promise.all([...this.#open].map((connection) => connection.close()))
    this.#open.clear()
  }

  protected override seedNode(seed: AddressInput): Promise<RoutedNode> {
    const { host, port } = parseAddress(seed)
    return this.#lookup(host, port)
  }

  protected override topologyNode(master: AnnouncedMaster): Promise<RoutedNode> {
    return this.#lookup(master.host, master.port)
  }

  protected override redirectNode(endpoint: Endpoint): Promise<RoutedNode> {
    return this.#lookup(endpoint.host, endpoint.port)
  }

  // The old cache is replaced by the new slot table's nodes, and nothing is closed (as redis-py did).
  protected override async follow(): Promise<void> {}

  protected override held(): RoutedNode[] {
    return [...this.#cache.values()]
  }

  protected override async closeAll(): Promise<void> {
    const held = [...this.#cache.values()]
    this.#cache.clear()
    this.counters.disposed += held.length
    await Promise.all(
      held.map(async (node) => {
        await node.connection.close()
        this.#open.delete(node.connection)
      }),
    )
  }

  // Looked up under the caller's spelling, stored under the node's own name: the drift.
  async #lookup(host: string, port: number): Promise<NaiveNode> {
    const found = this.#cache.get(hostPort(host, port))
    if (found !== undefined) return found
    const normalized = host === 'localhost' ? '127.0.0.1' : host
    const connection = await RespConnection.open({
      host: normalized,
      port,
      name: this.connectionName,
      timeout: this.timeout,
    })
    this.counters.created++
    this.#open.add(connection)
    const node = { connection, name: hostPort(normalized, port) }
    this.#cache.set(node.name, node)
    return node
  }
}
