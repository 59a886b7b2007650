/**
 * The package as a user gets it: a clean copy of the repository's files (no dist/, nothing built), packed
 * with `npm pack`, which must build the package itself (`prepack`), as `npm publish` and a git install do;
 * then installed from the tarball into an empty project and used through `import`, `require`, the `bin` and
 * the TypeScript types of both.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'

/** Run a command, bounded in time; resolve its stdout, reject with its stderr. */
const run = (
  command: string,
  args: string[],
  cwd: string,
  timeout = 120_000,
): Promise<{ stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, timeout, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${error.message}\n${stderr}`))
        else resolve({ stdout, stderr })
      },
    )
  })

/**
 * The files a clone of the repository has: tracked ones and new ones not ignored (so a change not yet
 * committed is tested too), without dist/ or anything else a build leaves.
 */
const repositoryFiles = async (): Promise<string[]> => {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)
  return stdout.split('\0').filter((file) => file !== '' && !file.startsWith('dist/'))
}

test('npm pack builds a clean copy, and the tarball works through import, require, bin and types', {
  timeout: 300_000,
}, async (t) => {
  const scratch = await mkdtemp(join(tmpdir(), 'canonical-node-key-pack-'))
  t.after(() => rm(scratch, { recursive: true, force: true }))
  const started = Date.now()
  const lap = (what: string) => t.diagnostic(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`)

  // 1. A clean copy of the repository; the installed devDependencies are borrowed, nothing is built here.
  const pkg = join(scratch, 'pkg')
  for (const file of await repositoryFiles()) {
    await mkdir(join(pkg, dirname(file)), { recursive: true })
    // A file deleted in the work tree but still tracked is simply not copied.
    await cp(join(root, file), join(pkg, file)).catch(() => undefined)
  }
  await symlink(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir')

  // 2. Pack: `prepack` builds; only dist, the sources its maps point to, package.json and the docs go in.
  const packed = JSON.parse(
    (await run(npm, ['pack', '--json', '--pack-destination', scratch], pkg, 240_000)).stdout,
  ) as Array<{
    filename: string
    files: Array<{ path: string }>
  }>
  const tarball = join(scratch, packed[0]!.filename)
  const files = packed[0]!.files.map((file) => file.path)
  for (const file of [
    'package.json',
    'dist/esm/index.js',
    'dist/esm/index.d.ts',
    'dist/esm/core.js',
    'dist/esm/cli/main.js',
    'dist/commonjs/index.js',
    'dist/commonjs/index.d.ts',
    'dist/commonjs/core.js',
    'src/index.ts',
    ...[
      'node-map/index',
      'dns/index',
      'topology/index',
      'adapters/ioredis',
      'adapters/node-redis',
      'adapters/valkey-glide',
      'ring/index',
    ].flatMap((entry) => [
      `dist/esm/${entry}.js`,
      `dist/esm/${entry}.d.ts`,
      `dist/commonjs/${entry}.js`,
      `dist/commonjs/${entry}.d.ts`,
    ]),
  ]) {
    assert.ok(files.includes(file), `${file} is in the tarball`)
  }
  const stray = files.filter(
    (file) =>
      !(
        file.startsWith('dist/') ||
        (file.startsWith('src/') && file !== 'src/package.json') ||
        file.startsWith('vectors/') ||
        /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(file)
      ),
  )
  assert.deepEqual(stray, [], 'nothing but dist, src, vectors, package.json and the docs is packed')
  // Every source map (declaration maps included) points at a file that is in the tarball, and no file the
  // bundles hold is shipped beside them.
  assert.deepEqual(
    files.filter((file) => /^dist\/(esm|commonjs)\/key\/.*\.js$/.test(file)),
    [],
    'the core ships as core.js alone',
  )
  const packedFiles = new Set(files)
  const unpacked = join(scratch, 'unpacked')
  await mkdir(unpacked)
  await run('tar', ['-xzf', tarball, '-C', unpacked], scratch)
  for (const map of files.filter((file) => file.endsWith('.map'))) {
    const { sources, sourcesContent } = JSON.parse(
      await readFile(join(unpacked, 'package', map), 'utf8'),
    ) as {
      sources: string[]
      sourcesContent?: unknown[]
    }
    // The sources are shipped beside dist/: a map that copied their text would ship them twice.
    assert.equal(sourcesContent, undefined, `${map} holds no copy of its sources`)
    for (const source of sources) {
      const target = join(dirname(map), source)
      assert.ok(packedFiles.has(target), `${map} points at ${target}, which is in the tarball`)
    }
  }
  lap('packed')

  // 3. Install the tarball into an empty project (the registry serves the runtime dependencies).
  const app = join(scratch, 'app')
  await mkdir(app)
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app, 180_000)
  const installed = JSON.parse(
    await readFile(join(app, 'node_modules', 'canonical-node-key', 'package.json'), 'utf8'),
  )
  assert.equal(installed.name, 'canonical-node-key')
  lap('installed')

  // 4. import (ESM build), with a non-ASCII host so the lazily loaded IDNA tables are exercised too.
  const esm = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { canonicalNodeKey, canonicalHost, parseAddress } from 'canonical-node-key'
       console.log(JSON.stringify([canonicalNodeKey('LOCALHOST:7000'), canonicalNodeKey('::1:7002'),
         canonicalHost('bücher.example'), parseAddress('redis://u:p@Cache.Example').port]))`,
    ],
    app,
  )
  assert.deepEqual(JSON.parse(esm.stdout), ['127.0.0.1:7000', '[::1]:7002', 'xn--bcher-kva.example', 6379])

  // 4b. The products as subpaths, the adapters in a project with neither ioredis nor redis installed (no
  // runtime dependency on them), all sharing the root entry's state: the default keyer's memo counts their
  // calls, and their errors are the root's classes.
  const adapters = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { canonicalNodeKey } from 'canonical-node-key'
       import { ioredisNatMap, ioredisStartupNodes } from 'canonical-node-key/ioredis'
       import { nodeRedisAddressMap, nodeRedisRootNodes } from 'canonical-node-key/node-redis'
       import { NodeMap, StaleCreationError } from 'canonical-node-key/node-map'
       import { readClusterSlots, InvalidTopologyError } from 'canonical-node-key/topology'
       import { createDnsTable } from 'canonical-node-key/dns'
       import { NodeKeyError } from 'canonical-node-key'
       const before = canonicalNodeKey.stats().misses
       const mapped = [ioredisNatMap()('Subpath.Example:7000'), nodeRedisAddressMap()('subpath.example:7001')]
       const nodes = new NodeMap()
       nodes.set('Subpath.Example:7002', 'a')
       const misses = canonicalNodeKey.stats().misses - before
       let refused
       try { readClusterSlots('OK') } catch (e) { refused = e }
       let bad
       try { nodes.set('a..b', 1, 'x') } catch (e) { bad = e }
       const dns = createDnsTable({ lookup: async () => [] })
       dns.close()
       console.log(JSON.stringify([mapped, misses,
         ioredisStartupNodes(['LOCALHOST:7000', '[::1]:7001']), nodeRedisRootNodes(['redis://localhost:7002']),
         nodes.get('subpath.example:7002'), refused instanceof InvalidTopologyError, refused instanceof NodeKeyError,
         bad instanceof NodeKeyError, StaleCreationError.prototype instanceof NodeKeyError]))`,
    ],
    app,
  )
  assert.deepEqual(JSON.parse(adapters.stdout), [
    [
      { host: 'subpath.example', port: 7000 },
      { host: 'subpath.example', port: 7001 },
    ],
    3,
    [
      { host: '127.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
    ],
    [{ socket: { host: '127.0.0.1', port: 7002 } }],
    'a',
    true,
    true,
    true,
    true,
  ])

  // 5. require (CommonJS build), and the cross-copy error guard between the two builds.
  const cjs = await run(
    process.execPath,
    [
      '-e',
      `const { canonicalNodeKey, canonicalHost, InvalidHostError } = require('canonical-node-key')
       let error
       try { canonicalHost('a..b') } catch (e) { error = e }
       import('canonical-node-key').then((esm) => {
         console.log(JSON.stringify([canonicalNodeKey('LOCALHOST', 7000), canonicalHost('ＥＸＡＭＰＬＥ.com'),
           error instanceof InvalidHostError, error instanceof esm.InvalidHostError, esm.isNodeKeyError(error)]))
       })`,
    ],
    app,
  )
  assert.deepEqual(JSON.parse(cjs.stdout), ['127.0.0.1:7000', 'example.com', true, false, true])
  // The key vectors for other implementations, as a subpath export.
  const vectors = await run(
    process.execPath,
    [
      '-e',
      `const v = require('canonical-node-key/vectors.json')
       console.log(JSON.stringify([v.package, v.cases.length >= 500]))`,
    ],
    app,
  )
  assert.deepEqual(JSON.parse(vectors.stdout), ['canonical-node-key', true])

  // 5b. The subpaths through require, and the dual-stack policy recognized across the two builds: a chain
  // built by one with the other's policy in the wrong place still throws.
  const cjsAdapters = await run(
    process.execPath,
    [
      '-e',
      `const { ioredisNatMap } = require('canonical-node-key/ioredis')
       const { nodeRedisAddressMap } = require('canonical-node-key/node-redis')
       const { loopbackResolver } = require('canonical-node-key')
       import('canonical-node-key').then((esm) => {
         let order = 'accepted'
         try { esm.chainResolvers(esm.loopbackResolver(), loopbackResolver({ dualStack: true })) }
         catch (e) { order = e.name }
         const keyer = esm.createNodeKeyer({ resolver: loopbackResolver({ dualStack: true }) })
         console.log(JSON.stringify([ioredisNatMap(keyer)('::1:7000'), nodeRedisAddressMap()(':7000'), order]))
       })`,
    ],
    app,
  )
  assert.deepEqual(JSON.parse(cjsAdapters.stdout), [{ host: '127.0.0.1', port: 7000 }, null, 'TypeError'])
  lap('import and require')

  // 6. The bin, through npx (no network: it is installed locally).
  const bin = await run(npx, ['--no', 'canonical-node-key', 'LOCALHOST:7000'], app, 60_000)
  assert.match(bin.stdout, /(^|\s)127\.0\.0\.1:7000(\s|$)/, bin.stdout)
  await assert.rejects(run(npx, ['--no', 'canonical-node-key', 'a..b:7000'], app, 60_000), /a\.\.b/)
  lap('bin')

  // 7. The types, for both dialects, as a TypeScript user resolves them (moduleResolution nodenext).
  await writeFile(
    join(app, 'esm.mts'),
    `import { canonicalNodeKey, type NodeKey } from 'canonical-node-key'\nimport { ioredisNatMap, type IoredisNatMapFunction } from 'canonical-node-key/ioredis'\nimport { nodeRedisRootNodes, type NodeRedisRootNode } from 'canonical-node-key/node-redis'\nimport { NodeMap } from 'canonical-node-key/node-map'\nimport { createDnsTable, type DnsTable } from 'canonical-node-key/dns'\nimport { readClusterNodes, type ClusterTopology } from 'canonical-node-key/topology'\nexport const nodes: NodeMap<number> = new NodeMap<number>()\nexport const table: () => DnsTable = () => createDnsTable()\nexport const read: (text: string) => ClusterTopology = readClusterNodes\nconst key: NodeKey = canonicalNodeKey('h', 1)\n// @ts-expect-error a raw string is not a NodeKey\nconst raw: NodeKey = 'h:1'\nconst natMap: IoredisNatMapFunction = ioredisNatMap()\nconst roots: NodeRedisRootNode[] = nodeRedisRootNodes(['h:1'])\nexport { key, raw, natMap, roots }\n`,
  )
  await writeFile(
    join(app, 'cjs.cts'),
    `import { canonicalNodeKey, type NodeKey } from 'canonical-node-key'\nimport { ioredisStartupNodes } from 'canonical-node-key/ioredis'\nimport { nodeRedisAddressMap } from 'canonical-node-key/node-redis'\nimport { NodeMap } from 'canonical-node-key/node-map'\nimport { readClusterSlots } from 'canonical-node-key/topology'\nimport { createDnsTable } from 'canonical-node-key/dns'\nexport const nodes: NodeMap<string> = new NodeMap<string>()\nexport const read = readClusterSlots\nexport const table = createDnsTable\nexport const seeds: { host: string; port: number }[] = ioredisStartupNodes(['h:1'])\nexport const map: (address: string) => { host: string; port: number } | undefined = nodeRedisAddressMap()\nconst key: NodeKey = canonicalNodeKey('h', 1)\n// @ts-expect-error a raw string is not a NodeKey\nconst raw: NodeKey = 'h:1'\nexport { key, raw }\n`,
  )
  // A project that mixes the two: a key from the CommonJS types is a key for the ESM types (one brand).
  await writeFile(
    join(app, 'mixed.mts'),
    `import type { NodeKey } from 'canonical-node-key'\nimport { NodeMap } from 'canonical-node-key/node-map'\nimport { key } from './cjs.cjs'\nconst esm: NodeKey = key\nconst nodes = new NodeMap<number>()\nnodes.set(key, 1)\nexport { esm, nodes }\n`,
  )
  await writeFile(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        types: [],
        skipLibCheck: false,
      },
      files: ['esm.mts', 'cjs.cts', 'mixed.mts'],
    }),
  )
  await run(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    app,
  )
  lap('types')
})

