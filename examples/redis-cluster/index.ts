/** A minimal Redis Cluster client on NodeMap, and a naive one that shows the leak NodeMap prevents. */
export { ClusterClient, type ClusterClientOptions } from './cluster-client.ts'
export { ClusterError, type ClusterRouterOptions, type ClusterStats } from './cluster-router.ts'
export { ConnectionClosedError, RespConnection, type RespConnectionOptions } from './connection.ts'
export { crc16, hashTag, keyHashSlot, SLOT_COUNT } from './hash-slot.ts'
export { NaiveClusterClient } from './naive-cluster-client.ts'
export { encodeCommand, RedisReplyError, RespDecoder, RespProtocolError } from './resp.ts'
export { parseRedirect, readAnnouncedSlotRanges, TopologyError } from './topology.ts'
