import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  endsInANumber,
  isIPv4Mapped,
  mappedIPv4,
  parseIPv4,
  parseIPv4Number,
  parseIPv6,
  serializeIPv4,
  serializeIPv6,
} from '../src/key/ip.ts'

test('parseIPv4Number: decimal, 0x hex, 0 octal; NaN otherwise', () => {
  assert.equal(parseIPv4Number('127'), 127)
  assert.equal(parseIPv4Number('0x7f'), 127)
  assert.equal(parseIPv4Number('0X7F'), 127)
  assert.equal(parseIPv4Number('0177'), 127)
  assert.equal(parseIPv4Number('0'), 0)
  assert.equal(parseIPv4Number('00'), 0)
  assert.equal(parseIPv4Number('0x'), 0)
  assert.equal(parseIPv4Number('4294967295'), 4294967295)
  for (const input of ['', '08', '0x1g', '1a', '-1', '+1', ' 1', '1.0']) {
    assert.ok(Number.isNaN(parseIPv4Number(input)), input)
  }
})

test('endsInANumber: the URL Standard check that sends a host to the IPv4 parser', () => {
  for (const input of ['1', 'a.1', '1.2.3.4', '1.2.3.4.', 'a.0x1', 'a.0x', 'a.09']) {
    assert.equal(endsInANumber(input), true, input)
  }
  for (const input of ['a', '1.a', '1.2.3.4a', 'a.0xg', 'a.', '', '.']) {
    assert.equal(endsInANumber(input), false, input)
  }
})

test('parseIPv4: one to four parts, the last filling the remaining bytes', () => {
  assert.equal(parseIPv4('127.0.0.1'), 0x7f000001)
  assert.equal(parseIPv4('127.1'), 0x7f000001)
  assert.equal(parseIPv4('127.0.1'), 0x7f000001)
  assert.equal(parseIPv4('2130706433'), 0x7f000001)
  assert.equal(parseIPv4('0x7f.0.0.0x1'), 0x7f000001)
  assert.equal(parseIPv4('1.2.3.4.'), 0x01020304)
  assert.equal(parseIPv4('255.255.65535'), 0xffffffff)
  for (const input of [
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.256',
    '1.16777216',
    '4294967296',
    '1..2',
    '',
    '.',
    'a',
  ]) {
    assert.ok(Number.isNaN(parseIPv4(input)), input)
  }
})

test('serializeIPv4: dotted decimal', () => {
  assert.equal(serializeIPv4(0), '0.0.0.0')
  assert.equal(serializeIPv4(0x7f000001), '127.0.0.1')
  assert.equal(serializeIPv4(0xffffffff), '255.255.255.255')
  assert.equal(serializeIPv4(0x80000000), '128.0.0.0')
})

test('parseIPv6: eight pieces, or null', () => {
  assert.deepEqual(parseIPv6('::'), [0, 0, 0, 0, 0, 0, 0, 0])
  assert.deepEqual(parseIPv6('::1'), [0, 0, 0, 0, 0, 0, 0, 1])
  assert.deepEqual(parseIPv6('1::'), [1, 0, 0, 0, 0, 0, 0, 0])
  assert.deepEqual(parseIPv6('2001:DB8::ff00:42:8329'), [0x2001, 0xdb8, 0, 0, 0, 0xff00, 0x42, 0x8329])
  assert.deepEqual(parseIPv6('0001:0002:0003:0004:0005:0006:0007:0008'), [1, 2, 3, 4, 5, 6, 7, 8])
  assert.deepEqual(parseIPv6('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304])
  assert.deepEqual(parseIPv6('1:2:3:4:5:6:1.2.3.4'), [1, 2, 3, 4, 5, 6, 0x0102, 0x0304])
  for (const input of [
    '',
    ':',
    ':::',
    '1:',
    ':1',
    '1::2::3',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '12345::',
    'g::',
    '::1.2.3',
    '::1.2.3.4.5',
    '::01.2.3.4', // dotted parts inside IPv6 are strict decimal
    '::256.1.1.1',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::1.2.3.4:1',
    '::1%eth0',
    '[::1]',
  ]) {
    assert.equal(parseIPv6(input), null, input)
  }
})

test('serializeIPv6: RFC 5952 section 4', () => {
  assert.equal(serializeIPv6([0, 0, 0, 0, 0, 0, 0, 0]), '::')
  assert.equal(serializeIPv6([0, 0, 0, 0, 0, 0, 0, 1]), '::1')
  assert.equal(serializeIPv6([1, 0, 0, 0, 0, 0, 0, 0]), '1::')
  assert.equal(serializeIPv6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), '2001:db8:0:1:1:1:1:1')
  assert.equal(serializeIPv6([0x2001, 0, 0, 1, 0, 0, 0, 1]), '2001:0:0:1::1')
  assert.equal(serializeIPv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), '2001:db8::1:0:0:1')
  assert.equal(serializeIPv6([0xabcd, 0xef01, 0, 0, 0, 0, 0, 0xffff]), 'abcd:ef01::ffff')
  assert.equal(serializeIPv6([1, 0, 1, 0, 1, 0, 1, 0]), '1:0:1:0:1:0:1:0')
  assert.equal(serializeIPv6([0, 1, 0, 0, 1, 0, 0, 0]), '0:1:0:0:1::')
})

test('isIPv4Mapped and mappedIPv4: ::ffff:0:0/96 (RFC 4291 section 2.5.5.2)', () => {
  assert.equal(isIPv4Mapped([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]), true)
  assert.equal(isIPv4Mapped([0, 0, 0, 0, 0, 0xffff, 0, 0]), true)
  assert.equal(isIPv4Mapped([0, 0, 0, 0, 0, 0, 0x7f00, 1]), false)
  assert.equal(isIPv4Mapped([0, 0, 0, 0, 0xffff, 0, 0x7f00, 1]), false)
  assert.equal(isIPv4Mapped([0, 0, 0, 0, 1, 0xffff, 0x7f00, 1]), false)
  assert.equal(mappedIPv4([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]), '127.0.0.1')
  assert.equal(mappedIPv4([0, 0, 0, 0, 0, 0xffff, 0xffff, 0xfffe]), '255.255.255.254')
})
