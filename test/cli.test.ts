/**
 * The built CLI (dist/esm/cli/main.js, as `npm run build` writes it), spawned as an operator runs it: arguments,
 * standard input, exit status, standard output and standard error.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { canonicalNodeKey } from '../src/index.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = join(root, 'dist', 'esm', 'cli', 'main.js')
const fixtures = join(root, 'test', 'fixtures', 'redis-cli')

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

/** Run the CLI under the Node running the tests, with a bound on time. */
const run = (args: readonly string[], input = ''): Run => {
  const result = spawnSync(process.execPath, [cli, ...args], {
    input,
    encoding: 'utf8',
    timeout: 20_000,
    cwd: root,
  })
  if (result.error !== undefined) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** The `input<TAB>key` lines of a run, as pairs. */
const pairs = (stdout: string): Array<[string, string]> =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const fields = line.split('\t')
      assert.equal(fields.length, 2, `expected input<TAB>key, got ${JSON.stringify(line)}`)
      return fields as [string, string]
    })

let scratch = ''

before(() => {
  assert.ok(existsSync(cli), `${cli} is missing: run \`npm run build\` before these tests`)
  scratch = mkdtempSync(join(tmpdir(), 'canonical-node-key-cli-'))
})

after(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true })
})

describe('addresses', () => {
  test('from arguments: input<TAB>key per line, the same keys as the library, exit 0', () => {
    const inputs = ['LOCALHOST:7000', '127.0.0.1:7000', '::1:7002', 'redis://localhost:7000', '[0:0::1]:7002']
    const { status, stdout, stderr } = run(inputs)
    assert.equal(status, 0)
    assert.equal(stderr, '')
    assert.deepEqual(
      pairs(stdout),
      inputs.map((input) => [input, canonicalNodeKey(input)]),
    )
    assert.deepEqual(
      pairs(stdout).map(([, key]) => key),
      ['127.0.0.1:7000', '127.0.0.1:7000', '[::1]:7002', '127.0.0.1:7000', '[::1]:7002'],
    )
  })

  test('from standard input: blank lines and # comments skipped, CRLF and spaces tolerated', () => {
    const { status, stdout, stderr } = run(
      [],
      '# seeds\r\n\r\n  LOCALHOST:7000  \r\n\n#127.0.0.1:1\nredis-1.Example:6379',
    )
    assert.equal(status, 0)
    assert.equal(stderr, '')
    assert.deepEqual(pairs(stdout), [
      ['LOCALHOST:7000', '127.0.0.1:7000'],
      ['redis-1.Example:6379', 'redis-1.example:6379'],
    ])
  })

  test('an invalid line goes to stderr with its line number and code; the others go on; exit 1', () => {
    const { status, stdout, stderr } = run([], 'a:1\nbad..host:7000\nb:2\n\nc:0\nd:4\n')
    assert.equal(status, 1)
    assert.deepEqual(pairs(stdout), [
      ['a:1', 'a:1'],
      ['b:2', 'b:2'],
      ['d:4', 'd:4'],
    ])
    const errors = stderr.trim().split('\n')
    assert.equal(errors.length, 2)
    assert.match(errors[0]!, /line 2: "bad\.\.host:7000": Expected .*\[ERR_NODE_KEY_INVALID_HOST\]$/)
    assert.match(errors[1]!, /line 5: "c:0": Expected .*\[ERR_NODE_KEY_INVALID_PORT\]$/)
  })

  test('an invalid argument names its position', () => {
    const { status, stdout, stderr } = run(['a:1', 'x:http'])
    assert.equal(status, 1)
    assert.deepEqual(pairs(stdout), [['a:1', 'a:1']])
    assert.match(stderr, /argument 2: "x:http": Expected a numeric port/)
  })

  test('a line far longer than any address is refused, not kept whole', () => {
    const { status, stdout, stderr } = run([], `${'a'.repeat(200_000)}:1\nok:1\n`)
    assert.equal(status, 1)
    assert.deepEqual(pairs(stdout), [['ok:1', 'ok:1']])
    assert.match(stderr, /line 1: .*at most/)
    assert.ok(stderr.length < 2_000, 'the error echoes a preview, not the line')
  })

  test('empty input: no output, exit 0', () => {
    const { status, stdout, stderr } = run([], '\n# nothing\n')
    assert.deepEqual([status, stdout, stderr], [0, '', ''])
  })
})

