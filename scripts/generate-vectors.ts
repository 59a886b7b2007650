/**
 * Builds vectors/keys.json, the shipped key vectors of docs/canonical-form.md: every input of
 * scripts/vector-inputs.ts keyed by this library, as a key or an error reason. Run `npm run vectors` after a
 * change to the inputs or to the canonical form, and review the diff: a changed key is a breaking change.
 * test/vectors.test.ts rebuilds the file in memory and fails on any difference from the committed one.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createNodeKeyer, isNodeKeyError, type KeyerOptions, type NodeKeyer } from '../src/index.ts'
import {
  type FixtureInput,
  fixtureInputs,
  handInputs,
  ruleName,
  type VectorInput,
  type VectorOptions,
  type VectorPort,
} from './vector-inputs.ts'

/** One case of vectors/keys.json: a one-argument call (`input`) or a (host, port) call. */
export type VectorCase = { rule: string } & (
  | { input: string | { host: string; port: VectorPort } }
  | { host: string; port: VectorPort }
) & { options?: VectorOptions } & ({ key: string } | { error: string })

export interface VectorFile {
  spec: string
  package: string
  version: string
  description: string
  cases: VectorCase[]
}

export const VECTORS_PATH = fileURLToPath(new URL('../vectors/keys.json', import.meta.url))

const DESCRIPTION =
  'Input -> canonical node key (or error reason) vectors for docs/canonical-form.md. A case with "input" ' +
  'is a one-argument call keyer(input); a case with "host" and "port" is keyer(host, port). "options" is ' +
  'a subset of createNodeKeyer options (resolver "none" means no resolver; absent means the default ' +
  'loopback resolver). A case has "key" (the exact key) or "error" (the reason of the error raised).'

const keyers = new Map<string, NodeKeyer>()

/** The keyer for a vector's options, without a memo. */
const keyerFor = (options: VectorOptions | undefined): NodeKeyer => {
  const id = JSON.stringify(options ?? {})
  let keyer = keyers.get(id)
  if (keyer === undefined) {
    const { resolver, ...rest } = options ?? {}
    const keyerOptions: KeyerOptions = { ...rest, cacheSize: 0 }
    if (resolver === 'none') keyerOptions.resolver = null
    keyer = createNodeKeyer(keyerOptions)
    keyers.set(id, keyer)
  }
  return keyer
}

const outcome = (call: () => string): { key: string } | { error: string } => {
  try {
    return { key: call() }
  } catch (error) {
    if (!isNodeKeyError(error)) throw error
    return { error: error.reason }
  }
}

/** A case in the file's field order: rule, the call, options, then the key or the error. */
const makeCase = (
  rule: string,
  call: { input: string | { host: string; port: VectorPort } } | { host: string; port: VectorPort },
  options: VectorOptions | undefined,
  result: { key: string } | { error: string },
): VectorCase => ({ rule, ...call, ...(options === undefined ? {} : { options }), ...result }) as VectorCase

const run = (
  call: { input: string | { host: string; port: VectorPort } } | { host: string; port: VectorPort },
  options: VectorOptions | undefined,
) => {
  const keyer = keyerFor(options)
  return outcome(() => ('input' in call ? keyer(call.input) : keyer(call.host, call.port)))
}

/** What identifies a call, so one input under one set of options appears once. */
const identity = (call: object, options: VectorOptions | undefined): string =>
  JSON.stringify([call, options ?? {}])

/** Build every case: the hand-chosen inputs first, then the conformance selection not already there. */
export const buildVectors = (): VectorFile => {
  const cases: VectorCase[] = []
  const seen = new Set<string>()
  const duplicates: string[] = []
  for (const vector of handInputs() as VectorInput[]) {
    const call = 'input' in vector ? { input: vector.input } : { host: vector.host, port: vector.port }
    const id = identity(call, vector.options)
    if (seen.has(id)) duplicates.push(id)
    seen.add(id)
    cases.push(makeCase(ruleName(vector.section), call, vector.options, run(call, vector.options)))
  }
  if (duplicates.length > 0) throw new Error(`Inputs listed twice: ${duplicates.join(', ')}`)
  for (const fixture of fixtureInputs() as FixtureInput[]) {
    const call =
      fixture.kind === 'address'
        ? { input: fixture.host }
        : { host: fixture.host, port: fixture.kind === 'join' ? (fixture.port ?? '') : 6379 }
    const id = identity(call, fixture.options)
    if (seen.has(id)) continue
    seen.add(id)
    const result = run(call, fixture.options)
    cases.push(makeCase(ruleName(fixture.sectionOf(result)), call, fixture.options, result))
  }
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return {
    spec: 'docs/canonical-form.md',
    package: 'canonical-node-key',
    version,
    description: DESCRIPTION,
    cases,
  }
}

/** The file's text: one case a line, so a changed key is a one-line diff. */
export const serializeVectors = (file: VectorFile): string => {
  const { cases, ...head } = file
  const lines = Object.entries(head).map(
    ([name, value]) => `  ${JSON.stringify(name)}: ${JSON.stringify(value)},`,
  )
  const body = cases.map(
    (entry, index) => `    ${JSON.stringify(entry)}${index < cases.length - 1 ? ',' : ''}`,
  )
  return `{\n${lines.join('\n')}\n  "cases": [\n${body.join('\n')}\n  ]\n}\n`
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = buildVectors()
  writeFileSync(VECTORS_PATH, serializeVectors(file))
  process.stdout.write(`Wrote ${file.cases.length} cases to vectors/keys.json\n`)
}
