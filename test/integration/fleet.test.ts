/**
 * The ring across a fleet: 3 standalone redis-server processes on loopback, and two Node processes
 * (fleet-client.ts) configured with different spellings of the same 3 servers (`localhost:P`,
 * `127.0.0.1:P`, `redis://LOCALHOST.:P`, `[::1]:P`, `[0:0:0:0:0:0:0:1]:P`, in different orders). Each builds
 * a ring, places 10,000 keys and SETs each on its owner. Asserted: the two processes agree on the owner of
 * every key; every server holds exactly the keys the ring gave it (`DBSIZE`, and each key's value names its
 * owner); and each process holds exactly one connection per server (`CLIENT LIST`, by connection name).
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { skipUnlessRedis, waitFor } from './redis-cluster-harness.ts'

const skip = skipUnlessRedis()
const KEYS = 10_000
const root = fileURLToPath(new URL('../..', import.meta.url))
const client = fileURLToPath(new URL('./fleet-client.ts', import.meta.url))

const canListen = (port: number, host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })

/** A port free on 127.0.0.1 and ::1, not handed out before in this process. */
const taken = new Set<number>()
const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 25_000)
    if (taken.has(port)) continue
    if ((await canListen(port, '127.0.0.1')) && (await canListen(port, '::1'))) {
      taken.add(port)
      return port
    }
  }
  throw new Error('Expected to find a free loopback port within 200 attempts.')
}

interface Standalone {
  port: number
  process: ChildProcess
  dir: string
  exited: Promise<void>
}

/** A standalone redis-server bound to 127.0.0.1 and ::1, answering PING. */
const startStandalone = async (): Promise<Standalone> => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'ring-fleet-'))
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1 ::1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const server = { port, process: child, dir, exited }
  await waitFor(
    `redis-server on port ${port}`,
    async () => {
      const probe = new Redis({
        host: '127.0.0.1',
        port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      })
      probe.on('error', () => {})
      try {
        await probe.connect()
        return (await probe.ping()) === 'PONG' ? true : undefined
      } finally {
        probe.disconnect()
      }
    },
    10_000,
  )
  return server
}

const stopStandalone = async (server: Standalone): Promise<void> => {
  server.process.kill('SIGKILL')
  await Promise.race([server.exited, new Promise((resolve) => setTimeout(resolve, 5000))])
  rmSync(server.dir, { recursive: true, force: true })
}

interface FleetProcess {
  child: ChildProcess
  result: Promise<{ owners: string[]; clients: number }>
}

/** Start one fleet process with its spellings; its first line of output is its result. */
const startClient = (name: string, servers: string[]): FleetProcess => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=canonical-node-key/source',
      client,
      JSON.stringify({ name, servers, keys: KEYS }),
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let output = ''
  let errors = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString()
  })
  const result = new Promise<{ owners: string[]; clients: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} gave no result within 60 s: ${errors}`)), 60_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const end = output.indexOf('\n')
      if (end !== -1) {
        clearTimeout(timer)
        resolve(JSON.parse(output.slice(0, end)) as { owners: string[]; clients: number })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with ${code} before its result: ${errors}`))
    })
  })
  return { child, result }
}

/** Connections per client name on a server, from `CLIENT LIST`. */
const connectionsByName = async (admin: Redis): Promise<Map<string, number>> => {
  const list = (await admin.call('CLIENT', 'LIST')) as string
  const names = new Map<string, number>()
  for (const line of list.split('\n')) {
    const name = / name=(\S*)/.exec(line)?.[1]
    if (name) names.set(name, (names.get(name) ?? 0) + 1)
  }
  return names
}

test('two processes with different spellings of 3 servers agree on every key and hold one connection per server', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const servers: Standalone[] = []
  const fleet: FleetProcess[] = []
  const admins: Redis[] = []
  try {
    for (let i = 0; i < 3; i++) servers.push(await startStandalone())
    const [p1, p2, p3] = servers.map((server) => server.port)
    const spellingsA = [`localhost:${p1}`, `127.0.0.1:${p2}`, `[::1]:${p3}`]
    const spellingsB = [`[0:0:0:0:0:0:0:1]:${p3}`, `redis://LOCALHOST.:${p2}`, `127.0.0.1:${p1}`]
    fleet.push(startClient('fleet-a', spellingsA), startClient('fleet-b', spellingsB))
    const [a, b] = await Promise.all(fleet.map((process) => process.result))
    assert.equal(a!.owners.length, KEYS)
    let disagree = 0
    for (let i = 0; i < KEYS; i++) if (a!.owners[i] !== b!.owners[i]) disagree++
    assert.equal(disagree, 0, `${disagree} of ${KEYS} keys placed on different servers`)

    const keys = [`127.0.0.1:${p1}`, `127.0.0.1:${p2}`, `[::1]:${p3}`]
    const owned = new Map(keys.map((key) => [key, 0]))
    for (const owner of a!.owners) owned.set(owner, (owned.get(owner) ?? 0) + 1)
    assert.deepEqual([...owned.keys()].sort(), [...keys].sort(), 'every owner is one of the 3 canonical keys')
    const rows: string[] = []
    for (const [index, server] of servers.entries()) {
      const admin = new Redis({
        host: index === 2 ? '::1' : '127.0.0.1',
        port: server.port,
        connectionName: 'fleet-check',
      })
      admins.push(admin)
      const key = keys[index]!
      const size = await admin.dbsize()
      assert.equal(size, owned.get(key), `${key} holds the keys the ring gave it`)
      const sample = await admin.randomkey()
      assert.equal(await admin.get(sample!), key, `${sample} on ${key} was written for ${key}`)
      const names = await connectionsByName(admin)
      assert.equal(names.get('fleet-a'), 1, `fleet-a's connections to ${key}`)
      assert.equal(names.get('fleet-b'), 1, `fleet-b's connections to ${key}`)
      rows.push(
        `${key}: ${size} keys, connections fleet-a ${names.get('fleet-a')}, fleet-b ${names.get('fleet-b')}`,
      )
    }
    assert.equal(a!.clients, 3)
    assert.equal(b!.clients, 3)
    t.diagnostic(`${KEYS} keys, ${KEYS - disagree} placed alike by both processes; ${rows.join('; ')}`)
  } finally {
    for (const admin of admins) admin.disconnect()
    for (const { child } of fleet) {
      child.stdin?.end()
      const gone = new Promise((resolve) => child.once('exit', resolve))
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000))])
      if (child.exitCode === null) child.kill('SIGKILL')
    }
    for (const server of servers) await stopStandalone(server)
  }
})
