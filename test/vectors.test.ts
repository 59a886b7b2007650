/**
 * The shipped key vectors (vectors/keys.json): the committed file is exactly what scripts/generate-vectors.ts
 * builds from the current library, it follows the published schema, and it covers every rule of
 * docs/canonical-form.md and every failure reason that a keyer call in plain JSON can produce.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { buildVectors, serializeVectors, VECTORS_PATH, type VectorCase } from '../scripts/generate-vectors.ts'
import { createNodeKeyer, formatNodeKey, isNodeKey, type KeyerOptions, parseNodeKey } from '../src/index.ts'

const committedText = readFileSync(VECTORS_PATH, 'utf8')
const committed = JSON.parse(committedText) as { cases: VectorCase[] } & Record<string, unknown>
const spec = readFileSync(new URL('../docs/canonical-form.md', import.meta.url), 'utf8')
const errorsSource = readFileSync(new URL('../src/key/errors.ts', import.meta.url), 'utf8')

const describeCase = (entry: VectorCase | undefined): string => JSON.stringify(entry)?.slice(0, 300) ?? 'none'

test('vectors/keys.json is exactly what the generator builds from the current library', () => {
  const built = buildVectors()
  const text = serializeVectors(built)
  if (text === committedText) return
  const index = built.cases.findIndex(
    (entry, i) => JSON.stringify(entry) !== JSON.stringify(committed.cases[i]),
  )
  assert.fail(
    'vectors/keys.json differs from what scripts/generate-vectors.ts builds now. Run `npm run vectors` and ' +
      'review the diff: a changed key or error reason is a breaking change (docs/canonical-form.md §10). ' +
      (index === -1
        ? `The header or the number of cases differs (${built.cases.length} built, ${committed.cases.length} committed).`
        : `First difference, case ${index}: built ${describeCase(built.cases[index])}, committed ${describeCase(committed.cases[index])}.`),
  )
})

test('the file follows the published schema', () => {
  assert.deepEqual(Object.keys(committed), ['spec', 'package', 'version', 'description', 'cases'])
  assert.equal(committed['spec'], 'docs/canonical-form.md')
  assert.equal(committed['package'], 'canonical-node-key')
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  assert.equal(committed['version'], version)
  const isPort = (port: unknown) => typeof port === 'number' || typeof port === 'string'
  for (const entry of committed.cases) {
    const keys = Object.keys(entry)
    const call = 'input' in entry ? ['input'] : ['host', 'port']
    const options = 'options' in entry ? ['options'] : []
    const result = 'key' in entry ? ['key'] : ['error']
    assert.deepEqual(keys, ['rule', ...call, ...options, ...result], describeCase(entry))
    assert.match(entry.rule, /^§\d+\.\d+ [a-z0-9-]+$/)
    if ('input' in entry) {
      const { input } = entry
      if (typeof input !== 'string') {
        assert.deepEqual(Object.keys(input), ['host', 'port'])
        assert.equal(typeof input.host, 'string')
        assert.ok(isPort(input.port))
      }
    } else {
      assert.equal(typeof entry.host, 'string')
      assert.ok(isPort(entry.port))
    }
    if (entry.options !== undefined) {
      for (const [name, value] of Object.entries(entry.options)) {
        if (name === 'defaultPort') assert.ok(Number.isInteger(value))
        else if (name === 'trailingDot') assert.ok(value === 'keep' || value === 'strip')
        else if (name === 'mappedIPv4') assert.ok(value === 'unwrap' || value === 'keep')
        else if (name === 'resolver') assert.equal(value, 'none')
        else assert.fail(`unknown option ${name} in ${describeCase(entry)}`)
      }
    }
  }
})

/** The sections of the spec (`### §2.11 …`), with whether the section says it has no vectors. */
const specSections = (): Map<string, { hasVectors: boolean }> => {
  const sections = new Map<string, { hasVectors: boolean }>()
  const parts = spec.split(/^### /m).slice(1)
  for (const part of parts) {
    const number = /^§(\d+\.\d+) /.exec(part)?.[1]
    if (number === undefined) continue
    sections.set(number, { hasVectors: !part.includes('*Vectors: none.*') })
  }
  return sections
}

test('at least 500 cases, and every rule of §2 to §6 has cases', () => {
  assert.ok(committed.cases.length >= 500, `${committed.cases.length} cases`)
  const counts = new Map<string, number>()
  for (const { rule } of committed.cases) {
    const section = rule.slice(1, rule.indexOf(' '))
    counts.set(section, (counts.get(section) ?? 0) + 1)
  }
  const sections = specSections()
  for (const section of counts.keys()) {
    assert.ok(sections.has(section), `rule §${section} is not a section of docs/canonical-form.md`)
  }
  const ruleSections = [...sections.keys()].filter((section) => /^[2-6]\./.test(section))
  assert.ok(ruleSections.length >= 25, 'the spec has its rule sections')
  for (const section of ruleSections) {
    if (sections.get(section)?.hasVectors) {
      assert.ok((counts.get(section) ?? 0) > 0, `§${section} defines a rule but has no vector`)
    } else {
      assert.equal(counts.get(section), undefined, `§${section} says it has no vectors, yet has some`)
    }
  }
})

test('every failure reason a keyer call in plain JSON can produce appears', () => {
  const declared = [
    ...(/export type FailureReason =([^=]*?)\n\n/s.exec(errorsSource)?.[1] ?? '').matchAll(/'([a-z0-9-]+)'/g),
  ].map((match) => match[1])
  assert.ok(declared.length >= 15, 'the reasons are read from src/errors.ts')
  const found = new Set(committed.cases.flatMap((entry) => ('error' in entry ? [entry.error] : [])))
  // Not reachable from a vector: a host that is not a string (the schema's hosts are strings), a
  // resolver's bad answer (a resolver is a function), a non-canonical key (parseNodeKey, not a keyer call),
  // a reason no rule raises (docs/canonical-form.md §7), and the reasons of the readers beside the keyer
  // (a subnet rule of a NAT table, a topology reply).
  const unreachable = [
    'not-a-string',
    'resolver',
    'invalid-key',
    'invalid-percent-encoding',
    'invalid-cidr',
    'invalid-topology',
  ]
  assert.deepEqual(declared.filter((reason) => !found.has(reason as string)).sort(), unreachable.sort())
  for (const reason of found) assert.ok(declared.includes(reason), `${reason} is not a FailureReason`)
  // The spec's table of reasons (§7) lists exactly the declared ones.
  const section7 = spec.slice(spec.indexOf('## §7'), spec.indexOf('## §8'))
  const listed = [...section7.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((match) => match[1])
  assert.deepEqual([...listed].sort(), [...declared].sort())
})

test('every key is canonical: parseNodeKey and formatNodeKey give it back (§5.2)', () => {
  for (const entry of committed.cases) {
    if (!('key' in entry)) continue
    assert.ok(isNodeKey(entry.key), entry.key)
    assert.equal(formatNodeKey(parseNodeKey(entry.key)), entry.key)
  }
})

test('every key is its own key under the options that made it (§5.3)', () => {
  for (const entry of committed.cases) {
    if (!('key' in entry)) continue
    const { resolver, ...rest } = entry.options ?? {}
    const options: KeyerOptions = { ...rest, cacheSize: 0 }
    if (resolver === 'none') options.resolver = null
    assert.equal(createNodeKeyer(options)(entry.key), entry.key, describeCase(entry))
  }
})
