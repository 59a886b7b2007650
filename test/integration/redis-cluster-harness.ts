/**
 * A real Redis Cluster on loopback for the integration tests: three masters from the system's
 * `redis-server`, each on a free port with a temporary directory, joined with `redis-cli --cluster create`.
 * Every server started here is stopped by PID: by `stop()`, and by an exit handler if a test dies first.
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { RespConnection } from '../../examples/redis-cluster/connection.ts'
import type { Reply } from '../../examples/redis-cluster/resp.ts'

const run = promisify(execFile)

/**
 * How the nodes announce themselves:
 * - `ip`: bound to `127.0.0.1` and `::1`, announced by IP (`127.0.0.1`);
 * - `hostname`: the same binds, announced as `localhost` with `cluster-preferred-endpoint-type hostname`;
 * - `ipv6`: bound to `::1` only, announced as `::1`.
 */
export type ClusterMode = 'ip' | 'hostname' | 'ipv6'

/** The Debian package that provides `redis-server` and `redis-cli`. */
export const REDIS_PACKAGE = 'redis-server'

/**
 * Whether `redis-server` and `redis-cli` can be run.
 *
 * @example
 * ```ts
 * if (!redisAvailable()) console.log('apt-get install redis-server')
 * ```
 */
export const redisAvailable = (): boolean =>
  ['redis-server', 'redis-cli'].every(
    (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0,
  )

/**
 * `false` when the tests can run; otherwise the one-line reason to skip them. Under `REQUIRE_REDIS=1` a missing
 * server throws instead, so CI cannot pass by skipping.
 *
 * @example
 * ```ts
 * describe('Redis Cluster', { skip: skipUnlessRedis() }, () => { … })
 * ```
 */
export const skipUnlessRedis = (): false | string => {
  if (redisAvailable()) return false
  const reason = `redis-server not found on PATH: install the Debian package "${REDIS_PACKAGE}" (apt-get install ${REDIS_PACKAGE}) to run the Redis Cluster tests`
  if (process.env['REQUIRE_REDIS'] === '1') throw new Error(`REQUIRE_REDIS=1 but ${reason}.`)
  return reason
}

// Every server this process started and has not yet seen exit, with its directory, so the exit handler can
// stop them and clean up.
const live = new Map<number, string>()
process.once('exit', () => {
  for (const [pid, dir] of live) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true })
  }
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)))
}

const taken = new Set<number>()

const canListen = (port: number, host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })

/** A port free on both loopback addresses whose cluster bus port (port + 10000) is free too. */
const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 25_000)
    if (taken.has(port)) continue
    let free = true
    for (const candidate of [port, port + 10_000]) {
      for (const host of ['127.0.0.1', '::1']) free &&= await canListen(candidate, host)
    }
    if (free) {
      taken.add(port)
      return port
    }
  }
  throw new Error('Expected to find a free loopback port pair within 200 attempts.')
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Poll `check` every 50 ms until it returns a value other than `undefined`, or fail naming `what` after
 * `timeout` ms (a check that throws counts as not yet).
 *
 * @example
 * ```ts
 * await waitFor('the server to answer', () => RespConnection.open({ host, port }).catch(() => undefined))
 * ```
 */
