/**
 * Re-keying as a pure function (src/node-map/rekey.ts): the rules on small cases, and the property that
 * makes a NodeMap's targeted re-keying safe: keying again only the spellings given for the hosts a change
 * named gives exactly what keying every spelling again gives.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { NodeKey } from '../src/index.ts'
import { type RekeyCreation, type RekeyEntry, type RekeyLink, rekey } from '../src/node-map/rekey.ts'
import { type Spelling, spellingOf } from '../src/node-map/spellings.ts'

interface TestEntry extends RekeyEntry<number> {
  readonly id: string
}
interface TestCreation extends RekeyCreation {
  readonly id: string
}

/** A keyer over a table of names: a name in the table keys as its address, any other host as itself. */
const tableKeyer =
  (table: ReadonlyMap<string, string>) =>
  (spelling: Spelling): NodeKey | undefined => {
    const [host, port] = (spelling.input as string).split(':') as [string, string]
    if (host === 'gone') return undefined
    return `${table.get(host) ?? host}:${port}` as NodeKey
  }

const spelling = (address: string, key: NodeKey | undefined): Spelling => {
  const made = spellingOf(address, undefined, false, key ?? ('x:1' as NodeKey), address.split(':')[0])
  made.key = key
  return made
}

/** Re-key a state the way NodeMap does, and give the state after: entries in order with their keys. */
const settle = (
  entries: readonly TestEntry[],
  creations: readonly TestCreation[],
  links: readonly RekeyLink[],
  keyOf: (spelling: Spelling) => NodeKey | undefined,
  touched?: (spelling: Spelling) => boolean,
) => {
  const reached = new Set<NodeKey>()
  for (const { target, spelling: s } of links) if (touched === undefined || touched(s)) reached.add(target)
  const again =
    touched === undefined
      ? entries
      : entries.filter((entry) => reached.has(entry.key) || entry.spellings.some(touched))
  const byKey = new Map(entries.map((entry) => [entry.key, entry]))
  const outcome = rekey<number, TestEntry, TestCreation>({
    entries: again,
    entryAt: (key) => byKey.get(key),
    creations,
    links,
    keyOf,
    touched,
  })
  const moved = new Map(outcome.kept.map(({ entry, key, joined }) => [entry, { key, joined }]))
  const gone = new Set(outcome.left)
  return {
    outcome,
    entries: entries
      .filter((entry) => !gone.has(entry))
      .map((entry) => {
        const change = moved.get(entry)
        return [entry.id, change?.key ?? entry.key, (change?.joined ?? []).map((s) => s.raw)]
      }),
    departed: outcome.departed.map((entry) => entry.id),
    creations: outcome.creations.map(({ creation, key }) => [creation.id, key]),
    cancelled: outcome.cancelled.map(({ creation, key, into }) => [creation.id, key, into?.id]),
    links: outcome.links.map(({ source, target, spelling: s }) => [source, target, s.raw]),
  }
}

test('an entry keeps its key while a spelling gives it, moves with its first spelling, or leaves', () => {
  const before = new Map([['a', '10.0.0.1']])
  const after = new Map([['a', '10.0.0.2']])
  const keyOf = tableKeyer(before)
  const a = spelling('a:1', keyOf(spelling('a:1', undefined)))
  const ip = spelling('10.0.0.1:1', '10.0.0.1:1' as NodeKey)
  const keeps: TestEntry = {
    id: 'keeps',
    key: '10.0.0.1:1' as NodeKey,
    value: 1,
    born: 0,
    spellings: [a, ip],
  }
  const kept = settle([keeps], [], [], tableKeyer(after))
  // The IP spelling still gives 10.0.0.1:1: the entry stays there (the name alone moved).
  assert.deepEqual(kept.entries, [['keeps', '10.0.0.1:1', []]])
  assert.equal(kept.outcome.changed, false)
  assert.equal(kept.outcome.keys.get(a), '10.0.0.2:1')

  const moves: TestEntry = { id: 'moves', key: '10.0.0.1:1' as NodeKey, value: 2, born: 0, spellings: [a] }
  const moved = settle([moves], [], [], tableKeyer(after))
  assert.deepEqual(moved.entries, [['moves', '10.0.0.2:1', []]])
  assert.equal(moved.outcome.changed, true)

  const gone = spelling('gone:1', 'gone:1' as NodeKey)
  const leaves: TestEntry = { id: 'leaves', key: 'gone:1' as NodeKey, value: 3, born: 0, spellings: [gone] }
  const left = settle([leaves], [], [], tableKeyer(after))
  assert.deepEqual(left.entries, [])
  assert.deepEqual(left.departed, ['leaves'])
})

