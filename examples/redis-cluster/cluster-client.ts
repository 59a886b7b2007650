/**
 * A minimal Redis Cluster client whose per-node connections live in a {@link NodeMap}: every store and every
 * lookup of a node, whether by a seed, a topology reply or a redirection, goes through one keyer, so one node
 * has one connection whatever it is called.
 */
import type { AddressInput, Endpoint, KeyFunction, NodeKey } from 'canonical-node-key'
import { NodeMap, StaleCreationError } from 'canonical-node-key/node-map'
import { ClusterRouter, type ClusterRouterOptions, type RoutedNode } from './cluster-router.ts'
import { ConnectionClosedError, RespConnection } from './connection.ts'
import type { AnnouncedMaster } from './topology.ts'

/** Options of {@link ClusterClient}. */
export interface ClusterClientOptions extends ClusterRouterOptions {
  /**
   * The key function of the node cache (any `createNodeKeyer()` keyer, or `canonicalNodeKey`).
   * @defaultValue `canonicalNodeKey`: `localhost` is `127.0.0.1`, `::1` is not
   */
  keyer?: KeyFunction | undefined
  /**
   * When a topology reply gives a node id already held under another address (a dual-stack node reported as
   * `::1` by one peer and `127.0.0.1` by another), `link()` the new address to the connection held instead
   * of opening another.
   * @defaultValue `true`
   */
  linkByNodeId?: boolean | undefined
}

/** A node in the cache: its connection, its key and, once known, its cluster node id. */
interface ClusterNode extends RoutedNode {
  readonly key: NodeKey
  id: string | undefined
}

/**
 * A Redis Cluster client on {@link NodeMap}: one connection per node, however the seeds, the topology and the
 * redirections spell it.
 *
 * @example
 * ```ts
 * const client = new ClusterClient({ seeds: ['LOCALHOST:7000', 'redis://localhost:7001'] })
 * await client.connect()
 * await client.set('greeting', 'hello')
 * await client.get('greeting')   // 'hello'
 * client.nodes()                 // ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002']
 * await client.close()
 * ```
 */
export class ClusterClient extends ClusterRouter {
  readonly #nodes: NodeMap<ClusterNode>
  readonly #linkByNodeId: boolean
  /** Node id to the key its connection is filed under; only ids of nodes in the cache. */
  readonly #byId = new Map<string, NodeKey>()
  readonly #closing = new Set<Promise<void>>()
  readonly #opening = new Set<Promise<unknown>>()
  /** Connections this client closed itself; losing any other one asks for a topology refresh. */
  readonly #retired = new WeakSet<RespConnection>()

  constructor(options: ClusterClientOptions) {
    super(options)
    const { keyer, linkByNodeId = true } = options
    if (typeof linkByNodeId !== 'boolean') {
      throw new TypeError(`Expected \`linkByNodeId\` to be a boolean, got ${typeof linkByNodeId}.`)
    }
    this.#linkByNodeId = linkByNodeId
    this.#nodes = new NodeMap<ClusterNode>({
      keyer,
      // A connection that closed (a node restarted, a network cut) is never handed out again: the lookup
      // that finds it disposes it, and the next one dials the node anew.
      isAlive: (node) => node.connection.open,
      dispose: (node, key) => {
        this.counters.disposed++
        if (node.id !== undefined && this.#byId.get(node.id) === key) this.#byId.delete(node.id)
        this.#retired.add(node.connection)
        const closing = node.connection.close().finally(() => this.#closing.delete(closing))
        this.#closing.add(closing)
      },
    })
  }

