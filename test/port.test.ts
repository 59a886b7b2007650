import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvalidPortError, isValidPort, parsePort } from '../src/index.ts'

const rejects = (port: unknown, reason: string): void => {
  assert.throws(
    () => parsePort(port),
    (error: unknown) => {
      assert.ok(error instanceof InvalidPortError, `${String(port)}: ${String(error)}`)
      assert.equal(error.code, 'ERR_NODE_KEY_INVALID_PORT')
      assert.equal(error.reason, reason, `reason for ${typeof port} ${String(port)}`)
      assert.match(error.message, /^Expected /)
      return true
    },
  )
  assert.equal(isValidPort(port), false)
}

test('integers from 1 to 65535 are ports', () => {
  for (const port of [1, 80, 6379, 65535]) {
    assert.equal(parsePort(port), port)
    assert.equal(isValidPort(port), true)
  }
  assert.equal(parsePort(6379.0), 6379)
})

test('strings of 1 to 5 ASCII digits are ports, leading zeros allowed', () => {
  assert.equal(parsePort('1'), 1)
  assert.equal(parsePort('6379'), 6379)
  assert.equal(parsePort('06379'), 6379)
  assert.equal(parsePort('00001'), 1)
  assert.equal(parsePort('65535'), 65535)
  assert.equal(isValidPort('06379'), true)
})

test('numbers outside 1..65535 or not integers: port-out-of-range', () => {
  for (const port of [0, -0, -1, 65536, 1.5, 6379.0001, Number.NaN, Number.POSITIVE_INFINITY]) {
    rejects(port, 'port-out-of-range')
  }
  rejects(Number.NEGATIVE_INFINITY, 'port-out-of-range')
  rejects(2 ** 53, 'port-out-of-range')
  rejects(Number.MAX_VALUE, 'port-out-of-range')
})

test('digit strings out of range: port-out-of-range', () => {
  for (const port of ['0', '00000', '65536', '99999']) rejects(port, 'port-out-of-range')
})

test('strings that are not 1 to 5 ASCII digits: not-a-port', () => {
  for (const port of [
    '',
    '6379 ',
    ' 6379',
    '0x10',
    '1e3',
    '+1',
    '-1',
    '1.0',
    '123456',
    '000001',
    '６３７９', // fullwidth digits
    '١٢', // Arabic-Indic digits
    '63\u000079',
    '__proto__',
    '9'.repeat(100_000),
  ]) {
    rejects(port, 'not-a-port')
  }
})

test('service names are refused: identity is numeric', () => {
  for (const port of ['http', 'redis', 'constructor', 'toString', 'x-1']) rejects(port, 'named-port')
})

test('values that are neither numbers nor strings: not-a-port', () => {
  for (const port of [10n, null, true, false, {}, [], [6379], Symbol('port'), () => 6379, new Number(6379)]) {
    rejects(port, 'not-a-port')
  }
})

test('missing: the default port, else missing-port', () => {
  assert.equal(parsePort(undefined, 6379), 6379)
  rejects(undefined, 'missing-port')
  // A given port wins over the default; an invalid one is not replaced by it.
  assert.equal(parsePort(7000, 6379), 7000)
  assert.throws(() => parsePort('', 6379), { name: 'InvalidPortError', reason: 'not-a-port' })
  assert.throws(() => parsePort(null, 6379), { name: 'InvalidPortError', reason: 'not-a-port' })
})

test('a bad defaultPort is a TypeError that names the option', () => {
  for (const defaultPort of [0, 65536, 1.5, Number.NaN, '6379', null]) {
    assert.throws(() => parsePort(undefined, defaultPort as number), {
      name: 'TypeError',
      message: /^Expected `defaultPort` of parsePort to be an integer from 1 to 65535/,
    })
  }
})

test('isValidPort never throws and needs no default', () => {
  assert.equal(isValidPort(undefined), false)
  assert.equal(isValidPort(Symbol('x')), false)
  assert.equal(isValidPort(Object.create(null)), false)
})
