/**
 * addressRange, on ipaddr.js: the names of its range tables, for any spelling this library reads; names have
 * no range; bad input is a typed error. And ipaddr.js is not loaded by importing the package.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, test } from 'node:test'
import { addressRange, InvalidHostError } from '../src/index.ts'
import { evalModuleArgs } from './eval-args.ts'

describe('addressRange', () => {
  const cases: Array<[string, string | undefined]> = [
    ['127.0.0.1', 'loopback'],
    ['127.0.0.1:7000', 'loopback'],
    ['[::1]:7000', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.0.0.5', 'private'],
    ['0xa.0.0.5', 'private'], // read by this library first: 10.0.0.5
    ['172.18.0.2:6379', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:192.168.1.1', 'private'], // IPv4-mapped: unwrapped to its IPv4 address
    ['169.254.0.1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['[fe80::1%25eth0]:7000', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['8.8.8.8', 'unicast'],
    ['2001:4860:4860::8888', 'unicast'],
    ['redis-1.example', undefined],
    ['redis-1.example:6379', undefined],
    ['LOCALHOST', undefined], // a name: no resolver here, so no range
  ]
  for (const [input, range] of cases) {
    test(`${input}: ${range ?? 'a name, undefined'}`, () => {
      assert.equal(addressRange(input), range)
    })
  }

  for (const bad of ['', 'bad host', 'a..b', '::1:x', '[::1', 5 as unknown as string]) {
    test(`${JSON.stringify(bad)}: InvalidHostError saying what was expected`, () => {
      assert.throws(
        () => addressRange(bad),
        (error: unknown) =>
          error instanceof InvalidHostError && /Expected a host or a node key/.test(error.message),
      )
    })
  }
})

test('importing the package does not load ipaddr.js; addressRange does', () => {
  const script = `
    const { createRequire } = await import('node:module')
    const require = createRequire(${JSON.stringify(import.meta.url)})
    const loaded = () => Object.keys(require.cache).some((file) => /[\\\\/]ipaddr\\.js[\\\\/]/.test(file))
    const lib = await import(${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)})
    lib.canonicalNodeKey('Redis-1.Example.COM', 7000)
    lib.createNodeKeyer({ resolver: lib.staticResolver({ 'a:1': 'b:2' }) })('a:1')
    const before = loaded()
    lib.addressRange('10.0.0.1')
    console.log(JSON.stringify([before, loaded()]))
  `
  const child = spawnSync(process.execPath, evalModuleArgs(script), {
    encoding: 'utf8',
    timeout: 30_000,
  })
  assert.equal(child.status, 0, child.stderr)
  assert.deepEqual(JSON.parse(child.stdout), [false, true])
})
