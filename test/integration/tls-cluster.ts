/**
 * A Redis Cluster over TLS on loopback for the integration tests: a throwaway certificate authority and one
 * certificate a node (made with `openssl` in a temporary directory), three masters from the system's
 * `redis-server` listening on a TLS port only (`--port 0`, cluster bus and replication over TLS too), joined
 * with `redis-cli --tls --cluster create`. Each node can announce a name under `.localhost` (RFC 6761: a
 * loopback name, which this machine's resolver may not know, so a client must dial 127.0.0.1 and verify the
 * name); its certificate names that name only (`subjectAltName = DNS:node-a.localhost`), or that name and
 * `IP:127.0.0.1`.
 * Every server started here is stopped by PID, by `stop()` and by an exit handler if a test dies first; the
 * directories are removed with them.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { waitFor } from './redis-cluster-harness.ts'

const run = promisify(execFile)

/** How the nodes announce themselves and what their certificates name. */
export interface StartTlsClusterOptions {
  /**
   * `hostname`: `cluster-announce-hostname node-X.localhost` with `cluster-preferred-endpoint-type
   * hostname`, so clients are given names; `ip`: the same hostnames announced, but clients are given
   * `127.0.0.1` (the hostname is only in `CLUSTER SLOTS` metadata).
   */
  readonly announce: 'hostname' | 'ip'
  /** Whether each certificate also names `IP:127.0.0.1`. @defaultValue `false`: the name only */
  readonly ipInCertificates?: boolean
}

/** One TLS node. */
export interface TlsNode {
  readonly port: number
  /** The name it announces and its certificate names: `node-a.localhost`, `node-b.localhost`, … */
  readonly name: string
  readonly id: string
  readonly dir: string
}

/** A running TLS cluster; `stop()` ends it and removes its certificates. */
export interface TlsCluster {
  readonly nodes: readonly TlsNode[]
  /** The throwaway CA's certificate (PEM), the one trust anchor of every client under test. */
  readonly ca: Buffer
  /** Its file, for `redis-cli --cacert`. */
  readonly caFile: string
  /** Run `redis-cli --tls` against node `index`; resolves with its standard output. */
  cli(index: number, args: readonly string[]): Promise<string>
  /** For each node, how many client connections carry the name `name` (from `CLIENT LIST`). */
  connectionsNamed(name: string): Promise<number[]>
  stop(): Promise<void>
}

// Every server this process started and has not yet seen exit, and every directory it made.
const live = new Set<number>()
const dirs = new Set<string>()
process.once('exit', () => {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const canListen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })

const taken = new Set<number>()

/** A port free on 127.0.0.1 whose cluster bus port (port + 10000) is free too. */
const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 25_000)
    if (taken.has(port)) continue
    if ((await canListen(port)) && (await canListen(port + 10_000))) {
      taken.add(port)
      return port
    }
  }
  throw new Error('Expected to find a free loopback port pair within 200 attempts.')
}

const openssl = async (args: readonly string[]): Promise<void> => {
  await run('openssl', args, { timeout: 30_000 })
}

/** The names of `count` nodes: `node-a.localhost`, `node-b.localhost`, … */
export const nodeNames = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `node-${String.fromCharCode(97 + i)}.localhost`)

