/**
 * The shipped ring vectors (vectors/ring-vectors.json): the committed file is exactly what
 * scripts/generate-ring-vectors.ts builds from the current ring, and every owner in it is where the
 * `hashring` package places the key too, given the servers' canonical keys and weights.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import HashRing from 'hashring'
import {
  buildRingVectors,
  RING_VECTORS_PATH,
  type RingVectorFile,
  serializeRingVectors,
} from '../scripts/generate-ring-vectors.ts'
import { canonicalNodeKey } from '../src/index.ts'

const committedText = readFileSync(RING_VECTORS_PATH, 'utf8')
const committed = JSON.parse(committedText) as RingVectorFile

test('vectors/ring-vectors.json is exactly what the generator builds from the current ring', () => {
  const built = buildRingVectors()
  const text = serializeRingVectors(built)
  if (text === committedText) return
  const fleet = built.fleets.findIndex(
    (entry, i) => JSON.stringify(entry) !== JSON.stringify(committed.fleets[i]),
  )
  const owner =
    fleet === -1
      ? -1
      : built.fleets[fleet]!.owners.findIndex(
          (entry, i) => JSON.stringify(entry) !== JSON.stringify(committed.fleets[fleet]?.owners[i]),
        )
  assert.fail(
    'vectors/ring-vectors.json differs from what scripts/generate-ring-vectors.ts builds now. Run ' +
      '`npm run vectors:ring` and review the diff: a changed owner is a breaking change. ' +
      (fleet === -1
        ? 'The header or the number of fleets differs.'
        : `First difference in fleet ${built.fleets[fleet]!.name}${owner === -1 ? ' (its servers or points)' : `, key ${JSON.stringify(built.fleets[fleet]!.owners[owner]?.key)}`}.`),
  )
})

test("the file has its header, a couple of hundred owners, and servers whose keys are their spellings' keys", () => {
  assert.deepEqual(Object.keys(committed), [
    'package',
    'version',
    'description',
    'scheme',
    'provenance',
    'fleets',
  ])
  const owners = committed.fleets.reduce((sum, fleet) => sum + fleet.owners.length, 0)
  assert.ok(owners >= 200 && owners <= 400, `${owners} owners`)
  for (const fleet of committed.fleets) {
    const keys = new Set(fleet.servers.map((server) => server.key))
    assert.equal(keys.size, fleet.servers.length, fleet.name)
    for (const server of fleet.servers) assert.equal(canonicalNodeKey(server.spelling), server.key)
    assert.equal(
      fleet.points,
      fleet.servers.reduce((sum, server) => sum + server.points, 0),
      fleet.name,
    )
    for (const { owner } of fleet.owners) assert.ok(keys.has(owner), `${owner} is a server of ${fleet.name}`)
  }
})

test('every owner in the file is where hashring places the key', () => {
  for (const fleet of committed.fleets) {
    const weights: Record<string, number> = {}
    for (const server of [...fleet.servers].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      weights[server.key] = server.weight
    }
    const reference = new HashRing(weights)
    assert.equal(reference.size, fleet.points, fleet.name)
    for (const { key, owner } of fleet.owners)
      assert.equal(reference.get(key), owner, `${fleet.name}: ${key}`)
  }
})