describe('streams', () => {
  /** Run a shell pipeline around the CLI (`$CLI` in the script), with a bound on time. */
  const shell = (script: string): Run => {
    const result = spawnSync('bash', ['-c', script], {
      encoding: 'utf8',
      timeout: 60_000,
      cwd: root,
      env: { ...process.env, CLI: `"${process.execPath}" "${cli}"` },
    })
    if (result.error !== undefined) throw result.error
    return { status: result.status, stdout: result.stdout, stderr: result.stderr }
  }

  test('errors on stderr keep their place among the results on stdout', () => {
    const { stdout } = shell(`printf 'a:1\\nb..c:1\\nd:1\\n' | eval "$CLI" 2>&1`)
    assert.deepEqual(
      stdout.split('\n').map((line) => line.split(':')[0]),
      ['a', 'canonical-node-key', 'd', ''],
    )
  })

  test('a reader that stops early (| head -1) ends the CLI quietly with status 0', () => {
    const file = join(scratch, 'many.txt')
    writeFileSync(
      file,
      Array.from({ length: 200_000 }, (_, i) => `node-${i}.example:${(i % 60000) + 1}`).join('\n'),
    )
    const { stdout, stderr } = shell(`eval "$CLI" < "${file}" | head -1; echo "status \${PIPESTATUS[0]}"`)
    assert.equal(stdout, 'node-0.example:1\tnode-0.example:1\nstatus 0\n')
    assert.equal(stderr, '')
  })
})

describe('--group', () => {
  test('prints each key with more than one spelling, and the spellings with their lines', () => {
    const input =
      'LOCALHOST:7000\n127.0.0.1:7000\n127.0.0.1:7000\nredis-2:7001\n[::1]:7002\n0:0:0:0:0:0:0:1:7002\n'
    const { status, stdout, stderr } = run(['--group'], input)
    assert.equal(status, 0)
    assert.equal(
      stdout,
      [
        '127.0.0.1:7000\t2 spellings',
        '\tLOCALHOST:7000\tline 1',
        '\t127.0.0.1:7000\tline 2',
        '[::1]:7002\t2 spellings',
        '\t[::1]:7002\tline 5',
        '\t0:0:0:0:0:0:0:1:7002\tline 6',
        '',
      ].join('\n'),
    )
    assert.match(stderr, /6 inputs, 3 keys, 2 keys with more than one spelling/)
  })

  test('no aliasing: no groups; invalid input still exits 1', () => {
    const { status, stdout, stderr } = run(['--group', 'a:1', 'b:1', 'c:99999'])
    assert.equal(status, 1)
    assert.equal(stdout, '')
    assert.match(stderr, /argument 3: "c:99999"/)
    assert.match(stderr, /3 inputs, 2 keys, 0 keys with more than one spelling/)
  })

  test('the example the README runs first shows aliasing of three nodes', () => {
    const { status, stdout } = run(['--group'], readFileSync(join(root, 'examples', 'aliases.txt'), 'utf8'))
    assert.equal(status, 0)
    const keys = stdout.split('\n').filter((line) => line !== '' && !line.startsWith('\t'))
    assert.deepEqual(
      keys.map((line) => line.split('\t')[0]),
      ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'],
    )
  })
})

describe('--json', () => {
  test('one document with results (keys and errors) and groups', () => {
    const { status, stdout } = run(['--json'], 'LOCALHOST:7000\n127.0.0.1:7000\nx:0\n')
    assert.equal(status, 1)
    const document = JSON.parse(stdout)
    const message: unknown = document.results[2]?.error?.message
    assert.equal(typeof message, 'string')
    assert.match(message as string, /^Expected the port/)
    assert.deepEqual(document, {
      results: [
        { line: 1, input: 'LOCALHOST:7000', key: '127.0.0.1:7000', range: 'loopback' },
        { line: 2, input: '127.0.0.1:7000', key: '127.0.0.1:7000', range: 'loopback' },
        {
          line: 3,
          input: 'x:0',
          error: { code: 'ERR_NODE_KEY_INVALID_PORT', message },
        },
      ],
      groups: [{ key: '127.0.0.1:7000', inputs: ['LOCALHOST:7000', '127.0.0.1:7000'] }],
    })
  })

  test('with arguments, results name the argument', () => {
    const { status, stdout } = run(['--json', '--group', 'a:1'])
    assert.equal(status, 0)
    assert.deepEqual(JSON.parse(stdout), {
      results: [{ argument: 1, input: 'a:1', key: 'a:1', range: null }],
      groups: [],
    })
  })

  test("each key's address range, as ipaddr.js names it; null for a name", () => {
    const inputs = [
      '10.0.0.5:1',
      '172.18.0.2:1',
      '[fe80::1%eth0]:1',
      '[fd00::1]:1',
      '0.0.0.0:1',
      '100.64.0.1:1',
    ]
    const { status, stdout } = run(['--json', ...inputs, '8.8.8.8:53', 'LOCALHOST:1', '[::1]:1', 'redis-1:1'])
    assert.equal(status, 0)
    assert.deepEqual(
      JSON.parse(stdout).results.map((result: { range: unknown }) => result.range),
      [
        'private',
        'private',
        'linkLocal',
        'uniqueLocal',
        'unspecified',
        'carrierGradeNat',
        'unicast',
        'loopback',
        'loopback',
        null,
      ],
    )
  })
})

