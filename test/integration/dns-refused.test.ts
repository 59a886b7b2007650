/**
 * A DNS server that refuses AAAA queries, as some do: a name the table asks about under `family: 'any'` gets
 * an A answer and a refusal, stays unresolved (an answer missing a family is not taken), and says why
 * through `status()`; with `family: 4` it resolves. The server is a few lines of DNS over UDP on loopback
 * (RFC 1035 section 4), enough to answer one A record and refuse everything else.
 */
import assert from 'node:assert/strict'
import { createSocket, type Socket } from 'node:dgram'
import { after, before, describe, test } from 'node:test'
import { createDnsTable } from '../../src/dns/index.ts'
import { chainResolvers, createNodeKeyer, loopbackResolver } from '../../src/index.ts'

const A = 1
const REFUSED = 5

/** The QTYPE of a query and where its question ends (after the QNAME labels, QTYPE and QCLASS). */
const questionOf = (query: Buffer): { type: number; end: number } => {
  let at = 12
  while (query[at] !== 0) at += query[at]! + 1
  return { type: query.readUInt16BE(at + 1), end: at + 5 }
}

/** Answer A queries with `address` (TTL 60 s) and refuse every other type. */
const startServer = async (address: string): Promise<{ socket: Socket; port: number }> => {
  const socket = createSocket('udp4')
  socket.on('message', (query, peer) => {
    const { type, end } = questionOf(query)
    const header = Buffer.alloc(12)
    query.copy(header, 0, 0, 2) // the id
    const refused = type !== A
    // QR, the query's RD, RA; the RCODE.
    header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (refused ? REFUSED : 0), 2)
    header.writeUInt16BE(1, 4) // QDCOUNT
    header.writeUInt16BE(refused ? 0 : 1, 6) // ANCOUNT
    const parts = [header, query.subarray(12, end)]
    if (!refused) {
      const answer = Buffer.alloc(16)
      answer.writeUInt16BE(0xc00c, 0) // the name: a pointer to the question's
      answer.writeUInt16BE(A, 2)
      answer.writeUInt16BE(1, 4) // IN
      answer.writeUInt32BE(60, 6)
      answer.writeUInt16BE(4, 10)
      for (const [i, octet] of address.split('.').entries()) answer[12 + i] = Number(octet)
      parts.push(answer)
    }
    socket.send(Buffer.concat(parts), peer.port, peer.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { socket, port: socket.address().port }
}

describe('a DNS server that refuses AAAA queries', () => {
  let server: { socket: Socket; port: number }
  before(async () => {
    server = await startServer('127.0.0.9')
  })
  after(() => server?.socket.close())

  test("family 'any': the name stays unresolved, and status() says why and what to pass", async () => {
    const dns = createDnsTable({ servers: [`127.0.0.1:${server.port}`], timeout: 2 })
    const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
    try {
      assert.equal(dns.status('redis-1.test').state, 'unknown')
      assert.deepEqual(await dns.prime(['redis-1.test']), [undefined])
      const status = dns.status('Redis-1.Test')
      assert.equal(status.state, 'fresh')
      assert.equal(status.identity, undefined)
      assert.equal(status.notFound, false)
      assert.equal((status.error as { code?: unknown } | undefined)?.code, 'EREFUSED')
      assert.match(
        status.error?.message ?? '',
        /The AAAA query for "redis-1\.test" failed \(EREFUSED\) while the A query answered 1 address\(es\).*pass `family: 4`/,
      )
      assert.equal(keyer('redis-1.test', 6379), 'redis-1.test:6379')
    } finally {
      dns.close()
      keyer.close()
    }
  })

  test('family 4: the A answer is the identity', async () => {
    const dns = createDnsTable({ servers: [`127.0.0.1:${server.port}`], timeout: 2, family: 4 })
    const keyer = createNodeKeyer({ resolver: chainResolvers(dns.resolver, loopbackResolver()) })
    try {
      assert.deepEqual(await dns.prime(['redis-1.test']), ['127.0.0.9'])
      const status = dns.status('redis-1.test')
      assert.deepEqual(
        [status.state, status.identity, status.addresses, status.error],
        ['fresh', '127.0.0.9', ['127.0.0.9'], undefined],
      )
      assert.equal(keyer('redis-1.test', 6379), '127.0.0.9:6379')
    } finally {
      dns.close()
      keyer.close()
    }
  })
})
