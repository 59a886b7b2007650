#!/usr/bin/env node
/**
 * `canonical-node-key`: the tool an operator runs when a cluster client leaks connections. It prints the
 * canonical key of each address, shows which spellings share a key (`--group`), and reads a cluster's own
 * topology (`--format cluster-nodes|cluster-slots|cluster-shards`) to show nodes known under several
 * spellings and addresses claimed by several node ids, and warns when a cluster reached through loopback
 * announces private addresses (a cluster in Docker), with the natMap that would map them.
 *
 * Exit status: 0 every input valid, 1 some input invalid, 2 usage error, 70 internal error.
 */
import { once } from 'node:events'
import { readFileSync, statSync } from 'node:fs'
import { parseArgs } from 'node:util'
import {
  addressRange,
  chainResolvers,
  createNodeKeyer,
  escapeHidden,
  escapeJson,
  escapeText,
  isNodeKeyError,
  isValidHost,
  isValidPort,
  loopbackResolver,
  messageWithHint,
  type NodeKeyer,
  parseNodeKey,
  parsePort,
  type Resolver,
  requireModule,
  staticResolver,
  trimAsciiWhitespace,
} from '../key/internal.js'
import {
  MAX_TOPOLOGY_LENGTH,
  parseClusterNodes,
  parseClusterShards,
  parseClusterSlots,
  type Topology,
  type TopologyEntry,
} from './topology-input.js'

const NAME = 'canonical-node-key'

const HELP = `Usage: ${NAME} [options] [ADDRESS…]
       redis-cli cluster nodes | ${NAME} --format cluster-nodes [options]

Prints the canonical key of every spelling of a cluster node's address, and which spellings alias.

Addresses come from the arguments, or else from standard input, one a line (blank lines and lines
starting with # are skipped). Each valid address prints "input<TAB>key"; an invalid one prints its
error, with its line number, on standard error, and the others go on.

Reports:
  --group                  print each key that more than one input spelling maps to, with those
                           spellings (the aliasing that makes a node cache leak connections)
  --json                   print one JSON document:
                           {"results": [{"input", "key", "range"} | {"input", "error": {"code", "message"}}],
                            "groups": [{"key", "inputs"}]}
                           where "range" is the key's address range as ipaddr.js names it (loopback,
                           private, linkLocal, uniqueLocal, unspecified, unicast, …), null for a name
  --format FORMAT          what standard input holds:
                             lines           addresses, one a line (the default)
                             cluster-nodes   the output of \`redis-cli cluster nodes\`
                             cluster-slots   the output of \`redis-cli --json cluster slots\`
                             cluster-shards  the output of \`redis-cli --json cluster shards\` (Redis 7+)
                           The cluster formats report every node id under more than one address
                           spelling and every address that two node ids share. Outputs of several
                           nodes may be concatenated; with --json, -2 (RESP2) output is read too.
                           They warn when the cluster, reached through loopback, announces private,
                           unique-local, link-local or unspecified addresses (a cluster in Docker),
                           and print the natMap (ioredis shape, also a --nat file) that maps them to
                           the origin.
  --origin HOST            the host the topology was read from, as given to redis-cli -h (default
                           127.0.0.1, redis-cli's own): an empty host in the topology ("the node you
                           asked") is this host, and the loopback warning above is judged by it

Identity policy (as the library's createNodeKeyer options):
  --default-port N         the port of an address without one (default: none, an error)
  --loopback ADDRESS       what localhost stands for: 127.0.0.1 (default), ::1, or none
  --nat FILE               a JSON table of aliases applied before --loopback, keyed by "host:port",
                           "host" or a subnet "address/prefix" ("172.18.0.0/16"), values {"host",
                           "port"} (ioredis natMap shape) or address strings
  --trailing-dot MODE      keep (default) or strip one trailing dot of a name
  --mapped-ipv4 MODE       unwrap (default: ::ffff:127.0.0.1 is 127.0.0.1) or keep

  -h, --help               print this help
  -v, --version            print the version

Exit status: 0 every input valid, 1 some input invalid, 2 usage error, 70 internal error.
`