test('every touched spelling is keyed again, even after an earlier one keeps the key (two changes in turn)', () => {
  // Two names of one address, `b` filed first; `a` is forgotten, then `b`. After the first change the entry
  // stays (b still gives its key), but a's spelling must learn its new key, or the second change would
  // believe a still gives 10.0.0.1:1 and keep the entry where no spelling keys any more.
  const keyOf = tableKeyer(
    new Map([
      ['a', '10.0.0.1'],
      ['b', '10.0.0.1'],
    ]),
  )
  const a = spelling('a:1', keyOf(spelling('a:1', undefined)))
  const b = spelling('b:1', keyOf(spelling('b:1', undefined)))
  const entry: TestEntry = { id: 'e', key: '10.0.0.1:1' as NodeKey, value: 1, born: 0, spellings: [b, a] }
  const onlyA = (touched: Spelling): boolean => touched === a
  const first = rekey({
    entries: [entry],
    entryAt: (key) => (key === entry.key ? entry : undefined),
    creations: [],
    links: [],
    keyOf: tableKeyer(new Map([['b', '10.0.0.1']])),
    touched: onlyA,
  })
  assert.equal(first.changed, false)
  assert.equal(first.keys.get(a), 'a:1', 'a is keyed although b kept the entry where it was')
  a.key = first.keys.get(a)
  const second = settle([entry], [], [], tableKeyer(new Map()), (touched) => touched === b)
  assert.deepEqual(second.entries, [['e', 'b:1', []]])
})

test('two entries that become one node: the older stays and takes the spellings; an untouched one is not keyed', () => {
  const after = new Map([['b', '10.0.0.1']])
  const ip = spelling('10.0.0.1:1', '10.0.0.1:1' as NodeKey)
  const b = spelling('b:1', 'b:1' as NodeKey)
  // The younger entry is untouched (its host was not named); the older one moves onto its key.
  const older: TestEntry = { id: 'older', key: 'b:1' as NodeKey, value: 1, born: 0, spellings: [b] }
  const younger: TestEntry = {
    id: 'younger',
    key: '10.0.0.1:1' as NodeKey,
    value: 2,
    born: 1,
    spellings: [ip],
  }
  const calls: string[] = []
  const merged = settle(
    [younger, older],
    [],
    [],
    (s) => {
      calls.push(s.raw)
      return tableKeyer(after)(s)
    },
    (s) => s.given === 'b',
  )
  assert.deepEqual(calls, ['b:1'], 'only the touched spelling is keyed again')
  assert.deepEqual(merged.entries, [['older', '10.0.0.1:1', ['10.0.0.1:1']]])
  assert.deepEqual(merged.departed, ['younger'])
})

/** A random map state built under one table, then a change of some names. */
const states = fc.record({
  addresses: fc.uniqueArray(
    fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', '10.0.0.1', '10.0.0.2', 'gone'), fc.constantFrom(1, 2)),
    { minLength: 1, maxLength: 14, selector: ([host, port]) => `${host}:${port}` },
  ),
  before: fc.dictionary(
    fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3'),
  ),
  after: fc.dictionary(
    fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3'),
  ),
  creationsEvery: fc.integer({ min: 2, max: 5 }),
  linkEvery: fc.integer({ min: 2, max: 6 }),
  order: fc.array(fc.nat(), { maxLength: 8 }),
})

test('keying only the touched spellings gives what keying every spelling gives (property)', () => {
  let linksMade = 0
  fc.assert(
    fc.property(states, ({ addresses, before, after, creationsEvery, linkEvery, order }) => {
      const beforeTable = new Map(Object.entries(before))
      const afterTable = new Map(Object.entries(after))
      const keyBefore = tableKeyer(beforeTable)
      // Group the spellings into records by the key they gave before; some groups become link sources.
      const groups = new Map<NodeKey, Spelling[]>()
      for (const [host, port] of addresses) {
        const made = spelling(`${host}:${port}`, undefined)
        made.key = keyBefore(made)
        if (made.key === undefined) continue
        const group = groups.get(made.key)
        if (group === undefined) groups.set(made.key, [made])
        else group.push(made)
      }
      const entries: TestEntry[] = []
      const creations: TestCreation[] = []
      const loose: Spelling[] = []
      let index = 0
      for (const [key, spellings] of groups) {
        const id = `r${index}`
        if (index % linkEvery === linkEvery - 1) loose.push(spellings[0]!)
        else if (index % creationsEvery === creationsEvery - 1) creations.push({ id, key, spellings })
        else entries.push({ id, key, value: index % 3, born: (index * 37 + (order[0] ?? 0)) % 97, spellings })
        index++
      }
      // Links: a spelling of a key no record holds, to a record's key.
      const targets = [...entries, ...creations]
      const links: RekeyLink[] = []
      for (const [i, made] of loose.entries()) {
        const target = targets[i % Math.max(1, targets.length)]?.key
        if (made.key === undefined || target === undefined) continue
        links.push({ source: made.key, target, spelling: made })
      }
      linksMade += links.length
      const changed = new Set<string>()
      for (const host of ['a', 'b', 'c', 'd', 'e']) {
        if (beforeTable.get(host) !== afterTable.get(host)) changed.add(host)
      }
      const run = (touched: ((s: Spelling) => boolean) | undefined) => {
        const { outcome: _, ...state } = settle(entries, creations, links, tableKeyer(afterTable), touched)
        return state
      }
      assert.deepEqual(
        run((s) => s.given === undefined || changed.has(s.given)),
        run(undefined),
      )
    }),
    { numRuns: Number(process.env['REKEY_RUNS'] ?? 2000) },
  )
  // The states hold links, so the property covers them too.
  assert.ok(linksMade > 100, `${linksMade} links`)
})