describe('identity options', () => {
  test('--default-port gives a port to addresses without one', () => {
    assert.deepEqual(pairs(run(['--default-port', '6379', 'redis-1', 'redis-1:7000']).stdout), [
      ['redis-1', 'redis-1:6379'],
      ['redis-1:7000', 'redis-1:7000'],
    ])
    const without = run(['redis-1'])
    assert.equal(without.status, 1)
    // The hint names the flag, not the library option it stands for.
    assert.match(
      without.stderr,
      /: Expected a port in "redis-1", got none\. Give one, or pass --default-port\. \[/,
    )
    assert.doesNotMatch(without.stderr, /createNodeKeyer|defaultPort/)
  })

  test('--loopback ::1 and none', () => {
    assert.deepEqual(pairs(run(['--loopback', '::1', 'localhost:7000', '127.0.0.1:7000']).stdout), [
      ['localhost:7000', '[::1]:7000'],
      ['127.0.0.1:7000', '127.0.0.1:7000'],
    ])
    assert.deepEqual(pairs(run(['--loopback', 'none', 'LOCALHOST:7000']).stdout), [
      ['LOCALHOST:7000', 'localhost:7000'],
    ])
  })

  test('--nat reads an ioredis natMap table, applied before the loopback policy', () => {
    const file = join(scratch, 'nat.json')
    writeFileSync(
      file,
      JSON.stringify({
        '10.0.1.230:30001': { host: 'LOCALHOST', port: 7000 },
        '10.0.1.231:30002': { host: '203.0.113.9', port: 7001 },
        '10.0.1.232': '203.0.113.10',
      }),
    )
    const { status, stdout } = run([
      '--nat',
      file,
      '10.0.1.230:30001',
      '10.0.1.231:30002',
      '10.0.1.232:7002',
      '10.0.1.231:1',
    ])
    assert.equal(status, 0)
    assert.deepEqual(pairs(stdout), [
      ['10.0.1.230:30001', '127.0.0.1:7000'],
      ['10.0.1.231:30002', '203.0.113.9:7001'],
      ['10.0.1.232:7002', '203.0.113.10:7002'],
      ['10.0.1.231:1', '10.0.1.231:1'],
    ])
  })

  test('--trailing-dot and --mapped-ipv4', () => {
    const input = ['redis.example.:6379', '[::ffff:127.0.0.1]:7000']
    assert.deepEqual(pairs(run(input).stdout), [
      ['redis.example.:6379', 'redis.example.:6379'],
      ['[::ffff:127.0.0.1]:7000', '127.0.0.1:7000'],
    ])
    assert.deepEqual(pairs(run(['--trailing-dot', 'strip', '--mapped-ipv4', 'keep', ...input]).stdout), [
      ['redis.example.:6379', 'redis.example:6379'],
      ['[::ffff:127.0.0.1]:7000', '[::ffff:127.0.0.1]:7000'],
    ])
  })
})

describe('usage', () => {
  test('--help prints every option and exits 0', () => {
    const { status, stdout } = run(['--help'])
    assert.equal(status, 0)
    for (const option of [
      '--group',
      '--json',
      '--format',
      'cluster-shards',
      '--origin',
      '--default-port',
      '--loopback',
      '--nat',
      '--trailing-dot',
      '--mapped-ipv4',
      '--version',
    ]) {
      assert.ok(stdout.includes(option), option)
    }
    assert.equal(run(['-h']).stdout, stdout)
  })

  test('--version prints the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    const { status, stdout } = run(['--version'])
    assert.equal(status, 0)
    assert.equal(stdout, `${version}\n`)
  })

  for (const [name, args] of [
    ['an unknown option', ['--colour']],
    ['a bad --default-port', ['--default-port', '0', 'a']],
    ['a non-numeric --default-port', ['--default-port', '63 79', 'a']],
    ['a bad --loopback', ['--loopback', '127.0.0.2', 'a:1']],
    ['a bad --trailing-dot', ['--trailing-dot', 'drop', 'a:1']],
    ['a bad --mapped-ipv4', ['--mapped-ipv4', 'yes', 'a:1']],
    ['a bad --format', ['--format', 'csv']],
    ['a missing --nat file', ['--nat', '/nonexistent/nat.json', 'a:1']],
    ['an option without its value', ['a:1', '--default-port']],
    ['addresses with a cluster format', ['--format', 'cluster-nodes', 'a:1']],
    ['a bad --origin', ['--format', 'cluster-slots', '--origin', 'bad host']],
  ] as const) {
    test(`${name}: exit 2 with a message on stderr`, () => {
      const { status, stdout, stderr } = run(args)
      assert.equal(status, 2)
      assert.equal(stdout, '')
      assert.match(stderr, /^canonical-node-key: .+\nTry 'canonical-node-key --help'\.\n$/)
    })
  }

  test('a --nat file that is not a table: exit 2 saying what was expected', () => {
    const notJson = join(scratch, 'not.json')
    writeFileSync(notJson, '{ "a": ')
    assert.match(run(['--nat', notJson, 'a:1']).stderr, /Expected the --nat file to hold JSON/)
    const badValue = join(scratch, 'bad.json')
    writeFileSync(badValue, JSON.stringify({ 'a:1': { host: 'bad host' } }))
    const bad = run(['--nat', badValue, 'a:1'])
    assert.equal(bad.status, 2)
    assert.match(bad.stderr, /In the --nat file: Expected/)
    const array = join(scratch, 'array.json')
    writeFileSync(array, '[]')
    assert.equal(run(['--nat', array, 'a:1']).status, 2)
  })
})