/** A mistake in the command line: exit status 2. */
class UsageError extends Error {}

type Format = 'lines' | 'cluster-nodes' | 'cluster-slots' | 'cluster-shards'

interface Settings {
  readonly format: Format
  /** The host the topology was read from. */
  readonly origin: string
  readonly group: boolean
  readonly json: boolean
  readonly keyer: NodeKeyer
  /** The addresses given as arguments; empty: read standard input. */
  readonly addresses: readonly string[]
}

/** Where an input came from, for messages: a line of standard input or an argument. */
interface Origin {
  readonly kind: 'line' | 'argument'
  readonly number: number
}

interface KeyError {
  readonly code: string
  readonly message: string
}

/** The outcome of one input. */
interface Outcome {
  readonly origin: Origin
  readonly input: string
  readonly key?: string
  readonly error?: KeyError
}

/** The most addresses read from one run (the reports keep them all): past it, the rest is not read. */
const MAX_ADDRESSES = 1_000_000

/** Longest stdin line kept whole; longer ones are cut, and the keyer refuses them as too long. */
const MAX_LINE = 64 * 1024
/** Output is written in batches of about this many characters. */
const BATCH = 64 * 1024

const choice = <T extends string>(name: string, value: string | undefined, allowed: readonly T[]) => {
  if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined
  throw new UsageError(
    `Expected --${name} to be ${allowed.join(' or ')}, got ${escapeJson(JSON.stringify(value))}.`,
  )
}

const readNat = (file: string): Resolver => {
  let text: string
  try {
    if (statSync(file).size > MAX_TOPOLOGY_LENGTH) {
      throw new Error(`larger than ${MAX_TOPOLOGY_LENGTH} bytes; a NAT table of every node is far smaller`)
    }
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(
      `Cannot read the --nat file ${escapeJson(JSON.stringify(file))}: ${(error as Error).message}`,
    )
  }
  let table: unknown
  try {
    table = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`Expected the --nat file to hold JSON: ${(error as Error).message}`)
  }
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new UsageError(
      'Expected the --nat file to hold a JSON object keyed by "host:port" or "host", as ioredis natMap is.',
    )
  }
  try {
    return staticResolver(table as Record<string, string>)
  } catch (error) {
    throw new UsageError(`In the --nat file: ${(error as Error).message}`)
  }
}

const settingsOf = (argv: string[]): Settings | 'help' | 'version' => {
  let parsed: ReturnType<typeof parseOptions>
  try {
    parsed = parseOptions(argv)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help === true) return 'help'
  if (values.version === true) return 'version'
  const format =
    choice('format', values.format, ['lines', 'cluster-nodes', 'cluster-slots', 'cluster-shards']) ?? 'lines'
  if (format !== 'lines' && positionals.length > 0) {
    throw new UsageError(`--format ${format} reads standard input; give no addresses as arguments.`)
  }
  const origin = values.origin ?? '127.0.0.1'
  if (!isValidHost(origin)) {
    throw new UsageError(
      `Expected --origin to be a host such as 127.0.0.1, ::1 or redis-1.example, got ${escapeJson(JSON.stringify(origin))}.`,
    )
  }
  let defaultPort: number | undefined
  if (values['default-port'] !== undefined) {
    const text = values['default-port']
    if (!isValidPort(text)) {
      throw new UsageError(
        `Expected --default-port to be a port from 1 to 65535, got ${escapeJson(JSON.stringify(text))}.`,
      )
    }
    defaultPort = parsePort(text)
  }
  const loopback = choice('loopback', values.loopback, ['127.0.0.1', '::1', 'none']) ?? '127.0.0.1'
  const trailingDot = choice('trailing-dot', values['trailing-dot'], ['keep', 'strip']) ?? 'keep'
  const mappedIPv4 = choice('mapped-ipv4', values['mapped-ipv4'], ['unwrap', 'keep']) ?? 'unwrap'
  const policies: Resolver[] = []
  // NAT first, as ioredis applies natMap to the address the cluster announces; then localhost's meaning,
  // which also applies to the NAT table's answers.
  if (values.nat !== undefined) policies.push(readNat(values.nat))
  if (loopback !== 'none') policies.push(loopbackResolver({ to: loopback }))
  const resolver =
    policies.length === 0 ? null : policies.length === 1 ? policies[0] : chainResolvers(...policies)
  return {
    format,
    origin,
    group: values.group === true,
    json: values.json === true,
    keyer: createNodeKeyer({ resolver, defaultPort, trailingDot, mappedIPv4 }),
    addresses: positionals,
  }
}