/** A CA and, for each name, a certificate and key it signed (P-256 keys, valid one day), in `dir`. */
const makeCertificates = async (dir: string, names: readonly string[], withIp: boolean): Promise<void> => {
  const caKey = join(dir, 'ca.key')
  const caCert = join(dir, 'ca.crt')
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  await openssl(
    ['req', '-x509', ...ec, '-keyout', caKey, '-out', caCert, '-days', '1'].concat([
      '-subj',
      '/CN=canonical-node-key test CA',
    ]),
  )
  for (const name of names) {
    const ext = join(dir, `${name}.ext`)
    const alt = withIp ? `DNS:${name},IP:127.0.0.1` : `DNS:${name}`
    // Server and client use: the cluster bus dials peers with the same certificate.
    writeFileSync(ext, `subjectAltName=${alt}\nextendedKeyUsage=serverAuth,clientAuth\n`)
    await openssl(
      ['req', ...ec, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`)].concat([
        '-subj',
        `/CN=${name}`,
      ]),
    )
    await openssl([
      'x509',
      '-req',
      '-in',
      join(dir, `${name}.csr`),
      '-CA',
      caCert,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-out',
      join(dir, `${name}.crt`),
      '-days',
      '1',
      '-extfile',
      ext,
    ])
  }
}

const tail = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-8).join('\n')
  } catch {
    return '(no log)'
  }
}

/**
 * Start a three-master TLS cluster and wait until every node reports `cluster_state:ok` and knows every
 * node's hostname.
 *
 * @example
 * ```ts
 * const cluster = await startTlsCluster({ announce: 'hostname' })
 * try { … tls: { ca: cluster.ca, rejectUnauthorized: true } … } finally { await cluster.stop() }
 * ```
 */
export const startTlsCluster = async (options: StartTlsClusterOptions): Promise<TlsCluster> => {
  const { announce, ipInCertificates = false } = options
  const names = nodeNames(3)
  const dir = mkdtempSync(join(tmpdir(), 'cnk-redis-tls-'))
  dirs.add(dir)
  const caFile = join(dir, 'ca.crt')
  const servers: { pid: number; exited: Promise<void> }[] = []
  const nodes: TlsNode[] = []

  const cliAt = async (port: number, name: string, args: readonly string[]): Promise<string> => {
    const tls = ['--tls', '--cacert', caFile, '--sni', name, '-h', '127.0.0.1', '-p', String(port)]
    const { stdout } = await run('redis-cli', [...tls, ...args], { timeout: 10_000 })
    return stdout
  }

  const stop = async (): Promise<void> => {
    await Promise.all(
      servers.map(async (server) => {
        if (live.has(server.pid)) process.kill(server.pid, 'SIGTERM')
        const timer = setTimeout(() => {
          if (live.has(server.pid)) process.kill(server.pid, 'SIGKILL')
        }, 3000)
        await server.exited
        clearTimeout(timer)
      }),
    )
    rmSync(dir, { recursive: true, force: true })
    dirs.delete(dir)
  }

  try {
    await makeCertificates(dir, names, ipInCertificates)
    const ca = readFileSync(caFile)
    for (const name of names) {
      const port = await freePort()
      const home = mkdtempSync(join(dir, `${name}-`))
      const args = [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--tls-cert-file',
        join(dir, `${name}.crt`),
        '--tls-key-file',
        join(dir, `${name}.key`),
        '--tls-ca-cert-file',
        caFile,
        '--tls-auth-clients',
        'no',
        '--tls-cluster',
        'yes',
        '--tls-replication',
        'yes',
        '--dir',
        home,
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(home, 'nodes.conf'),
        '--cluster-node-timeout',
        '5000',
        '--cluster-announce-hostname',
        name,
        '--cluster-preferred-endpoint-type',
        announce,
        '--logfile',
        join(home, 'redis.log'),
        '--daemonize',
        'no',
      ]
      const child = spawn('redis-server', args, { stdio: 'ignore' })
      const pid = child.pid
      if (pid === undefined) throw new Error('Expected redis-server to start, but it has no PID.')
      live.add(pid)
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          live.delete(pid)
          resolve()
        })
      })
      servers.push({ pid, exited })
      await waitFor(`redis-server (TLS) on port ${port}`, async () => {
        if (!live.has(pid)) throw new Error(`redis-server exited early:\n${tail(join(home, 'redis.log'))}`)
        return (await cliAt(port, name, ['PING']).catch(() => '')).trim() === 'PONG' ? true : undefined
      })
      const id = (await cliAt(port, name, ['CLUSTER', 'MYID'])).trim()
      nodes.push({ port, name, id, dir: home })
    }
    await run(
      'redis-cli',
      [
        '--tls',
        '--cacert',
        caFile,
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    )
    let seen: string[] = []
    await waitFor(
      'every TLS node to report cluster_state:ok and every hostname',
      async () => {
        seen = []
        for (const node of nodes) {
          const info = await cliAt(node.port, node.name, ['CLUSTER', 'INFO'])
          const slots = await cliAt(node.port, node.name, ['CLUSTER', 'SLOTS'])
          const known = names.filter((name) => slots.includes(name)).length
          seen.push(`${node.name}: ${/cluster_state:(\w+)/.exec(info)?.[1]}, ${known} hostnames`)
        }
        return seen.every((line) => line.endsWith(`ok, ${names.length} hostnames`)) ? true : undefined
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${seen.join('\n')}`)
    })
    const cli = (index: number, args: readonly string[]): Promise<string> => {
      const node = nodes[index]
      if (node === undefined)
        throw new RangeError(`Expected a node index below ${nodes.length}, got ${index}.`)
      return cliAt(node.port, node.name, args)
    }
    const connectionsNamed = async (name: string): Promise<number[]> => {
      const counts: number[] = []
      for (const node of nodes) {
        const list = await cliAt(node.port, node.name, ['CLIENT', 'LIST'])
        counts.push(list.split('\n').filter((line) => line.includes(` name=${name} `)).length)
      }
      return counts
    }
    return { nodes, ca, caFile, cli, connectionsNamed, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
