/**
 * A real DNS server on loopback for the integration tests: the system's `dnsmasq` (Debian package
 * `dnsmasq-base`), authoritative for the `test.` zone from a hosts file in a temporary directory, on
 * 127.0.0.1 at a free port. Every server started here is stopped by PID: by `stop()`, and by an exit
 * handler if a test dies first.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { promises as dns } from 'node:dns'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

/** The Debian package that provides `dnsmasq`. */
export const DNSMASQ_PACKAGE = 'dnsmasq-base'

// Debian puts dnsmasq in /usr/sbin, which is not on every user's PATH. DNSMASQ names another binary.
const candidates = process.env['DNSMASQ'] ? [process.env['DNSMASQ']] : ['dnsmasq', '/usr/sbin/dnsmasq']

const findDnsmasq = (): string | undefined =>
  candidates.find(
    (command) => spawnSync(command, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0,
  )

/**
 * `false` when the tests can run; otherwise the one-line reason to skip them. Under `REQUIRE_DNSMASQ=1` a
 * missing server throws instead, so CI cannot pass by skipping.
 */
export const skipUnlessDnsmasq = (): false | string => {
  if (findDnsmasq() !== undefined) return false
  const reason = `dnsmasq not found: install the Debian package "${DNSMASQ_PACKAGE}" (apt-get install ${DNSMASQ_PACKAGE}) to run the DNS integration tests`
  if (process.env['REQUIRE_DNSMASQ'] === '1') throw new Error(`REQUIRE_DNSMASQ=1 but ${reason}.`)
  return reason
}

// Every server this process started and has not yet seen exit, so the exit handler can stop them.
const live = new Set<number>()
process.once('exit', () => {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
})

const udpFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createSocket('udp4')
    socket.once('error', () => {
      socket.close()
      resolve(false)
    })
    socket.bind({ port, address: '127.0.0.1', exclusive: true }, () => socket.close(() => resolve(true)))
  })

const tcpFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })

/** A port free for both UDP and TCP on 127.0.0.1 (dnsmasq listens on both). */
const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 25_000)
    if ((await udpFree(port)) && (await tcpFree(port))) return port
  }
  throw new Error('No free loopback port for dnsmasq after 100 attempts.')
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A bound for a race: its timer does not keep the process alive after the race is won. */
const bound = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

/** One line of the hosts file: an address and the names it answers for. */
export type HostsRecord = readonly [address: string, ...names: string[]]

/** A running (or stopped) dnsmasq and its hosts file. */
export interface DnsServer {
  /** The port on 127.0.0.1. */
  readonly port: number
  /** The server address for `Resolver#setServers`. */
  readonly address: string
  /** The PID of the running server, or undefined while stopped. */
  readonly pid: number | undefined
  /** Rewrite the hosts file; `reload()` makes the server read it. */
  writeHosts(records: readonly HostsRecord[]): void
  /** SIGHUP: dnsmasq clears its cache and reads the hosts file again. */
  reload(): Promise<void>
  /** Stop the server by PID (SIGTERM, then SIGKILL after 5 s); resolves when it has exited. */
  stop(): Promise<void>
  /** Start it again on the same port. */
  start(): Promise<void>
  /** Stop the server and remove its directory. */
  dispose(): Promise<void>
}

/**
 * Start dnsmasq for the `test.` zone with answers from `records` and a local TTL of `ttl` seconds.
 * Waits (at most 10 s) until it answers a query.
 */
export const startDnsServer = async (records: readonly HostsRecord[], ttl = 1): Promise<DnsServer> => {
  const command = findDnsmasq()
  if (command === undefined) throw new Error(`dnsmasq not found (Debian package ${DNSMASQ_PACKAGE}).`)
  const directory = mkdtempSync(join(tmpdir(), 'canonical-node-key-dns-'))
  const hostsFile = join(directory, 'hosts')
  const probe = 'ready.probe.test'
  const writeHosts = (list: readonly HostsRecord[]) =>
    writeFileSync(
      hostsFile,
      `${[...list, ['127.0.0.1', probe] as const].map((record) => record.join(' ')).join('\n')}\n`,
    )
  writeHosts(records)
  let port = await freePort()
  let child: ChildProcess | undefined
  let output = ''

  const waitForAnswer = async (): Promise<void> => {
    const resolver = new dns.Resolver({ timeout: 200, tries: 1 })
    resolver.setServers([`127.0.0.1:${port}`])
    const deadline = performance.now() + 10_000
    while (performance.now() < deadline) {
      if (child?.exitCode !== null || child?.signalCode !== null) {
        throw new Error(`dnsmasq exited during startup: ${output.trim()}`)
      }
      try {
        if ((await resolver.resolve4(probe)).includes('127.0.0.1')) return
      } catch {
        // Not listening yet.
      }
      await sleep(50)
    }
    throw new Error(`dnsmasq did not answer on port ${port} within 10 s: ${output.trim()}`)
  }

  const exited = (process: ChildProcess): Promise<void> =>
    process.exitCode !== null || process.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => process.once('exit', () => resolve()))

  const stop = async (): Promise<void> => {
    const running = child
    if (running?.pid === undefined) return
    const done = exited(running)
    running.kill('SIGTERM')
    const killed = await Promise.race([done.then(() => true), bound(5_000).then(() => false)])
    if (!killed) {
      running.kill('SIGKILL')
      await Promise.race([done, bound(5_000)])
    }
    live.delete(running.pid as number)
    child = undefined
  }

  const start = async (): Promise<void> => {
    output = ''
    const args = [
      '--keep-in-foreground',
      '--no-resolv',
      '--no-hosts',
      '--local=/test/',
      `--addn-hosts=${hostsFile}`,
      `--local-ttl=${ttl}`,
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      // Stay the user we are: the default ("nobody") could not read the hosts file again on SIGHUP.
      `--user=${userInfo().username}`,
      `--pid-file=${join(directory, 'dnsmasq.pid')}`,
      '--log-facility=-',
    ]
    child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    if (child.pid !== undefined) live.add(child.pid)
    // dnsmasq logs a few lines per start and reload (no query log): bounded, but capped anyway.
    const collect = (chunk: Buffer) => {
      if (output.length < 1_000_000) output += chunk.toString('utf8')
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    try {
      await waitForAnswer()
    } catch (error) {
      await stop()
      throw error
    }
  }

  // A port taken between the check and the bind: try another, a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      await start()
      break
    } catch (error) {
      if (attempt === 3 || !/Address already in use/i.test(String(error))) {
        rmSync(directory, { recursive: true, force: true })
        throw error
      }
      port = await freePort()
    }
  }

  return {
    get port() {
      return port
    },
    get address() {
      return `127.0.0.1:${port}`
    },
    get pid() {
      return child?.pid
    },
    writeHosts,
    reload: async () => {
      if (child?.pid === undefined) throw new Error('dnsmasq is not running.')
      process.kill(child.pid, 'SIGHUP')
      // dnsmasq logs the reread; wait for it (bounded) so a test does not race the reload.
      const deadline = performance.now() + 5_000
      const before = output.length
      while (performance.now() < deadline && !output.slice(before).includes(hostsFile)) await sleep(20)
    },
    stop,
    start,
    dispose: async () => {
      await stop()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}