/** Node ids and addresses in the tests below are made up; the line shapes are those Redis documents. */
const ID = { a: 'a'.repeat(40), b: 'b'.repeat(40), c: 'c'.repeat(40), d: 'd'.repeat(40) }

describe('--format cluster-nodes', () => {
  test('concatenated outputs of two nodes: a node id under two spellings, an address two ids share', () => {
    const fromA = [
      `${ID.a} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460`,
      `${ID.b} 127.0.0.1:7001@17001 master - 0 1 2 connected 5461-10922`,
      `${ID.c} ::1:7002@17002 master - 0 1 3 connected 10923-16383`,
    ]
    const fromB = [
      `${ID.a} localhost:7000@17000 master - 0 1 1 connected 0-5460`,
      `${ID.b} 127.0.0.1:7001@17001 myself,master - 0 0 2 connected 5461-10922`,
      `${ID.c} 127.0.0.1:7002@17002 master - 0 1 3 connected 10923-16383`,
      `${ID.d} 127.0.0.1:7001@17001 master,fail - 0 1 0 disconnected`,
      `${ID.d.replace(/d/g, 'e')} :0@0 handshake - 0 0 0 connected`,
    ]
    const { status, stdout, stderr } = run(['--format', 'cluster-nodes'], [...fromA, '', ...fromB].join('\n'))
    assert.equal(status, 0)
    assert.equal(
      stdout,
      [
        `node ${ID.a}\t2 spellings, 1 key`,
        '\t127.0.0.1:7000\t127.0.0.1:7000\tline 1',
        '\tlocalhost:7000\t127.0.0.1:7000\tline 5',
        `node ${ID.c}\t2 spellings, 2 keys`,
        '\t::1:7002\t[::1]:7002\tline 3',
        '\t127.0.0.1:7002\t127.0.0.1:7002\tline 7',
        `address 127.0.0.1:7001\t2 node ids`,
        `\t${ID.b}\t127.0.0.1:7001\tline 2`,
        `\t${ID.d}\t127.0.0.1:7001\tline 8`,
        '',
      ].join('\n'),
    )
    assert.match(stderr, /line 9: skipped: node e{40} has no address yet/)
    assert.match(stderr, /4 node ids, 6 spellings: 2 node ids under more than one spelling, 1 address shared/)
  })

  test('the announced hostname is a second spelling of the node', () => {
    const line = `${ID.a} 10.0.0.5:6379@16379,redis-0.example myself,master - 0 0 1 connected 0-16383`
    const { status, stdout } = run(['--format', 'cluster-nodes', '--json'], line)
    assert.equal(status, 0)
    const document = JSON.parse(stdout)
    assert.deepEqual(document.nodes, [
      {
        id: ID.a,
        inputs: ['10.0.0.5:6379', 'redis-0.example:6379'],
        keys: ['10.0.0.5:6379', 'redis-0.example:6379'],
      },
    ])
    assert.deepEqual(document.shared, [])
  })

  test('a malformed line and an invalid address are errors with line numbers: exit 1', () => {
    const input = [
      `${ID.a} 127.0.0.1:7000@17000 master`,
      `${ID.b} bad..host:7001@17001 master - 0 1 2 connected`,
    ].join('\n')
    const { status, stderr } = run(['--format', 'cluster-nodes'], input)
    assert.equal(status, 1)
    assert.match(stderr, /line 1: Invalid CLUSTER NODES reply: Expected a CLUSTER NODES line/)
    assert.match(stderr, /line 2: node b{40}: "bad\.\.host:7001": Expected/)
  })
})