  /** The keys of the nodes held, one per node. */
  nodes(): NodeKey[] {
    return [...this.#nodes.keys()]
  }

  /** The spellings each node held has been reached by (seeds, topology replies, redirections). */
  aliases(): Map<NodeKey, string[]> {
    return new Map(this.nodes().map((key) => [key, this.#nodes.aliases(key)]))
  }

  protected override async seedNode(seed: AddressInput): Promise<RoutedNode> {
    const node = await this.#node(seed)
    // A seed's id lets a later topology reply that names the node differently be linked to it.
    if (node.id === undefined) node.id = String(await node.connection.command(['CLUSTER', 'MYID']))
    const held = this.#byId.get(node.id)
    if (held !== undefined && held !== node.key && this.#linkByNodeId && this.#nodes.has(held)) {
      // Another seed already reached this node under another address (`[::1]:7000` after `127.0.0.1:7000`):
      // the connection just opened to learn the id gives way to the one held.
      this.#nodes.link(seed, held)
      return this.#nodes.get(held)!
    }
    this.#byId.set(node.id, node.key)
    return node
  }

  protected override async topologyNode(master: AnnouncedMaster): Promise<RoutedNode> {
    // `follow` has synced the map to this topology: the entry found here is this node's.
    const address = { host: master.host, port: master.port }
    const held = this.#nodes.get(address)
    if (held !== undefined && held.id !== undefined && held.id !== master.id) {
      // Followed by address alone (no node ids), a restart with a new id shows only here: the old connection
      // is not the new node's.
      this.#nodes.delete(address)
    }
    const node = await this.#node(address)
    node.id ??= master.id
    if (node.id === master.id) this.#byId.set(master.id, node.key)
    return node
  }

  protected override redirectNode(endpoint: Endpoint): Promise<RoutedNode> {
    return this.#node(endpoint)
  }

  // NodeMap.sync does the pruning: a node no reply lists is disposed ('departed'), an address now listed
  // under another id loses its old connection ('replaced'), the addresses of one id find one entry, and a
  // dial in flight for a node gone is cancelled (its connection is closed when it arrives). Without node ids,
  // only addresses can be followed, and only the table's own reply can vouch for one: two replies may spell
  // one node two ways.
  protected override async follow(
    table: readonly AnnouncedMaster[],
    listed: readonly AnnouncedMaster[],
  ): Promise<void> {
    // A reply without masters (a cluster not yet configured) says nothing about who left.
    if (listed.length === 0) return
    if (this.#linkByNodeId) {
      // The address a node's connection is already filed under (a seed reached as `[::1]:7000`, which the
      // topology calls `127.0.0.1:7000`) is one more address of that id: the two find one entry.
      this.#nodes.sync(
        listed.map(({ id, host, port }) => {
          const held = this.#byId.get(id)
          return { id, key: { host, port }, addresses: held === undefined ? [] : [held] }
        }),
      )
    } else {
      this.#nodes.sync(table.map(({ host, port }) => ({ host, port })))
    }
    await this.#settled()
  }

  protected override held(): RoutedNode[] {
    return [...this.#nodes.values()]
  }

  protected override async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#opening])
    this.#nodes.clear()
    await this.#settled()
  }

  async #settled(): Promise<void> {
    while (this.#closing.size > 0) await Promise.allSettled([...this.#closing])
  }

  #node(address: AddressInput): Promise<ClusterNode> {
    const opening = this.#nodes
      .getOrCreateAsync(address, async (key, dial) => {
        // Dial what the map says the key stands for: the endpoint after the keyer's resolver (NAT,
        // loopback, DNS). A TLS connection would pass `dial.servername` as its servername.
        const { host, port } = dial
        const connection = await RespConnection.open({
          host,
          port,
          name: this.connectionName,
          timeout: this.timeout,
        })
        this.counters.created++
        // A connection lost to the server (a restart, a crash, a failover) moves the table on at once rather
        // than at the next command that meets it.
        void connection.closed.then(() => {
          if (!this.#retired.has(connection)) void this.refreshSoon()
        })
        return { connection, key, id: undefined }
      })
      .catch((error: unknown) => {
        // The node left the cluster or was replaced while its connection was being dialled: for the command that
        // waited, that is a lost connection like any other, retried against the new table.
        if (error instanceof StaleCreationError) throw new ConnectionClosedError(error.message)
        throw error
      })
    this.#opening.add(opening)
    return opening.finally(() => this.#opening.delete(opening))
  }
}
