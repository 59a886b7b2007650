/**
 * The types of the topology readers: their options and what they return.
 */
import type { AddressKeyer, NodeKey } from '../key/internal.js'

/**
 * Options of {@link readClusterSlots}, {@link readClusterShards} and {@link readClusterNodes}.
 * @category Topology
 */
export interface ReadTopologyOptions {
  /**
   * The keyer every node's address goes through; use the one your node cache uses.
   * @defaultValue `canonicalNodeKey`
   */
  keyer?: AddressKeyer | undefined
  /**
   * The host the reply came from (`'127.0.0.1'`, `'::1'`, `'[::1]'`, `'redis-1.example'`). Redis writes an
   * empty host (and, under `cluster-preferred-endpoint-type unknown-endpoint`, a null one in `CLUSTER SLOTS`)
   * for "the node you are talking to"; such a node takes this host and its own port. Without it, such a node
   * is reported in {@link ClusterTopology.unkeyed}.
   */
  origin?: string | undefined
  /**
   * `CLUSTER SHARDS` only: take a node's `tls-port` rather than its `port` when it has both (a client that
   * dials the cluster over TLS). `CLUSTER SLOTS` already gives the port that suits the connection it was asked on.
   * @defaultValue `false`
   */
  tls?: boolean | undefined
}

/**
 * A node's role in the topology.
 *
 * @category Topology
 */
export type ClusterNodeRole = 'master' | 'replica'

/**
 * One node of a topology, keyed.
 * @category Topology
 */
export interface TopologyNode {
  /** The node id (40 hex characters in Redis), as written. */
  readonly id: string
  /** The canonical key of the node's preferred endpoint, through the keyer. */
  readonly key: NodeKey
  /** The host to dial: the key's host (after the keyer's resolver: NAT, loopback, DNS), IPv6 bare. */
  readonly host: string
  /** The port to dial: the key's port. */
  readonly port: number
  /**
   * The DNS name the preferred endpoint was given as, for TLS SNI and certificate checks: lowercase,
   * punycode, without a trailing dot. Absent when the endpoint is an IP address.
   */
  readonly servername?: string
  /** The preferred endpoint's host as the reply wrote it (`''` when it was the origin's). */
  readonly announced: string
  /** The hostname the node announces (`cluster-announce-hostname`), as written, when the reply gives one. */
  readonly hostname?: string
  /** The IP address the node announces, as written, when the reply gives one. */
  readonly ip?: string
  /** `'master'`, or `'replica'` (Redis's `slave` flag in `CLUSTER NODES`). */
  readonly role: ClusterNodeRole
}

/**
 * Why a node of a reply has no key: `unknown-endpoint` (Redis's `?`: the preferred endpoint is a hostname
 * the node does not have), `no-address` (a node in handshake, flagged `noaddr`, or an empty host with no
 * `origin` given), or `invalid-address` (the keyer refused the address; `error` says why).
 *
 * @category Topology
 */
export type UnkeyedReason = 'unknown-endpoint' | 'no-address' | 'invalid-address'

/**
 * A node the reply names but gives no usable address for: reported, not keyed.
 * @category Topology
 */
export interface UnkeyedNode {
  /** The node id, as written. */
  readonly id: string
  /** `'master'` or `'replica'`. */
  readonly role: ClusterNodeRole
  /** The preferred endpoint's host as written (`'?'`, `''`), or `null` when the reply gave null. */
  readonly announced: string | null
  /** The port the reply gives (`0` for a node without an address). */
  readonly port: number
  /** The hostname the node announces, when the reply gives one. */
  readonly hostname?: string
  /** The IP address the node announces, when the reply gives one (a `?` node may still be reached there). */
  readonly ip?: string
  /** Why the node has no key. */
  readonly reason: UnkeyedReason
  /** What is missing or wrong, naming the node id. */
  readonly message: string
  /** The keyer's error, for `invalid-address`. */
  readonly error?: Error
}

/**
 * A range of hash slots, its master's node id and its replicas' ids (which {@link ClusterTopology.nodes} or
 * {@link ClusterTopology.unkeyed} describe).
 * @category Topology
 */
export interface SlotRange {
  /** The first slot of the range, 0 to 16383. */
  readonly start: number
  /** The last slot of the range, inclusive. */
  readonly end: number
  /** The master's id; absent only for a `CLUSTER SHARDS` shard that has no node in the master role. */
  readonly master?: string
  /** The replicas' ids, in the order of the reply. */
  readonly replicas: readonly string[]
}

/**
 * What a reader returns.
 * @category Topology
 */
export interface ClusterTopology {
  /** Slot ranges in the order of the reply. */
  readonly slots: readonly SlotRange[]
  /** Every keyed node, once per node id, in the order first met. */
  readonly nodes: readonly TopologyNode[]
  /** Nodes without a usable address, once per node id. */
  readonly unkeyed: readonly UnkeyedNode[]
}
