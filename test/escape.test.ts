/**
 * The one escaper (src/key/preview.ts) behind every message and everything the CLI echoes: no control,
 * format, separator, default-ignorable or lone-surrogate code point is shown raw, by `preview`, by
 * `escapeText` or by `escapeJson`, and what is escaped reads back as what it was.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { escapeJson, escapeText, preview } from '../src/key/preview.ts'

const PROPERTIES = ['Cc', 'Cf', 'Zl', 'Zp', 'Default_Ignorable_Code_Point'].map(
  (name) => new RegExp(`^\\p{${name}}$`, 'u'),
)

/** Every code point of those properties, and a sample of lone surrogates. */
const hidden = (): string[] => {
  const found: string[] = []
  for (let code = 0; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue
    const character = String.fromCodePoint(code)
    if (PROPERTIES.some((property) => property.test(character))) found.push(character)
  }
  return [...found, '\ud800', '\udbff', '\udc00', '\udfff']
}

test('no control, format, separator, default-ignorable or lone-surrogate code point is shown raw', () => {
  const all = hidden()
  // The ones named where they were once missed, among them.
  for (const named of [
    '\u061c',
    '\u00ad',
    '\u034f',
    '\u180e',
    '\u3164',
    '\ufe00',
    '\ufe0f',
    '\ufff9',
    '\ufffb',
    '\u{e0041}',
    '\u{e007f}',
  ]) {
    assert.ok(all.includes(named), `U+${named.codePointAt(0)?.toString(16)}`)
  }
  assert.ok(all.length > 4_000, `${all.length} code points`)
  for (const character of all) {
    const name = `U+${character.codePointAt(0)?.toString(16)}`
    assert.ok(!escapeText(`a${character}b`).includes(character), `escapeText shows ${name}`)
    assert.ok(!preview(`a${character}b`).includes(character), `preview shows ${name}`)
    const json = escapeJson(JSON.stringify({ value: `a${character}b` }))
    assert.ok(!json.includes(character), `escapeJson shows ${name}`)
    if (character.length === 2 || !(character >= '\ud800' && character <= '\udfff')) {
      assert.equal(JSON.parse(json).value, `a${character}b`, `escapeJson changes ${name}`)
    }
  }
  // What is shown is unambiguous: a backslash is escaped too, and ordinary text is left alone.
  assert.equal(escapeText('a\\nb'), 'a\\\\nb')
  assert.equal(escapeText('redis://bücher.example:7000'), 'redis://bücher.example:7000')
})

const cli = join(fileURLToPath(new URL('..', import.meta.url)), 'dist', 'esm', 'cli', 'main.js')
const run = (args: string[], input = '') =>
  spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', timeout: 20_000 })
const RAW = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u

test('the CLI writes nothing raw: an input cannot forge a line or reach the terminal', () => {
  const forged = 'redis://x\n10.0.0.9:6379\t6.6.6.6:6379\n@db.internal:6379'
  const terminal = 'redis://u\u001b]0;owned\u0007\u001b[2J\u202e@db.internal:6379'
  for (const args of [
    [forged, terminal],
    ['--json', forged, terminal],
    ['--group', forged, forged.replace('x', 'y')],
  ]) {
    const { stdout, stderr } = run(args)
    // A tab is the CLI's own field separator; every other hidden code point would be the input's.
    for (const line of `${stdout}${stderr}`.split('\n')) {
      assert.doesNotMatch(line.replaceAll('\t', ''), RAW, `${args[0]}: ${line}`)
    }
  }
  const lines = run([forged]).stdout.split('\n').filter(Boolean)
  assert.deepEqual(lines, ['redis://x\\n10.0.0.9:6379\\t6.6.6.6:6379\\n@db.internal:6379\tdb.internal:6379'])
  // Under --json, one document that reads back as the inputs.
  const document = JSON.parse(run(['--json', forged, terminal]).stdout) as { results: { input: string }[] }
  assert.deepEqual(
    document.results.map((result) => result.input),
    [forged, terminal],
  )
})

test('the CLI writes no node id or topology message raw', () => {
  const text = [
    `${'a'.repeat(39)}\u001b 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383`,
    `${'b'.repeat(40)}\u202e :0@0 handshake - 0 0 0 connected`,
    `bad\u001b[31m line`,
    `${'c'.repeat(40)} 127.0.0.1:7001@17001 master - 0 0 1 connected`,
  ].join('\n')
  for (const args of [
    ['--format', 'cluster-nodes'],
    ['--format', 'cluster-nodes', '--json'],
  ]) {
    const { stdout, stderr } = run(args, text)
    for (const line of `${stdout}${stderr}`.split('\n'))
      assert.doesNotMatch(line.replaceAll('\t', ''), RAW, line)
  }
  // Ids with such characters are no node ids: refused, and quoted escaped, once.
  const { stderr } = run(['--format', 'cluster-nodes'], text)
  assert.match(stderr, /line 1: .*got "a{39}\\u001b"/)
  assert.match(stderr, /line 2: .*got "b{40}\\u202e"/)
})