test('the built entry tree-shakes: a bundle of parsePort alone holds no keyer, no NodeMap and no LRUCache', async () => {
  const { build } = await import('esbuild')
  const bundle = async (name: string, entry = 'index.js'): Promise<string> => {
    const result = await build({
      stdin: {
        contents: `import { ${name} } from ${JSON.stringify(join(root, 'dist/esm', entry))}\nconsole.log(${name})`,
        resolveDir: root,
      },
      bundle: true,
      write: false,
      minify: true,
      format: 'esm',
      platform: 'node',
      logLevel: 'silent',
    })
    return result.outputFiles[0]?.text ?? ''
  }
  // A trace of each: the keyer's option table (property names survive minification), NodeMap's option check,
  // and lru-cache's constructor.
  const markers = [
    'cacheSize',
    'a key function such as canonicalNodeKey',
    'At least one of max, maxSize, or ttl is required',
  ]
  const parsePortOnly = await bundle('parsePort')
  for (const marker of markers) assert.ok(!parsePortOnly.includes(marker), `parsePort alone holds ${marker}`)
  // The same markers are found where they belong, so the check above can fail.
  const nodeMapOnly = await bundle('NodeMap', 'node-map/index.js')
  for (const marker of markers) assert.ok(nodeMapOnly.includes(marker), `NodeMap alone lacks ${marker}`)
})