describe('--format cluster-slots', () => {
  test('RESP2 and RESP3 metadata, replicas, and an address two ids share', () => {
    const slots = [
      [0, 5460, ['127.0.0.1', 7000, ID.a, { hostname: 'node-a.example' }], ['::1', 7003, ID.d, []]],
      [5461, 10922, ['node-b.example', 7001, ID.b, ['ip', '127.0.0.1']]],
      [10923, 16383, ['127.0.0.1', 7000, ID.c, {}], ['?', 7004, ID.a.replace(/a/g, 'f'), {}]],
    ]
    const { status, stdout, stderr } = run(['--format', 'cluster-slots', '--json'], JSON.stringify(slots))
    assert.equal(status, 0)
    const document = JSON.parse(stdout)
    assert.deepEqual(document.nodes, [
      {
        id: ID.a,
        inputs: ['127.0.0.1:7000', 'node-a.example:7000'],
        keys: ['127.0.0.1:7000', 'node-a.example:7000'],
      },
      {
        id: ID.b,
        inputs: ['node-b.example:7001', '127.0.0.1:7001'],
        keys: ['node-b.example:7001', '127.0.0.1:7001'],
      },
    ])
    assert.deepEqual(document.shared, [
      { key: '127.0.0.1:7000', ids: [ID.a, ID.c], inputs: ['127.0.0.1:7000'] },
    ])
    assert.equal(document.results.length, 6)
    assert.deepEqual(document.results[2], {
      id: ID.d,
      line: 1,
      input: '::1:7003',
      key: '[::1]:7003',
      range: 'loopback',
    })
    assert.equal(document.skipped.length, 1)
    assert.match(stderr, /skipped: node f{40} has an unknown endpoint \("\?"/)
  })

  test('not CLUSTER SLOTS JSON: exit 1 with the line', () => {
    const { status, stderr } = run(
      ['--format', 'cluster-slots'],
      '[[0, 1, ["127.0.0.1", 7000, "x"]]]\nnot json\n',
    )
    assert.equal(status, 1)
    assert.match(stderr, /line 2: Expected the JSON of CLUSTER SLOTS/)
  })
})

describe('--format cluster-shards', () => {
  test('RESP3 objects and RESP2 flat arrays: endpoint, hostname and ip are spellings; replicas; "?"', () => {
    const resp3 = [
      {
        slots: [0, 8191],
        nodes: [
          {
            id: ID.a,
            port: 7000,
            ip: '127.0.0.1',
            endpoint: 'node-a.example',
            hostname: 'node-a.example',
            role: 'master',
            health: 'online',
          },
          { id: ID.d, port: 7003, ip: '::1', endpoint: '::1', role: 'replica', health: 'online' },
        ],
      },
    ]
    const resp2 = [
      [
        'slots',
        [8192, 16383],
        'nodes',
        [
          ['id', ID.b, 'port', 7001, 'ip', '127.0.0.1', 'endpoint', '127.0.0.1', 'role', 'master'],
          ['id', ID.c, 'port', 7002, 'ip', '127.0.0.1', 'endpoint', '?', 'role', 'replica'],
        ],
      ],
    ]
    const input = `${JSON.stringify(resp3)}\n${JSON.stringify(resp2, null, 2)}\n`
    const { status, stdout, stderr } = run(['--format', 'cluster-shards', '--json'], input)
    assert.equal(status, 0, stderr)
    const document = JSON.parse(stdout)
    assert.deepEqual(
      document.results.map((result: { id: string; input: string; key: string }) => [
        result.id,
        result.input,
        result.key,
      ]),
      [
        [ID.a, 'node-a.example:7000', 'node-a.example:7000'],
        [ID.a, '127.0.0.1:7000', '127.0.0.1:7000'],
        [ID.d, '::1:7003', '[::1]:7003'],
        [ID.b, '127.0.0.1:7001', '127.0.0.1:7001'],
        [ID.c, '127.0.0.1:7002', '127.0.0.1:7002'],
      ],
    )
    assert.deepEqual(document.skipped, [
      {
        line: 2,
        message: `node ${ID.c} has an unknown endpoint ("?": its preferred endpoint is a hostname it does not have)`,
      },
    ])
  })

  test('not CLUSTER SHARDS: exit 1 with the line and what was expected', () => {
    const { status, stderr } = run(['--format', 'cluster-shards'], '[{"slots":[0],"nodes":[]}]\n')
    assert.equal(status, 1)
    assert.match(
      stderr,
      /line 1: Invalid CLUSTER SHARDS reply: Expected the slots of shard 0 to be \[start, end, …\] pairs/,
    )
  })
})

describe('--origin and the loopback warning', () => {
  // A cluster in Docker: the containers announce their bridge addresses; redis-cli reached it on 127.0.0.1.
  const docker = [
    `${ID.a} 172.18.0.2:7000@17000 myself,master - 0 0 1 connected 0-5460`,
    `${ID.b} 172.18.0.3:7001@17001 master - 0 0 2 connected 5461-10922`,
    `${ID.c} [fd00::4]:7002@17002 master - 0 0 3 connected 10923-16383`.replace('[fd00::4]', 'fd00::4'),
  ].join('\n')
  const natMap = {
    '172.18.0.2:7000': { host: '127.0.0.1', port: 7000 },
    '172.18.0.3:7001': { host: '127.0.0.1', port: 7001 },
    'fd00::4:7002': { host: '127.0.0.1', port: 7002 },
  }

  test('private and unique-local addresses read through loopback: a warning and the natMap on stderr', () => {
    const { status, stdout, stderr } = run(['--format', 'cluster-nodes'], docker)
    assert.equal(status, 0)
    assert.equal(stdout, '')
    assert.match(
      stderr,
      /warning: the topology was read through loopback \(127\.0\.0\.1\) but announces 3 addresses in private, uniqueLocal ranges/,
    )
    const json = stderr.slice(stderr.indexOf('{'))
    assert.deepEqual(JSON.parse(json), natMap)
  })

  test('with --json, the document carries the warning and the natMap', () => {
    const { stdout } = run(['--format', 'cluster-nodes', '--json', '--origin', 'localhost'], docker)
    const document = JSON.parse(stdout)
    assert.deepEqual(document.natMap, natMap)
    assert.equal(document.warnings.length, 1)
    assert.deepEqual(
      document.results.map((result: { range: string }) => result.range),
      ['private', 'private', 'uniqueLocal'],
    )
  })

  test('the natMap, given back as --nat, maps them (no warning); a subnet rule does too', () => {
    const file = join(scratch, 'docker-nat.json')
    writeFileSync(file, JSON.stringify(natMap))
    const mapped = run(['--format', 'cluster-nodes', '--nat', file], docker)
    assert.equal(mapped.status, 0)
    assert.doesNotMatch(mapped.stderr, /warning/)
    const subnets = join(scratch, 'docker-subnets.json')
    writeFileSync(
      subnets,
      JSON.stringify({ '172.18.0.0/16': { host: '127.0.0.1' }, 'fd00::/8': '127.0.0.1' }),
    )
    const { stdout, status } = run(['--format', 'cluster-nodes', '--json', '--nat', subnets], docker)
    assert.equal(status, 0)
    assert.deepEqual(
      JSON.parse(stdout).results.map((result: { key: string }) => result.key),
      ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'],
    )
  })

  test('read from another host (--origin 10.0.0.9): no warning; private addresses may be reachable', () => {
    const { stderr } = run(['--format', 'cluster-nodes', '--origin', '10.0.0.9'], docker)
    assert.doesNotMatch(stderr, /warning/)
  })

  test('an empty host ("the node you asked") is the origin: 127.0.0.1 by default, else --origin', () => {
    const lone = [[0, 16383, ['', 7000, ID.a, []]]]
    const byDefault = JSON.parse(run(['--format', 'cluster-slots', '--json'], JSON.stringify(lone)).stdout)
    assert.deepEqual(byDefault.results[0], {
      id: ID.a,
      line: 1,
      input: '127.0.0.1:7000',
      key: '127.0.0.1:7000',
      range: 'loopback',
    })
    const given = JSON.parse(
      run(['--format', 'cluster-slots', '--json', '--origin', '[::1]'], JSON.stringify(lone)).stdout,
    )
    assert.equal(given.results[0].key, '[::1]:7000')
  })
})

interface Manifest {
  recordedWith: string
  variants: Array<{
    name: string
    host: string
    nodes: Array<{ index: number; port: number; id: string }>
    files: Array<{ node: number; command: string; file: string }>
  }>
}

interface TopologyDocument {
  results: Array<{ id: string; line: number; input: string; key?: string; error?: unknown }>
  nodes: Array<{ id: string; inputs: string[]; keys: string[] }>
  shared: Array<{ key: string; ids: string[]; inputs: string[] }>
  errors: unknown[]
  skipped: unknown[]
}

/** Spellings per node id, in a stable order, from a document's results. */
const spellingsById = (document: TopologyDocument): Record<string, string[]> => {
  const byId: Record<string, string[]> = {}
  for (const { id, input } of document.results) byId[id] = [...(byId[id] ?? []), input].sort()
  return byId
}

describe('real redis-cli output (test/fixtures/redis-cli, every node of a three-master cluster)', () => {
  const manifestFile = join(fixtures, 'manifest.json')
  const manifest: Manifest = existsSync(manifestFile)
    ? JSON.parse(readFileSync(manifestFile, 'utf8'))
    : { recordedWith: '', variants: [] }

  test('the captures are present', () => {
    assert.ok(manifest.variants.length > 0, `expected captures and a manifest.json in ${fixtures}`)
  })

  // What each recorded setup makes the cluster say about node `n` (docs/canonical-form.md: ::1 is not
  // 127.0.0.1, §6.2; localhost is 127.0.0.1 under the default policy).
  const expected: Record<string, (port: number, index: number) => { spellings: string[]; keys: string[] }> = {
    ip: (port) => ({ spellings: [`127.0.0.1:${port}`], keys: [`127.0.0.1:${port}`] }),
    hostname: (port) => ({
      spellings: [`127.0.0.1:${port}`, `localhost:${port}`],
      keys: [`127.0.0.1:${port}`],
    }),
    ipv6: (port) => ({ spellings: [`::1:${port}`], keys: [`[::1]:${port}`] }),
    // Node 2 announces ::1 and reports every node as ::1; nodes 0 and 1 report themselves as 127.0.0.1.
    'ip-announce-ipv6': (port, index) =>
      index === 2
        ? { spellings: [`::1:${port}`], keys: [`[::1]:${port}`] }
        : { spellings: [`127.0.0.1:${port}`, `::1:${port}`], keys: [`127.0.0.1:${port}`, `[::1]:${port}`] },
  }

  // Each format, from the captures of redis-cli's RESP3 (its default with --json) and RESP2 (-2) output.
  const captures = [
    ['cluster-nodes', /^cluster-nodes-[0-9]+\.txt$/],
    ['cluster-slots', /^cluster-slots-[0-9]+\.json\.txt$/],
    ['cluster-slots', /^cluster-slots-resp2-[0-9]+\.json\.txt$/],
    ['cluster-shards', /^cluster-shards-[0-9]+\.json\.txt$/],
    ['cluster-shards', /^cluster-shards-resp2-[0-9]+\.json\.txt$/],
  ] as const
  for (const variant of manifest.variants) {
    for (const [format, pattern] of captures) {
      test(`${variant.name}, ${format} (${pattern.source}) of every node concatenated`, () => {
        const files = variant.files.filter((entry) => pattern.test(entry.file))
        assert.equal(files.length, variant.nodes.length, 'one capture per node')
        const text = files
          .map((entry) => readFileSync(join(fixtures, variant.name, entry.file), 'utf8'))
          .join('\n')
        const { status, stdout, stderr } = run(['--format', format, '--json'], text)
        assert.equal(status, 0, stderr)
        const document = JSON.parse(stdout) as TopologyDocument
        assert.deepEqual([document.errors, document.skipped], [[], []])
        for (const result of document.results) assert.equal(result.key, canonicalNodeKey(result.input))

        const expect = expected[variant.name]
        assert.ok(expect !== undefined, `no expectations written for the variant ${variant.name}`)
        const want = Object.fromEntries(
          variant.nodes.map((node) => [node.id, expect(node.port, node.index)] as const),
        )
        assert.deepEqual(
          spellingsById(document),
          Object.fromEntries(Object.entries(want).map(([id, { spellings }]) => [id, [...spellings].sort()])),
        )
        assert.deepEqual(
          Object.fromEntries(document.nodes.map((node) => [node.id, [...node.keys].sort()])),
          Object.fromEntries(
            Object.entries(want)
              .filter(([, { spellings }]) => spellings.length > 1)
              .map(([id, { keys }]) => [id, [...keys].sort()]),
          ),
        )
        assert.deepEqual(document.shared, [])
      })
    }
  }

  test('ip-announce-ipv6 in text: the node under two spellings and two keys (a NodeMap needs link())', () => {
    const variant = manifest.variants.find((entry) => entry.name === 'ip-announce-ipv6')
    assert.ok(variant !== undefined, 'the ip-announce-ipv6 capture is missing')
    const text = variant.files
      .filter((entry) => entry.file.startsWith('cluster-nodes-'))
      .map((entry) => readFileSync(join(fixtures, variant.name, entry.file), 'utf8'))
      .join('')
    const { status, stdout, stderr } = run(['--format', 'cluster-nodes'], text)
    assert.equal(status, 0)
    const [first, second] = variant.nodes
    for (const node of [first!, second!]) {
      assert.match(stdout, new RegExp(`^node ${node.id}\t2 spellings, 2 keys$`, 'm'))
      assert.match(stdout, new RegExp(`^\t::1:${node.port}\t\\[::1\\]:${node.port}\tline \\d+$`, 'm'))
    }
    assert.match(
      stderr,
      /3 node ids, 5 spellings: 2 node ids under more than one spelling, 0 addresses shared/,
    )
  })
})

describe("the README's CLI samples print what the README says", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  /** The lines after `$ <command>` in the README's sh block that holds it, up to the block's end or the next `$`. */
  const printed = (command: string): string[] => {
    const at = readme.indexOf(`$ ${command}\n`)
    assert.notEqual(at, -1, `the README shows \`${command}\``)
    const rest = readme.slice(at + command.length + 3)
    const lines: string[] = []
    for (const line of rest.split('\n')) {
      if (line.startsWith('```') || line.startsWith('$ ')) break
      lines.push(line)
    }
    return lines
  }
  const words = (command: string): string[] =>
    [...command.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2]!).slice(1)

  test('addresses, with one refused', () => {
    const command = "canonical-node-key LOCALHOST:7000 ::1:7002 'redis://localhost:7000' bad..host:7000"
    const { stdout, stderr } = run(words(command))
    assert.deepEqual(
      [...stdout.split('\n').filter(Boolean), ...stderr.split('\n').filter(Boolean)],
      printed(command),
    )
  })

  test('a NAT table and another loopback', () => {
    const dir = mkdtempSync(join(tmpdir(), 'canonical-node-key-readme-'))
    try {
      writeFileSync(join(dir, 'nat.json'), '{"10.0.1.230:30001": {"host": "203.0.113.73", "port": 30001}}')
      const command = 'canonical-node-key --nat nat.json 10.0.1.230:30001 --loopback ::1 localhost:7000'
      const result = spawnSync(process.execPath, [cli, ...words(command)], {
        encoding: 'utf8',
        cwd: dir,
        timeout: 20_000,
      })
      assert.deepEqual(result.stdout.split('\n').filter(Boolean), printed(command))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('the recorded cluster whose node is announced as ::1', () => {
    const capture = ['0', '1', '2']
      .map((node) => readFileSync(join(fixtures, 'ip-announce-ipv6', `cluster-nodes-${node}.txt`), 'utf8'))
      .join('')
    const { stdout, stderr } = run(['--format', 'cluster-nodes'], capture)
    const report = readme.slice(readme.indexOf('the report reads:'))
    const block = report.slice(
      report.indexOf('```text\n') + 8,
      report.indexOf('\n```', report.indexOf('```text')),
    )
    assert.deepEqual(
      [...stdout.split('\n').filter(Boolean), ...stderr.split('\n').filter(Boolean)],
      block.split('\n'),
    )
  })
})
