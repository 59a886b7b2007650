import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { canonicalHost } from '../src/index.ts'
import { evalModuleArgs } from './eval-args.ts'

const index = new URL('../src/index.ts', import.meta.url).href

/**
 * Run `steps` in a fresh Node process that imports the package, and return what `loaded()` (whether tr46 is
 * in the process's module cache) said at each `mark(label)`. A fresh process, because this one may have
 * loaded tr46 already.
 */
const observe = (steps: string): Record<string, boolean> => {
  const script = `
    import { createRequire } from 'node:module'
    const require = createRequire(${JSON.stringify(index)})
    const loaded = () => Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]tr46[\\\\/]/.test(file))
    const marks = {}
    const mark = (label) => { marks[label] = loaded() }
    mark('before import')
    const lib = await import(${JSON.stringify(index)})
    mark('after import')
    ${steps}
    console.log(JSON.stringify(marks))
  `
  const child = spawnSync(process.execPath, evalModuleArgs(script), {
    encoding: 'utf8',
    timeout: 30_000,
  })
  assert.equal(child.status, 0, `the child process failed: ${child.stderr}`)
  return JSON.parse(child.stdout) as Record<string, boolean>
}

test('importing the package does not load the IDNA tables; the first non-ASCII host does', () => {
  const marks = observe(`
    lib.canonicalNodeKey('Redis-1.Example.COM', 7000)
    lib.canonicalNodeKey('[0:0::1]:7001')
    lib.canonicalNodeKey('redis://localhost:7000')
    lib.canonicalHost('0x7f.1')
    lib.canonicalHost('fe80::1%25eth0')
    lib.canonicalHost('ex%61mple.com')
    lib.isValidHost('a..b')
    lib.isValidHost('bad host')
    mark('after ASCII hosts')
    if (lib.canonicalHost('bücher.example') !== 'xn--bcher-kva.example') throw new Error('wrong IDNA answer')
    mark('after a non-ASCII host')
  `)
  assert.deepEqual(marks, {
    'before import': false,
    'after import': false,
    'after ASCII hosts': false,
    'after a non-ASCII host': true,
  })
})

test('a host that is non-ASCII only after percent-decoding loads the IDNA tables too', () => {
  const marks = observe(`
    lib.canonicalHost('b%C3%BCcher.example')
    mark('after a percent-encoded non-ASCII host')
  `)
  assert.deepEqual(marks, {
    'before import': false,
    'after import': false,
    'after a percent-encoded non-ASCII host': true,
  })
})

test('the IDNA answers come from the tables the package loads', () => {
  assert.equal(canonicalHost('bücher.example'), 'xn--bcher-kva.example')
  assert.equal(canonicalHost('b%C3%BCcher.example'), 'xn--bcher-kva.example')
})
