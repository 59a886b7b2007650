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

/** One running server of the cluster. */
export interface ClusterNode {
  readonly port: number
  readonly pid: number
  readonly dir: string
  /** The cluster node id (40 hex characters). */
  id: string
  /** The harness's own connection to this node (named `harness`). */
  admin: RespConnection
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
  /** The index of the node that serves a slot, as node 0 sees it. */
  ownerOf(slot: number): Promise<number>
  /** Wait until every node reports `cluster_state:ok` and the same slot owners. */
  settle(): Promise<void>
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
}

const bindFor = (mode: ClusterMode, alsoBind: readonly string[]): string =>
  [mode === 'ipv6' ? '::1' : '127.0.0.1 ::1', ...alsoBind].join(' ')

const startServer = async (
  mode: ClusterMode,
  port: number,
  dir: string,
  alsoBind: readonly string[],
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
    '5000',
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

/**
 * Start a cluster in `mode` and wait until it is ready: three masters joined by `redis-cli --cluster
 * create`, or the layout the options give.
 *
 * @example
 * ```ts
 * const cluster = await startCluster('ip')
 * try { … } finally { await cluster.stop() }
 * ```
 */
export const startCluster = async (
  mode: ClusterMode,
  options: StartClusterOptions = {},
): Promise<Cluster> => {
  const { masters = 3, slots, alsoBind = [] } = options
  const host = mode === 'ipv6' ? '::1' : '127.0.0.1'
  const started: { port: number; pid: number; dir: string; exited: Promise<void> }[] = []
  const nodes: ClusterNode[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.admin.close().catch(() => undefined)))
    for (const server of started) {
      try {
        process.kill(server.pid, 'SIGTERM')
      } catch {
        // Already gone.
      }
    }
    await Promise.all(
      started.map(async (server) => {
        const timer = setTimeout(() => {
          try {
            process.kill(server.pid, 'SIGKILL')
          } catch {
            // Already gone.
          }
        }, 3000)
        await server.exited
        clearTimeout(timer)
        rmSync(server.dir, { recursive: true, force: true })
      }),
    )
  }
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort()
      const dir = mkdtempSync(join(tmpdir(), `cnk-redis-${mode}-`))
      started.push({ port, dir, ...(await startServer(mode, port, dir, alsoBind)) })
    }
    for (const server of started) {
      const admin = await waitFor(
        `redis-server on port ${server.port} (log: ${join(server.dir, 'redis.log')})`,
        async () => {
          if (!live.has(server.pid)) {
            throw new Error(`redis-server exited early:\n${tail(join(server.dir, 'redis.log'))}`)
          }
          return RespConnection.open({ host, port: server.port, name: 'harness' }).catch(() => undefined)
        },
      )
      const id = String(await admin.command(['CLUSTER', 'MYID']))
      nodes.push({ port: server.port, pid: server.pid, dir: server.dir, id, admin })
    }
    const where = (port: number): string => `${host}:${port}`
    if (slots !== undefined) {
      for (const [start, end, index] of slots) {
        const node = nodes[index]
        if (node === undefined)
          throw new RangeError(`Expected a node index below ${nodes.length}, got ${index}.`)
        await node.admin.command(['CLUSTER', 'ADDSLOTSRANGE', start, end])
      }
      for (const [index, node] of nodes.entries()) {
        await node.admin.command(['CLUSTER', 'SET-CONFIG-EPOCH', index + 1])
        if (index > 0) await nodes[0]!.admin.command(['CLUSTER', 'MEET', host, node.port])
      }
    } else if (nodes.length >= 3) {
      await run(
        'redis-cli',
        ['--cluster', 'create', ...nodes.map((node) => where(node.port)), '--cluster-yes'],
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

  const command = (index: number, args: readonly (string | number)[]): Promise<Reply> => {
    const node = nodes[index]
    if (node === undefined) throw new RangeError(`Expected a node index below ${nodes.length}, got ${index}.`)
    return node.admin.command(args)
  }

  const settle = async (): Promise<void> => {
    let seen: string[] = []
    await waitFor('every node to report cluster_state:ok and the same slot owners', async () => {
      seen = []
      for (let i = 0; i < nodes.length; i++) {
        const state = parseInfo(await command(i, ['CLUSTER', 'INFO']))['cluster_state']
        seen.push(`node ${i}: ${state} ${slotView(await command(i, ['CLUSTER', 'SLOTS']))}`)
      }
      const views = new Set(seen.map((line) => line.slice(line.indexOf(' ', 6))))
      return views.size === 1 && seen[0]!.includes(': ok ') ? true : undefined
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${seen.join('\n')}`)
    })
  }

  const ownerOf = async (slot: number): Promise<number> => {
    for (const range of (await command(0, ['CLUSTER', 'SLOTS'])) as Reply[][]) {
      if ((range[0] as number) <= slot && slot <= (range[1] as number)) {
        const id = (range[2] as Reply[])[2]
        const index = nodes.findIndex((node) => node.id === id)
        if (index !== -1) return index
      }
    }
    throw new Error(`Expected slot ${slot} to have an owner.`)
  }

  const connectionsNamed = async (name: string): Promise<number[]> => {
    const counts: number[] = []
    for (let i = 0; i < nodes.length; i++) {
      const list = String(await command(i, ['CLIENT', 'LIST']))
      counts.push(list.split('\n').filter((line) => line.includes(` name=${name} `)).length)
    }
    return counts
  }

  const cli = async (index: number, args: readonly string[]): Promise<string> => {
    const node = nodes[index]
    if (node === undefined) throw new RangeError(`Expected a node index below ${nodes.length}, got ${index}.`)
    const { stdout } = await run('redis-cli', ['-h', host, '-p', String(node.port), ...args], {
      timeout: 10_000,
    })
    return stdout
  }

  try {
    await settle()
  } catch (error) {
    await stop()
    throw error
  }
  return { mode, host, nodes, command, cli, connectionsNamed, ownerOf, settle, stop }
}