const parseOptions = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      group: { type: 'boolean' },
      json: { type: 'boolean' },
      format: { type: 'string' },
      origin: { type: 'string' },
      'default-port': { type: 'string' },
      loopback: { type: 'string' },
      nat: { type: 'string' },
      'trailing-dot': { type: 'string' },
      'mapped-ipv4': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  })

/** The version in this package's package.json, two folders above each build (dist/esm, dist/commonjs). */
const version = (): string => (requireModule('../../package.json') as { version: string }).version

/** Buffered standard output that waits when the reader is slower. */
class Output {
  #buffer = ''

  async write(text: string): Promise<void> {
    this.#buffer += text
    if (this.#buffer.length >= BATCH) await this.flush()
  }

  /** A message on standard error, after what standard output has been given so far, to keep the order. */
  async note(text: string): Promise<void> {
    await this.flush()
    process.stderr.write(text)
  }

  async flush(): Promise<void> {
    if (this.#buffer === '') return
    const text = this.#buffer
    this.#buffer = ''
    if (!process.stdout.write(text)) await once(process.stdout, 'drain')
  }
}

const where = (origin: Origin): string => `${origin.kind} ${origin.number}`

/**
 * What the CLI echoes goes through the one escaper (`escapeText`): an input, a node id or a message can
 * neither forge an output line nor reach the terminal as an escape sequence. `show` writes a value as it
 * is but for backslashes and the code points that may not be shown; `quote` cuts and quotes it.
 */
const show = escapeText
/** A message: its quoted values are escaped already; any hidden code point left is escaped too. */
const showMessage = escapeHidden

const quote = (input: string): string =>
  `"${escapeText(input.length > 200 ? input.slice(0, 200) : input).replaceAll('"', '\\"')}"${input.length > 200 ? '…' : ''}`

/** A JSON document as the CLI prints it: pretty, and nothing in it shown raw that may not be. */
const json = (value: unknown): string => escapeJson(JSON.stringify(value, null, 2))

const keyOf = (keyer: NodeKeyer, input: string): { key: string } | { error: KeyError } => {
  try {
    return { key: keyer(input) }
  } catch (error) {
    if (!isNodeKeyError(error)) throw error
    // The keyer's hints name its options; here the flags stand for them.
    const hint = error.reason === 'missing-port' ? 'Give one, or pass --default-port.' : undefined
    return { error: { code: error.code, message: messageWithHint(error, hint) } }
  }
}

const errorLine = (origin: Origin, input: string, error: KeyError, prefix = ''): string =>
  `${NAME}: ${where(origin)}: ${prefix}${quote(input)}: ${showMessage(error.message)} [${error.code}]\n`

/** Lines of standard input, each cut to {@link MAX_LINE} characters, so no line grows memory unboundedly. */
async function* stdinLines(): AsyncGenerator<string> {
  process.stdin.setEncoding('utf8')
  let pending = ''
  for await (const chunk of process.stdin as AsyncIterable<string>) {
    let start = 0
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      yield (pending + chunk.slice(start, newline)).slice(0, MAX_LINE + 1)
      pending = ''
      start = newline + 1
    }
    if (pending.length <= MAX_LINE) pending = (pending + chunk.slice(start)).slice(0, MAX_LINE + 1)
  }
  if (pending !== '') yield pending
}

/**
 * ASCII whitespace at both ends, as the keyer trims it, and a byte order mark that an editor may have put at
 * the start of a file; other characters are the keyer's to judge.
 */
const trim = (text: string): string =>
  trimAsciiWhitespace(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)

/** Every input with its origin: the arguments, or the non-blank, non-comment lines of standard input. */
async function* inputsOf(addresses: readonly string[]): AsyncGenerator<{ origin: Origin; input: string }> {
  if (addresses.length > 0) {
    for (const [index, input] of addresses.entries()) {
      yield { origin: { kind: 'argument', number: index + 1 }, input: trim(input) }
    }
    return
  }
  let number = 0
  for await (const line of stdinLines()) {
    number++
    const input = trim(line)
    if (input === '' || input.startsWith('#')) continue
    yield { origin: { kind: 'line', number }, input }
  }
}

/** Each key with the distinct spellings that map to it, in the order first met. */
const spellingsByKey = (outcomes: readonly Outcome[]): Map<string, Outcome[]> => {
  const byKey = new Map<string, Outcome[]>()
  // Each (key, spelling) once, found in a set: 10^5 spellings of one key cost 10^5 steps, not 10^10.
  const seen = new Set<string>()
  for (const outcome of outcomes) {
    if (outcome.key === undefined) continue
    const pair = `${outcome.key} ${outcome.input}`
    if (seen.has(pair)) continue
    seen.add(pair)
    const spellings = byKey.get(outcome.key)
    if (spellings === undefined) byKey.set(outcome.key, [outcome])
    else spellings.push(outcome)
  }
  return byKey
}

const groupsOf = (outcomes: readonly Outcome[]) =>
  [...spellingsByKey(outcomes)]
    .filter(([, spellings]) => spellings.length > 1)
    .map(([key, spellings]) => ({ key, inputs: spellings.map((spelling) => spelling.input) }))

/** The address range of a key (a keyer's key is always a host and port), null for a name. */
const rangeOf = (key: string): string | null => addressRange(key) ?? null

const resultJson = (outcome: Outcome) => ({
  [outcome.origin.kind]: outcome.origin.number,
  input: outcome.input,
  ...(outcome.key === undefined
    ? { error: outcome.error }
    : { key: outcome.key, range: rangeOf(outcome.key) }),
})

const plural = (count: number, one: string, many = `${one}s`): string =>
  `${count} ${count === 1 ? one : many}`

/** Addresses, one a line or as arguments. Returns whether every input was valid. */
const runLines = async (settings: Settings, output: Output): Promise<boolean> => {
  const keep = settings.group || settings.json
  const outcomes: Outcome[] = []
  let valid = true
  let count = 0
  for await (const { origin, input } of inputsOf(settings.addresses)) {
    if (++count > MAX_ADDRESSES) {
      valid = false
      await output.note(
        `${NAME}: ${where(origin)}: expected at most ${MAX_ADDRESSES} addresses; the rest is not read.\n`,
      )
      break
    }
    const result = keyOf(settings.keyer, input)
    const outcome: Outcome = { origin, input, ...result }
    if ('error' in result) {
      valid = false
      await output.note(errorLine(origin, input, result.error))
    } else if (!keep) {
      await output.write(`${show(input)}\t${result.key}\n`)
    }
    if (keep) outcomes.push(outcome)
  }
  if (settings.json) {
    await output.write(`${json({ results: outcomes.map(resultJson), groups: groupsOf(outcomes) })}\n`)
  } else if (settings.group) {
    const groups = [...spellingsByKey(outcomes)].filter(([, spellings]) => spellings.length > 1)
    for (const [key, spellings] of groups) {
      await output.write(`${key}\t${plural(spellings.length, 'spelling')}\n`)
      for (const spelling of spellings) await output.write(`\t${spelling.input}\t${where(spelling.origin)}\n`)
    }
    const keys = spellingsByKey(outcomes).size
    await output.note(
      `${NAME}: ${plural(outcomes.length, 'input')}, ${plural(keys, 'key')}, ${plural(groups.length, 'key')} with more than one spelling\n`,
    )
  }
  return valid
}

/** Read all of standard input, refusing more than the topology parsers accept. */
const readStdin = async (limit: number): Promise<string> => {
  process.stdin.setEncoding('utf8')
  let text = ''
  for await (const chunk of process.stdin as AsyncIterable<string>) {
    text += chunk
    // One character over the limit is enough for the parser to refuse it.
    if (text.length > limit) return text.slice(0, limit + 1)
  }
  return text
}

interface TopologyOutcome extends Outcome {
  readonly id: string
}

/** A cluster's own topology. Returns whether all of it could be read and every address is valid. */
const runTopology = async (settings: Settings, output: Output): Promise<boolean> => {
  const text = await readStdin(MAX_TOPOLOGY_LENGTH)
  const parse =
    settings.format === 'cluster-nodes'
      ? parseClusterNodes
      : settings.format === 'cluster-shards'
        ? parseClusterShards
        : parseClusterSlots
  const topology: Topology = parse(text, { keyer: settings.keyer, origin: settings.origin })
  let valid = topology.errors.length === 0
  for (const error of topology.errors) {
    process.stderr.write(`${NAME}: line ${error.line}: ${showMessage(error.message)}\n`)
  }
  for (const note of topology.skipped)
    process.stderr.write(`${NAME}: line ${note.line}: skipped: ${showMessage(note.message)}\n`)
  const outcomes: TopologyOutcome[] = topology.entries.map((entry: TopologyEntry) => {
    const origin: Origin = { kind: 'line', number: entry.line }
    const result = keyOf(settings.keyer, entry.address)
    if ('error' in result) {
      valid = false
      process.stderr.write(errorLine(origin, entry.address, result.error, `node ${show(entry.id)}: `))
    }
    return { origin, input: entry.address, id: entry.id, ...result }
  })

  // Node ids under more than one spelling, and keys that more than one node id claims.
  const byId = new Map<string, TopologyOutcome[]>()
  const byKey = new Map<string, TopologyOutcome[]>()
  for (const outcome of outcomes) {
    // Pushed, not copied: one id under 10^5 addresses, or 10^5 ids on one, costs linear time.
    const spellings = byId.get(outcome.id)
    if (spellings === undefined) byId.set(outcome.id, [outcome])
    else spellings.push(outcome)
    if (outcome.key !== undefined) {
      const claims = byKey.get(outcome.key)
      if (claims === undefined) byKey.set(outcome.key, [outcome])
      else claims.push(outcome)
    }
  }
  const nodes = [...byId].filter(([, spellings]) => new Set(spellings.map((s) => s.input)).size > 1)
  const shared = [...byKey].filter(([, claims]) => new Set(claims.map((c) => c.id)).size > 1)
  const keysOf = (spellings: readonly TopologyOutcome[]) => [
    ...new Set(spellings.flatMap((spelling) => (spelling.key === undefined ? [] : [spelling.key]))),
  ]

  const behindNat = natSuggestion(settings, outcomes)

  if (settings.json) {
    const document = {
      results: outcomes.map((outcome) => ({ id: outcome.id, ...resultJson(outcome) })),
      groups: groupsOf(outcomes),
      nodes: nodes.map(([id, spellings]) => ({
        id,
        inputs: spellings.map((spelling) => spelling.input),
        keys: keysOf(spellings),
      })),
      shared: shared.map(([key, claims]) => ({
        key,
        ids: [...new Set(claims.map((claim) => claim.id))],
        inputs: [...new Set(claims.map((claim) => claim.input))],
      })),
      errors: topology.errors,
      skipped: topology.skipped,
      ...(behindNat === undefined ? {} : { warnings: [behindNat.warning], natMap: behindNat.natMap }),
    }
    await output.write(`${json(document)}\n`)
    if (behindNat !== undefined) await output.note(`${NAME}: warning: ${showMessage(behindNat.warning)}\n`)
  } else {
    for (const [id, spellings] of nodes) {
      await output.write(
        `node ${show(id)}\t${plural(spellings.length, 'spelling')}, ${plural(keysOf(spellings).length, 'key')}\n`,
      )
      for (const spelling of spellings) {
        await output.write(
          `\t${show(spelling.input)}\t${spelling.key ?? 'invalid'}\t${where(spelling.origin)}\n`,
        )
      }
    }
    for (const [key, claims] of shared) {
      await output.write(`address ${key}\t${plural(new Set(claims.map((c) => c.id)).size, 'node id')}\n`)
      for (const claim of claims)
        await output.write(`\t${show(claim.id)}\t${show(claim.input)}\t${where(claim.origin)}\n`)
    }
    await output.note(
      `${NAME}: ${plural(byId.size, 'node id')}, ${plural(outcomes.length, 'spelling')}: ${plural(nodes.length, 'node id')} under more than one spelling, ${plural(shared.length, 'address', 'addresses')} shared by node ids\n`,
    )
    if (behindNat !== undefined) {
      await output.note(`${NAME}: warning: ${showMessage(behindNat.warning)}\n${json(behindNat.natMap)}\n`)
    }
  }
  return valid
}

/** Ranges a client outside the cluster's network cannot dial (RFC 1918, RFC 4193, RFC 3927/4291, 0.0.0.0). */
const UNREACHABLE = new Set(['private', 'uniqueLocal', 'linkLocal', 'unspecified'])

/**
 * When the topology was read through loopback (a published port on this machine) and announces addresses a
 * client here cannot dial, the warning and the natMap, ioredis's shape (keys as the cluster spells them,
 * IPv6 bare), that sends each of them to the origin, port kept.
 */
const natSuggestion = (
  settings: Settings,
  outcomes: readonly TopologyOutcome[],
): { warning: string; natMap: Record<string, { host: string; port: number }> } | undefined => {
  let originHost: string
  try {
    originHost = settings.keyer.endpoint(settings.origin, 1).host
  } catch (error) {
    if (!isNodeKeyError(error)) throw error
    return undefined
  }
  if (addressRange(originHost) !== 'loopback') return undefined
  const mapped: [string, { host: string; port: number }][] = []
  const ranges = new Set<string>()
  for (const outcome of outcomes) {
    if (outcome.key === undefined) continue
    const range = addressRange(outcome.key)
    if (range === undefined || !UNREACHABLE.has(range)) continue
    ranges.add(range)
    mapped.push([outcome.input, { host: originHost, port: parseNodeKey(outcome.key).port }])
  }
  // Defined, not assigned: an address spelled `__proto__` is a key like any other.
  const natMap: Record<string, { host: string; port: number }> = Object.fromEntries(mapped)
  const count = Object.keys(natMap).length
  if (count === 0) return undefined
  return {
    warning: `the topology was read through loopback (${settings.origin}) but announces ${plural(count, 'address', 'addresses')} in ${[...ranges].join(', ')} range${ranges.size === 1 ? '' : 's'}, which a client on this machine may not reach (a cluster in Docker or behind NAT); this natMap (ioredis shape, also a --nat file) maps them to ${originHost}, port kept:`,
    natMap,
  }
}

const main = async (): Promise<number> => {
  let settings: Settings | 'help' | 'version'
  try {
    settings = settingsOf(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`${NAME}: ${showMessage(error.message)}\nTry '${NAME} --help'.\n`)
    return 2
  }
  if (settings === 'help') {
    process.stdout.write(HELP)
    return 0
  }
  if (settings === 'version') {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  if (settings.addresses.length === 0 && process.stdin.isTTY === true) {
    process.stderr.write(
      `${NAME}: give addresses as arguments or on standard input (not a terminal).\nTry '${NAME} --help'.\n`,
    )
    return 2
  }
  const output = new Output()
  const valid =
    settings.format === 'lines' ? await runLines(settings, output) : await runTopology(settings, output)
  await output.flush()
  return valid ? 0 : 1
}

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error
  process.exit(process.exitCode ?? 0)
})

main().then(
  (status) => {
    process.exitCode = status
  },
  (error: unknown) => {
    process.stderr.write(
      `${NAME}: internal error: ${showMessage((error as Error)?.stack ?? String(error))}\n`,
    )
    process.exitCode = 70
  },
)