export const waitFor = async <T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeout = 20_000,
): Promise<T> => {
  const deadline = Date.now() + timeout
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeout} ms waiting for ${what}${last ? `: ${String(last)}` : ''}.`)
    }
    await sleep(50)
  }
}

/**
 * `count` ranges of nearly equal size over the 16384 slots, dealt to `nodes` nodes in turn: a layout for
 * {@link StartClusterOptions.slots} where each node serves several ranges.
 *
 * @example
 * ```ts
 * splitSlots(6, 3) // [[0, 2729, 0], [2730, 5460, 1], [5461, 8191, 2], [8192, 10921, 0], …]
 * ```
 */
export const splitSlots = (count: number, nodes: number): [number, number, number][] =>
  Array.from({ length: count }, (_, i) => [
    Math.floor((i * 16384) / count),
    Math.floor(((i + 1) * 16384) / count) - 1,
    i % nodes,
  ])

/** One server of the cluster (running unless {@link Cluster.kill} stopped it). */
export interface ClusterNode {
  readonly port: number
  /** The server's process id; a restart changes it. */
  pid: number
  readonly dir: string
  /** The cluster node id (40 hex characters); a restart with a fresh config changes it. */
  id: string
  /** The harness's own connection to this node (named `harness`). */
  admin: RespConnection
  /** Whether the server is running: `false` after {@link Cluster.kill} or {@link Cluster.removeNode}. */
  alive: boolean
  /** Whether the server is still one of the cluster's nodes: `false` after {@link Cluster.removeNode}. */
  member: boolean
}

/** A node as a live member's `CLUSTER NODES` reports it. */
export interface ClusterMember {
  readonly id: string
  readonly port: number
  readonly role: 'master' | 'replica'
  /** The master's id, for a replica. */
  readonly masterId: string | undefined
  /** Whether the reporting node flags it `fail` or `fail?`. */
  readonly failing: boolean
}

/** A running cluster; `stop()` ends it. */
export interface Cluster {
  readonly mode: ClusterMode
  /** The address the harness dials: `127.0.0.1`, or `::1` in `ipv6` mode. */
  readonly host: string
  readonly nodes: readonly ClusterNode[]
  /** Send a command to node `index` on the harness's connection. */
  command(index: number, args: readonly (string | number)[]): Promise<Reply>
  /** Run `redis-cli` against node `index` with the given arguments; resolves with its standard output. */
  cli(index: number, args: readonly string[]): Promise<string>
  /** For each node, how many client connections carry the name `name` (from `CLIENT LIST`). */
  connectionsNamed(name: string): Promise<number[]>
  /** The index of the node that serves a slot, as the first running member sees it. */
  ownerOf(slot: number): Promise<number>
  /** For each of the 16384 slots, the id of its master as the first running member sees it (`undefined`: unserved). */
  slotOwners(): Promise<(string | undefined)[]>
  /** Wait until every running member reports `cluster_state:ok` and the same slot owners. */
  settle(): Promise<void>
  /** Every node the cluster knows, as node `from` (the first running member by default) reports them. */
  members(from?: number): Promise<ClusterMember[]>
  /** For each running server's port, how many client connections carry the name `name`. */
  connectionsByPort(name: string): Promise<Map<number, number>>
  /** Stop node `index` at once with SIGKILL (no shutdown, no save), and wait until it has exited. */
  kill(index: number): Promise<void>
  /**
   * Start node `index` again on its port and wait until it answers. With `freshId`, its `nodes.conf` is
   * removed first, so it comes back as a new, empty node that the harness introduces to the cluster again
   * (`CLUSTER MEET`); every other member forgets its old id.
   */
  restart(index: number, options?: { freshId?: boolean }): Promise<void>
  /**
   * Start a new server on a new port and add it with `redis-cli --cluster add-node`: as a replica of node
   * `replicaOf`, or as a master without slots. Resolves with its index in {@link nodes}.
   */
  addNode(options?: { replicaOf?: number }): Promise<number>
  /**
   * Remove node `index` (a replica, or a master without slots) with `redis-cli --cluster del-node`, then stop
   * its server; with `keepRunning`, the server stays up outside the cluster, so connections clients still hold
   * to it can be counted.
   */
  removeNode(index: number, options?: { keepRunning?: boolean }): Promise<void>
  /** Move `slots` slots from node `from` to node `to` with `redis-cli --cluster reshard`. */
  reshard(from: number, to: number, slots: number): Promise<void>
  /** Fail node `index` (a replica) over to take its master's place with `CLUSTER FAILOVER`. */
  failover(index: number): Promise<void>
  stop(): Promise<void>
}

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** How many masters. @defaultValue `3` */
  masters?: number
  /**
   * Who serves which slots, as `[start, end, node index]` ranges covering 0 to 16383, assigned before the nodes
   * meet (as `redis-cli --cluster create` does, with a distinct config epoch each), so no slot ever changes
   * hands. (Cutting ranges afterwards with single-slot SETSLOT moves left config epochs to collision
   * handling here, which reverted some moves after every node had agreed on them.)
   * @defaultValue `redis-cli --cluster create`'s even split
   */
  slots?: readonly (readonly [start: number, end: number, node: number])[]
  /**
   * More loopback addresses every server listens on besides its mode's (for example `['127.0.0.2']`, so a
   * name can move to another address of the same server).
   * @defaultValue none
   */
  alsoBind?: readonly string[]
  /**
   * Replicas per master; `redis-cli --cluster create` assigns them, so it needs 3 masters or more.
   * @defaultValue `0`
   */
  replicas?: number
  /**
   * `cluster-node-timeout` in milliseconds: how long a node may be unreachable before its peers fail it
   * (and a replica takes over).
   * @defaultValue `5000`
   */
  nodeTimeout?: number
}

const bindFor = (mode: ClusterMode, alsoBind: readonly string[]): string =>
  [mode === 'ipv6' ? '::1' : '127.0.0.1 ::1', ...alsoBind].join(' ')

const startServer = async (
  mode: ClusterMode,
  port: number,
  dir: string,
  alsoBind: readonly string[],
  nodeTimeout = 5000,
): Promise<{ pid: number; exited: Promise<void> }> => {
  const args = [
    '--port',
    String(port),
    '--bind',
    bindFor(mode, alsoBind),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    join(dir, 'nodes.conf'),
    '--cluster-node-timeout',
    String(nodeTimeout),
    '--logfile',
    join(dir, 'redis.log'),
    '--daemonize',
    'no',
  ]
  if (mode === 'hostname') {
    args.push('--cluster-announce-hostname', 'localhost', '--cluster-preferred-endpoint-type', 'hostname')
  }
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  const pid = child.pid
  if (pid === undefined) throw new Error('Expected redis-server to start, but it has no PID.')
  live.set(pid, dir)
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(pid)
      resolve()
    })
  })
  child.once('error', () => live.delete(pid))
  return { pid, exited }
}

const tail = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-8).join('\n')
  } catch {
    return '(no log)'
  }
}

const parseInfo = (text: Reply): Record<string, string> => {
  const fields: Record<string, string> = {}
  for (const line of String(text).split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1)
  }
  return fields
}

/** Slot owners from `CLUSTER SLOTS` as `start-end:nodeid` strings, sorted, for comparing nodes' views. */
const slotView = (reply: Reply): string =>
  (reply as Reply[][])
    .map((range) => `${range[0]}-${range[1]}:${(range[2] as Reply[])[2]}`)
    .sort()
    .join(',')

/** A server process the harness started, with where it lives. */
interface Server {
  readonly port: number
  readonly dir: string
  pid: number
  exited: Promise<void>
}

// A `CLUSTER NODES` line: `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> …`.
const readMembers = (text: Reply): ClusterMember[] =>
  String(text)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-'] = line.split(' ')
      const hostPort = address.split('@')[0] ?? ''
      const flagSet = new Set(flags.split(','))
      return {
        id,
        port: Number(hostPort.slice(hostPort.lastIndexOf(':') + 1)),
        role: flagSet.has('slave') ? 'replica' : 'master',
        masterId: master === '-' ? undefined : master,
        failing: flagSet.has('fail') || flagSet.has('fail?'),
      } satisfies ClusterMember
    })

/**
 * Start a cluster in `mode` and wait until it is ready: three masters (and `replicas` replicas of each)
 * joined by `redis-cli --cluster create`, or the layout the options give.
 *
 * @example
 * ```ts
 * const cluster = await startCluster('ip', { replicas: 1, nodeTimeout: 1000 })
 * try { … } finally { await cluster.stop() }
 * ```
 */
export const startCluster = async (
  mode: ClusterMode,
  options: StartClusterOptions = {},
): Promise<Cluster> => {
  const { masters = 3, slots, alsoBind = [], replicas = 0, nodeTimeout = 5000 } = options
  if (!Number.isInteger(replicas) || replicas < 0 || (replicas > 0 && (masters < 3 || slots !== undefined))) {
    throw new RangeError(`Expected replicas to be 0, or a count with 3 masters or more and no slot layout.`)
  }
  const host = mode === 'ipv6' ? '::1' : '127.0.0.1'
  const servers: Server[] = []
  const nodes: ClusterNode[] = []
  const where = (port: number): string => `${host}:${port}`

  // Signal only a process this harness still sees running, so a reused PID is never hit.
  const signal = (server: Server, name: NodeJS.Signals): void => {
    if (!live.has(server.pid)) return
    try {
      process.kill(server.pid, name)
    } catch {
      // Already gone.
    }
  }

  const halt = async (server: Server, name: NodeJS.Signals): Promise<void> => {
    signal(server, name)
    const timer = setTimeout(() => signal(server, 'SIGKILL'), 3000)
    await server.exited
    clearTimeout(timer)
  }

  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.admin.close().catch(() => undefined)))
    await Promise.all(
      servers.map(async (server) => {
        await halt(server, 'SIGTERM')
        rmSync(server.dir, { recursive: true, force: true })
      }),
    )
  }

  // Start (or start again) the server on `port` in `dir`; resolves once it answers, with its admin connection.
  const launch = async (port: number, dir: string, known?: Server): Promise<[Server, RespConnection]> => {
    const started = await startServer(mode, port, dir, alsoBind, nodeTimeout)
    const server = known ?? { port, dir, pid: started.pid, exited: started.exited }
    server.pid = started.pid
    server.exited = started.exited
    if (known === undefined) servers.push(server)
    const admin = await waitFor(`redis-server on port ${port} (log: ${join(dir, 'redis.log')})`, async () => {
      if (!live.has(server.pid)) {
        throw new Error(`redis-server exited early:\n${tail(join(dir, 'redis.log'))}`)
      }
      return RespConnection.open({ host, port, name: 'harness' }).catch(() => undefined)
    })
    return [server, admin]
  }

  const addServer = async (): Promise<ClusterNode> => {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), `cnk-redis-${mode}-`))
    const [server, admin] = await launch(port, dir)
    const id = String(await admin.command(['CLUSTER', 'MYID']))
    const node = { port, pid: server.pid, dir, id, admin, alive: true, member: true }
    nodes.push(node)
    return node
  }

  const nodeAt = (index: number): ClusterNode => {
    const node = nodes[index]
    if (node === undefined) throw new RangeError(`Expected a node index below ${nodes.length}, got ${index}.`)
    return node
  }

  const running = (): ClusterNode[] => nodes.filter((node) => node.alive && node.member)

  const command = (index: number, args: readonly (string | number)[]): Promise<Reply> => {
    const node = nodeAt(index)
    if (!node.alive) throw new Error(`Expected node ${index} (port ${node.port}) to be running.`)
    return node.admin.command(args)
  }

  try {
    for (let i = 0; i < masters * (1 + replicas); i++) await addServer()
    if (slots !== undefined) {
      for (const [start, end, index] of slots) {
        await nodeAt(index).admin.command(['CLUSTER', 'ADDSLOTSRANGE', start, end])
      }
      for (const [index, node] of nodes.entries()) {
        await node.admin.command(['CLUSTER', 'SET-CONFIG-EPOCH', index + 1])
        if (index > 0) await nodes[0]!.admin.command(['CLUSTER', 'MEET', host, node.port])
      }
    } else if (nodes.length >= 3) {
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...nodes.map((node) => where(node.port)),
          '--cluster-replicas',
          String(replicas),
          '--cluster-yes',
        ],
        { timeout: 60_000 },
      )
    } else {
      // redis-cli creates clusters of three masters or more; a lone master takes every slot itself and, never
      // having met a peer, does not know its own address: CLUSTER SLOTS gives it an empty host.
      if (nodes.length !== 1) throw new RangeError(`Expected 1 master, or 3 or more, got ${nodes.length}.`)
      await nodes[0]!.admin.command(['CLUSTER', 'ADDSLOTSRANGE', 0, 16383])
    }
  } catch (error) {
    await stop()
    throw error
  }

  const members = async (from?: number): Promise<ClusterMember[]> => {
    const index = from ?? nodes.indexOf(running()[0]!)
    return readMembers(await command(index, ['CLUSTER', 'NODES']))
  }

  const settle = async (): Promise<void> => {
    let seen: string[] = []
    await waitFor(
      'every node to report cluster_state:ok and the same slot owners',
      async () => {
        seen = []
        for (const node of running()) {
          const state = parseInfo(await node.admin.command(['CLUSTER', 'INFO']))['cluster_state']
          const replication = parseInfo(await node.admin.command(['INFO', 'replication']))
          // A replica counts once it has synced with its master: only then can it take over.
          const link = replication['role'] === 'slave' ? ` link:${replication['master_link_status']}` : ''
          const view = slotView(await node.admin.command(['CLUSTER', 'SLOTS']))
          seen.push(`port ${node.port}: ${state}${link} ${view}`)
        }
        const views = new Set(seen.map((line) => line.slice(line.lastIndexOf(' '))))
        const ready = seen.every((line) => line.includes(': ok ') && !line.includes('link:down'))
        return views.size === 1 && ready ? true : undefined
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${seen.join('\n')}`)
    })
  }

  const slotOwners = async (): Promise<(string | undefined)[]> => {
    const owners: (string | undefined)[] = new Array(16384).fill(undefined)
    const asked = nodes.indexOf(running()[0]!)
    for (const range of (await command(asked, ['CLUSTER', 'SLOTS'])) as Reply[][]) {
      owners.fill(String((range[2] as Reply[])[2]), range[0] as number, (range[1] as number) + 1)
    }
    return owners
  }

  const ownerOf = async (slot: number): Promise<number> => {
    const id = (await slotOwners())[slot]
    const index = nodes.findIndex((node) => node.id === id)
    if (index === -1) throw new Error(`Expected slot ${slot} to have an owner.`)
    return index
  }

  const countNamed = async (node: ClusterNode, name: string): Promise<number> => {
    const list = String(await node.admin.command(['CLIENT', 'LIST']))
    return list.split('\n').filter((line) => line.includes(` name=${name} `)).length
  }

  const connectionsNamed = async (name: string): Promise<number[]> => {
    const counts: number[] = []
    for (const node of nodes) counts.push(node.alive ? await countNamed(node, name) : 0)
    return counts
  }

  const connectionsByPort = async (name: string): Promise<Map<number, number>> => {
    const counts = new Map<number, number>()
    for (const node of nodes) if (node.alive) counts.set(node.port, await countNamed(node, name))
    return counts
  }

  const cli = async (index: number, args: readonly string[]): Promise<string> => {
    const node = nodeAt(index)
    const { stdout } = await run('redis-cli', ['-h', host, '-p', String(node.port), ...args], {
      timeout: 10_000,
    })
    return stdout
  }

  const kill = async (index: number): Promise<void> => {
    const node = nodeAt(index)
    const server = servers.find((candidate) => candidate.port === node.port)!
    await halt(server, 'SIGKILL')
    node.alive = false
    await node.admin.close().catch(() => undefined)
  }

  const restart = async (index: number, { freshId = false } = {}): Promise<void> => {
    const node = nodeAt(index)
    if (node.alive) throw new Error(`Expected node ${index} (port ${node.port}) to be stopped first.`)
    const server = servers.find((candidate) => candidate.port === node.port)!
    const oldId = node.id
    if (freshId) rmSync(join(node.dir, 'nodes.conf'), { force: true })
    const [, admin] = await launch(node.port, node.dir, server)
    node.admin = admin
    node.pid = server.pid
    node.alive = true
    node.id = String(await admin.command(['CLUSTER', 'MYID']))
    if (!freshId) return
    const peers = running().filter((peer) => peer !== node)
    // Every peer must forget the old id within a minute of each other, or gossip brings it back.
    for (const peer of peers) await peer.admin.command(['CLUSTER', 'FORGET', oldId]).catch(() => undefined)
    await peers[0]!.admin.command(['CLUSTER', 'MEET', host, node.port])
    await waitFor(`node ${index} to join with its new id`, async () => {
      const known = await members(nodes.indexOf(peers[0]!))
      return known.some((member) => member.id === node.id && !member.failing) &&
        !known.some((member) => member.id === oldId)
        ? true
        : undefined
    })
  }

  const addNode = async ({ replicaOf }: { replicaOf?: number } = {}): Promise<number> => {
    const seed = running()[0]!
    const node = await addServer()
    const args = ['--cluster', 'add-node', where(node.port), where(seed.port)]
    if (replicaOf !== undefined) args.push('--cluster-slave', '--cluster-master-id', nodeAt(replicaOf).id)
    await run('redis-cli', args, { timeout: 60_000 })
    await waitFor(`the new node on port ${node.port} to be known`, async () =>
      (await members(nodes.indexOf(seed))).some((member) => member.id === node.id) ? true : undefined,
    )
    return nodes.length - 1
  }

  const removeNode = async (index: number, { keepRunning = false } = {}): Promise<void> => {
    const node = nodeAt(index)
    const seed = running().find((candidate) => candidate !== node)!
    await run('redis-cli', ['--cluster', 'del-node', where(seed.port), node.id], { timeout: 60_000 })
    node.member = false
    if (keepRunning) return
    const server = servers.find((candidate) => candidate.port === node.port)!
    await node.admin.close().catch(() => undefined)
    await halt(server, 'SIGTERM')
    node.alive = false
  }

  const reshard = async (from: number, to: number, count: number): Promise<void> => {
    await run(
      'redis-cli',
      [
        '--cluster',
        'reshard',
        where(nodeAt(from).port),
        '--cluster-from',
        nodeAt(from).id,
        '--cluster-to',
        nodeAt(to).id,
        '--cluster-slots',
        String(count),
        '--cluster-yes',
      ],
      { timeout: 120_000 },
    )
  }

  const failover = async (index: number): Promise<void> => {
    await command(index, ['CLUSTER', 'FAILOVER'])
    await waitFor(`node ${index} to become a master`, async () =>
      parseInfo(await command(index, ['INFO', 'replication']))['role'] === 'master' ? true : undefined,
    )
  }

  try {
    await settle()
  } catch (error) {
    await stop()
    throw error
  }
  return {
    mode,
    host,
    nodes,
    command,
    cli,
    connectionsNamed,
    connectionsByPort,
    members,
    ownerOf,
    slotOwners,
    settle,
    kill,
    restart,
    addNode,
    removeNode,
    reshard,
    failover,
    stop,
  }
}
