/**
 * Model-based tests: random sequences of NodeMap operations, with random spellings of a few endpoints,
 * checked step by step against a plain Map over hand-written canonical keys, including every dispose call.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  type AddressInput,
  createNodeKeyer,
  type NodeKey,
  type NodeKeyer,
  type Resolver,
  type ResolverListener,
} from '../src/index.ts'
import { NodeMap, type NodeMapDisposeReason, StaleCreationError } from '../src/node-map/index.ts'

/** How an address is passed: one argument, or a (host, port) pair. */
type Spelling = { address: AddressInput } | { host: string; port: number | string }

/** A few endpoints, each with its canonical key written by hand (the oracle) and several spellings. */
const ENDPOINTS: { key: string; spellings: Spelling[] }[] = [
  {
    key: '127.0.0.1:7000',
    spellings: [
      { address: 'localhost:7000' },
      { address: 'LOCALHOST:7000' },
      { address: '127.0.0.1:7000' },
      { address: '::ffff:127.0.0.1:7000' },
      { address: '[::ffff:7f00:1]:7000' },
      { address: 'redis://localhost:7000' },
      { address: '2130706433:7000' },
      { address: { host: '127.1', port: '7000' } },
      { host: 'localhost', port: 7000 },
      { host: '127.0.0.1', port: '07000' },
    ],
  },
  {
    key: '[::1]:7000',
    spellings: [
      { address: '::1:7000' },
      { address: '[0:0::1]:7000' },
      { address: 'redis://[::1]:7000' },
      { address: { host: '0:0:0:0:0:0:0:1', port: 7000 } },
      { host: '::1', port: 7000 },
    ],
  },
  {
    key: '127.0.0.2:7000',
    spellings: [{ address: '127.0.0.2:7000' }, { address: '127.2:7000' }, { host: '127.0.0.2', port: 7000 }],
  },
  {
    key: 'redis-a.example:7001',
    spellings: [
      { address: 'Redis-A.Example:7001' },
      { address: 'rediss://u:p@redis-a.example:7001/0' },
      { host: 'REDIS-A.EXAMPLE', port: '7001' },
    ],
  },
]
const INVALID: Spelling[] = [
  { address: 'bad host:1' },
  { address: 'localhost:0' },
  { host: 'x', port: 'http' },
]

type Departure = [value: number, key: string, reason: NodeMapDisposeReason]

/** The model: a plain Map over canonical keys, with the recency rule NodeMap documents. */
class Model {
  readonly map = new Map<string, number>()
  readonly disposed: Departure[] = []
  constructor(readonly max: number) {}
  touch(key: string): void {
    if (this.max === Number.POSITIVE_INFINITY) return
    const value = this.map.get(key)
    if (value === undefined) return
    this.map.delete(key)
    this.map.set(key, value)
  }
  set(key: string, value: number): void {
    const old = this.map.get(key)
    if (old !== undefined) {
      if (old !== value) this.disposed.push([old, key, 'set'])
      this.map.set(key, value)
      this.touch(key)
      return
    }
    this.map.set(key, value)
    if (this.map.size > this.max) {
      const [oldKey, oldValue] = this.map.entries().next().value!
      this.map.delete(oldKey)
      this.disposed.push([oldValue, oldKey, 'evict'])
    }
  }
}

interface Real {
  map: NodeMap<number>
  disposed: Departure[]
  next: number
}

const call = <R>(
  spelling: Spelling,
  one: (a: AddressInput) => R,
  two: (h: string, p: number | string) => R,
): R => ('address' in spelling ? one(spelling.address) : two(spelling.host, spelling.port))

const show = (spelling: Spelling): string =>
  'address' in spelling
    ? JSON.stringify(spelling.address)
    : `(${JSON.stringify(spelling.host)}, ${spelling.port})`

const check = (model: Model, real: Real): void => {
  assert.equal(real.map.size, model.map.size)
  assert.deepEqual([...real.map.entries()], [...model.map.entries()])
  assert.deepEqual(real.disposed, model.disposed)
}

class SetCommand implements fc.Command<Model, Real> {
  constructor(
    readonly endpoint: number,
    readonly spelling: Spelling,
    readonly reuse: boolean,
  ) {}
  check = () => true
  run(model: Model, real: Real): void {
    const key = ENDPOINTS[this.endpoint]!.key
    // Sometimes set the value the key already holds: that must not dispose it.
    const value = this.reuse && model.map.has(key) ? model.map.get(key)! : ++real.next
    call(
      this.spelling,
      (a) => real.map.set(a, value),
      (h, p) => real.map.set(h, p, value),
    )
    model.set(key, value)
    check(model, real)
  }
  toString = () => `set(${show(this.spelling)}${this.reuse ? ', same' : ''})`
}

class GetCommand implements fc.Command<Model, Real> {
  constructor(
    readonly endpoint: number,
    readonly spelling: Spelling,
  ) {}
  check = () => true
  run(model: Model, real: Real): void {
    const key = ENDPOINTS[this.endpoint]?.key
    const got = call(
      this.spelling,
      (a) => real.map.get(a),
      (h, p) => real.map.get(h, p),
    )
    assert.equal(got, key === undefined ? undefined : model.map.get(key))
    if (key !== undefined) model.touch(key)
    check(model, real)
  }
  toString = () => `get(${show(this.spelling)})`
}

class HasCommand implements fc.Command<Model, Real> {
  constructor(
    readonly endpoint: number,
    readonly spelling: Spelling,
  ) {}
  check = () => true
  run(model: Model, real: Real): void {
    const key = ENDPOINTS[this.endpoint]?.key
    const got = call(
      this.spelling,
      (a) => real.map.has(a),
      (h, p) => real.map.has(h, p),
    )
    assert.equal(got, key !== undefined && model.map.has(key))
    check(model, real)
  }
  toString = () => `has(${show(this.spelling)})`
}

class DeleteCommand implements fc.Command<Model, Real> {
  constructor(
    readonly endpoint: number,
    readonly spelling: Spelling,
  ) {}
  check = () => true
  run(model: Model, real: Real): void {
    const key = ENDPOINTS[this.endpoint]?.key
    const got = call(
      this.spelling,
      (a) => real.map.delete(a),
      (h, p) => real.map.delete(h, p),
    )
    const old = key === undefined ? undefined : model.map.get(key)
    assert.equal(got, old !== undefined)
    if (key !== undefined && old !== undefined) {
      model.map.delete(key)
      model.disposed.push([old, key, 'delete'])
    }
    check(model, real)
  }
  toString = () => `delete(${show(this.spelling)})`
}

class GetOrCreateCommand implements fc.Command<Model, Real> {
  constructor(
    readonly endpoint: number,
    readonly spelling: Spelling,
  ) {}
  check = () => true
  run(model: Model, real: Real): void {
    const key = ENDPOINTS[this.endpoint]!.key
    let created: number | undefined
    const create = (given: NodeKey) => {
      assert.equal(given, key)
      created = ++real.next
      return created
    }
    const got = call(
      this.spelling,
      (a) => real.map.getOrCreate(a, create),
      (h, p) => real.map.getOrCreate(h, p, create),
    )
    const had = model.map.get(key)
    if (had !== undefined) {
      assert.equal(created, undefined, 'no creation for a key that is present')
      assert.equal(got, had)
      model.touch(key)
    } else {
      assert.equal(got, created)
      model.set(key, got)
    }
    check(model, real)
  }
  toString = () => `getOrCreate(${show(this.spelling)})`
}

class ClearCommand implements fc.Command<Model, Real> {
  check = () => true
  run(model: Model, real: Real): void {
    real.map.clear()
    for (const [key, value] of model.map) model.disposed.push([value, key, 'clear'])
    model.map.clear()
    check(model, real)
  }
  toString = () => 'clear()'
}

/** An endpoint index and one of its spellings; index -1 for input that is not an address. */
const spelled = (withInvalid: boolean) =>
  fc.oneof(
    ...ENDPOINTS.map((endpoint, index) =>
      fc.constantFrom(...endpoint.spellings).map((spelling) => [index, spelling] as const),
    ),
    ...(withInvalid ? [fc.constantFrom(...INVALID).map((spelling) => [-1, spelling] as const)] : []),
  )

const commands = [
  fc.tuple(spelled(false), fc.boolean()).map(([[e, s], reuse]) => new SetCommand(e, s, reuse)),
  spelled(true).map(([e, s]) => new GetCommand(e, s)),
  spelled(true).map(([e, s]) => new HasCommand(e, s)),
  spelled(true).map(([e, s]) => new DeleteCommand(e, s)),
  spelled(false).map(([e, s]) => new GetOrCreateCommand(e, s)),
  fc.constant(new ClearCommand()),
]

test('NodeMap behaves as a plain Map over canonical keys, dispose calls included (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(Number.POSITIVE_INFINITY, 1, 2, 3),
      fc.commands(commands, { maxCommands: 60 }),
      (max, sequence) => {
        const disposed: Departure[] = []
        const real: Real = {
          map: new NodeMap<number>({
            max,
            dispose: (value, key, reason) => disposed.push([value, key, reason]),
          }),
          disposed,
          next: 0,
        }
        fc.modelRun(() => ({ model: new Model(max), real }), sequence)
        // Every value ever made is still in the map or was disposed, exactly once: none leaked, none twice.
        const accounted = [...real.map.values(), ...disposed.map(([value]) => value)].sort((a, b) => a - b)
        assert.deepEqual(
          accounted,
          Array.from({ length: real.next }, (_, i) => i + 1),
        )
      },
    ),
    { numRuns: 300 },
  )
})

interface Made {
  key: NodeKey
  id: number
}

type AsyncOp =
  | { op: 'create'; endpoint: number; spelling: Spelling; fail: boolean }
  | { op: 'delete'; endpoint: number; spelling: Spelling }
  | { op: 'set'; endpoint: number; spelling: Spelling }
  | { op: 'clear' }

const asyncOps = fc.array(
  fc.oneof(
    fc
      .tuple(spelled(false), fc.boolean())
      .map(([[endpoint, spelling], fail]): AsyncOp => ({ op: 'create', endpoint, spelling, fail })),
    fc
      .tuple(spelled(false), fc.constantFrom('delete' as const, 'set' as const))
      .map(
        ([[endpoint, spelling], op]): AsyncOp =>
          op === 'set' ? { op, endpoint, spelling } : { op, endpoint, spelling },
      ),
    fc.constant<AsyncOp>({ op: 'clear' }),
  ),
  { maxLength: 40 },
)

test('getOrCreateAsync under random interleavings: no leak, no double dispose, no value under a wrong key', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      asyncOps,
      fc.constantFrom(Number.POSITIVE_INFINITY, 2),
      async (s, ops, max) => {
        let next = 0
        const made: Made[] = []
        const disposed: Made[] = []
        const map = new NodeMap<Made>({ max, dispose: (value) => disposed.push(value) })
        const refused = new Error('refused')
        const outcomes: Promise<void>[] = []
        for (const step of ops) {
          outcomes.push(
            s.schedule(Promise.resolve(), step.op).then(() => {
              if (step.op === 'clear') return map.clear()
              const key = ENDPOINTS[step.endpoint]!.key as NodeKey
              if (step.op === 'delete') {
                call(
                  step.spelling,
                  (a) => map.delete(a),
                  (h, p) => map.delete(h, p),
                )
                return
              }
              if (step.op === 'set') {
                const value = { key, id: ++next }
                made.push(value)
                call(
                  step.spelling,
                  (a) => map.set(a, value),
                  (h, p) => map.set(h, p, value),
                )
                return
              }
              const { fail } = step
              const create = async (given: NodeKey) => {
                assert.equal(given, key)
                await s.schedule(Promise.resolve(), `create ${key}`)
                if (fail) throw refused
                const value = { key, id: ++next }
                made.push(value)
                return value
              }
              const waiter = call(
                step.spelling,
                (a) => map.getOrCreateAsync(a, create),
                (h, p) => map.getOrCreateAsync(h, p, create),
              )
              return waiter.then(
                (value) => assert.equal(value.key, key),
                (error: unknown) =>
                  assert.ok(
                    error === refused || (error instanceof StaleCreationError && error.key === key),
                    String(error),
                  ),
              )
            }),
          )
        }
        await s.waitAll()
        await Promise.all(outcomes)
        for (const [key, value] of map) assert.equal(value.key, key)
        const ids = [...map.values(), ...disposed].map((value) => value.id).sort((a, b) => a - b)
        assert.deepEqual(
          ids,
          made.map((value) => value.id).sort((a, b) => a - b),
        )
        assert.ok(map.size <= max)
      },
    ),
    { numRuns: 200 },
  )
})

/**
 * The map follows a keyer whose answers change between commands: DNS-like names learned, moved and
 * forgotten, NAT entries added and removed. The model files values under the keys the same keyer gives and
 * re-keys them by the documented rule; beside it, invariants that do not depend on the rule are checked
 * after every command: every live value is reachable by the current key of a spelling it holds, no value is
 * filed twice, every value made is live or disposed exactly once, and `'rekeyed'` disposals happen only
 * when the answers change.
 */
describe('NodeMap follows a keyer whose answers change (fast-check)', () => {
  const CHANGING: Spelling[] = [
    { address: 'node-a.test:7000' },
    { address: 'NODE-A.test:7000' },
    { address: { host: 'node-a.test', port: 7000 } },
    { host: 'Node-A.Test', port: '7000' },
    { address: 'node-b.test:7000' },
    { host: 'node-b.test', port: 7000 },
    { address: '127.0.0.1:7000' },
    { address: 'localhost:7000' },
    { address: '127.0.0.2:7000' },
    { host: '127.2', port: 7000 },
    { address: '10.0.1.230:7000' },
    { address: '203.0.113.73:7000' },
  ]
  type Change =
    | { kind: 'learn'; name: string; ip: string }
    | { kind: 'forget'; name: string }
    | { kind: 'nat'; target: string | undefined }

  /** A resolver over tables the test changes, announcing each change as a DNS table would. */
  const changingResolver = () => {
    const names = new Map<string, string>()
    const nat = new Map<string, { host: string; port: number }>()
    const listeners = new Set<ResolverListener>()
    const resolver: Resolver = ({ host, port }) => {
      const natted = nat.get(`${host}:${port}`)
      if (natted !== undefined) return natted
      const ip = names.get(host) ?? (host === 'localhost' ? '127.0.0.1' : undefined)
      return ip === undefined ? undefined : { host: ip, port }
    }
    resolver.subscribe = (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
    const apply = (change: Change): void => {
      if (change.kind === 'learn') names.set(change.name, change.ip)
      else if (change.kind === 'forget') names.delete(change.name)
      else if (change.target === undefined) nat.delete('10.0.1.230:7000')
      else nat.set('10.0.1.230:7000', { host: change.target, port: 7000 })
      const host = change.kind === 'nat' ? '10.0.1.230' : change.name
      for (const listener of listeners) listener({ hosts: [host] })
    }
    return { resolver, apply }
  }

  const rawOf = (spelling: Spelling): string => {
    if ('host' in spelling) return `${spelling.host}:${spelling.port}`
    const { address } = spelling
    return typeof address === 'string' ? address : `${address.host}:${address.port}`
  }

  interface Filed {
    value: number
    born: number
    /** Raw spelling to the spelling, in the order first seen, at most 16 (as the map keeps them). */
    spellings: Map<string, Spelling>
  }

  interface World {
    keyer: NodeKeyer
    apply: (change: Change) => void
    map: NodeMap<number>
    disposed: Departure[]
    /** The model: key to filed value, in the map's order (insertion order: no `max`). */
    model: Map<string, Filed>
    modelDisposed: Departure[]
    next: number
    born: number
  }

  const keyOf = (world: World, spelling: Spelling): string | undefined => {
    try {
      return call(
        spelling,
        (a) => world.keyer(a),
        (h, p) => world.keyer(h, p),
      )
    } catch {
      return undefined
    }
  }

  const note = (filed: Filed, spelling: Spelling): void => {
    const raw = rawOf(spelling)
    if (filed.spellings.size < 16 && !filed.spellings.has(raw)) filed.spellings.set(raw, spelling)
  }

  /** The documented rule, applied to the model. */
  const rekey = (world: World): void => {
    const order = [...world.model.values()]
    const filedAt = new Map<string, Filed>()
    const keyOfFiled = new Map<Filed, string>()
    const oldKey = new Map<Filed, string>([...world.model].map(([key, filed]) => [filed, key]))
    for (const filed of [...order].sort((a, b) => a.born - b.born)) {
      const current = oldKey.get(filed)!
      let key: string | undefined
      for (const spelling of filed.spellings.values()) {
        const now = keyOf(world, spelling)
        if (now === current) {
          key = current
          break
        }
        key ??= now
      }
      if (key === undefined) {
        world.modelDisposed.push([filed.value, current, 'rekeyed'])
        continue
      }
      const owner = filedAt.get(key)
      if (owner !== undefined) {
        for (const spelling of filed.spellings.values()) note(owner, spelling)
        world.modelDisposed.push([filed.value, current, 'rekeyed'])
        continue
      }
      filedAt.set(key, filed)
      keyOfFiled.set(filed, key)
    }
    world.model = new Map(order.filter((filed) => keyOfFiled.has(filed)).map((f) => [keyOfFiled.get(f)!, f]))
  }

  const checkWorld = (world: World): void => {
    const entries = [...world.map.entries()]
    assert.deepEqual(
      entries,
      [...world.model].map(([key, filed]) => [key, filed.value]),
    )
    assert.deepEqual(world.disposed, world.modelDisposed)
    // Invariants that do not lean on the model's rule:
    const values = entries.map(([, value]) => value)
    assert.equal(new Set(values).size, values.length, 'no value is filed under two keys')
    for (const [key, value] of entries) {
      const aliases = world.map.aliases(key)
      const reachable = aliases.some((raw) => {
        const spelling = CHANGING.find((candidate) => rawOf(candidate) === raw)
        return spelling !== undefined && keyOf(world, spelling) === key
      })
      assert.ok(
        reachable,
        `value ${value} at ${key} is reachable by a spelling it holds (${aliases.join(', ')})`,
      )
    }
  }

  class ChangeCommand implements fc.Command<World, World> {
    constructor(readonly change: Change) {}
    check = () => true
    run(_: World, world: World): void {
      const before = world.disposed.length
      world.apply(this.change)
      // The next call re-keys; `size` answers, so it must re-key first.
      assert.equal(world.map.size, world.map.size)
      rekey(world)
      checkWorld(world)
      for (const [, , reason] of world.disposed.slice(before)) assert.equal(reason, 'rekeyed')
    }
    toString = () => JSON.stringify(this.change)
  }

  class UseCommand implements fc.Command<World, World> {
    constructor(
      readonly op: 'set' | 'get' | 'getOrCreate' | 'delete',
      readonly spelling: Spelling,
    ) {}
    check = () => true
    run(_: World, world: World): void {
      const before = world.disposed.length
      const key = keyOf(world, this.spelling)!
      const filed = world.model.get(key)
      const { map } = world
      if (this.op === 'get') {
        const got = call(
          this.spelling,
          (a) => map.get(a),
          (h, p) => map.get(h, p),
        )
        assert.equal(got, filed?.value)
        if (filed !== undefined) note(filed, this.spelling)
      } else if (this.op === 'delete') {
        const got = call(
          this.spelling,
          (a) => map.delete(a),
          (h, p) => map.delete(h, p),
        )
        assert.equal(got, filed !== undefined)
        if (filed !== undefined) {
          world.model.delete(key)
          world.modelDisposed.push([filed.value, key, 'delete'])
        }
      } else {
        let made: number | undefined
        const value = this.op === 'set' ? ++world.next : undefined
        const got =
          this.op === 'set'
            ? call(
                this.spelling,
                (a) => map.set(a, value!),
                (h, p) => map.set(h, p, value!),
              ) && value
            : call(
                this.spelling,
                (a) => map.getOrCreate(a, () => (made = ++world.next)),
                (h, p) => map.getOrCreate(h, p, () => (made = ++world.next)),
              )
        if (filed !== undefined) {
          if (this.op === 'set') {
            world.modelDisposed.push([filed.value, key, 'set'])
            filed.value = value!
          } else {
            assert.equal(made, undefined)
            assert.equal(got, filed.value)
          }
          note(filed, this.spelling)
        } else {
          const fresh: Filed = { value: (value ?? made)!, born: world.born++, spellings: new Map() }
          note(fresh, this.spelling)
          world.model.set(key, fresh)
        }
      }
      checkWorld(world)
      for (const [, , reason] of world.disposed.slice(before)) assert.notEqual(reason, 'rekeyed')
    }
    toString = () => `${this.op}(${show(this.spelling)})`
  }

  const changes = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('node-a.test', 'node-b.test'),
        fc.constantFrom('127.0.0.1', '127.0.0.2', '203.0.113.73'),
      )
      .map(([name, ip]): Change => ({ kind: 'learn', name, ip })),
    fc.constantFrom('node-a.test', 'node-b.test').map((name): Change => ({ kind: 'forget', name })),
    fc
      .constantFrom(undefined, '127.0.0.2', '203.0.113.73')
      .map((target): Change => ({ kind: 'nat', target })),
  )
  const uses = fc
    .tuple(
      fc.constantFrom('set' as const, 'get' as const, 'getOrCreate' as const, 'delete' as const),
      fc.constantFrom(...CHANGING),
    )
    .map(([op, spelling]) => new UseCommand(op, spelling))

  test('re-keying keeps one value per node, each reachable, each disposal once and explained', () => {
    fc.assert(
      fc.property(
        fc.commands([uses, uses, changes.map((change) => new ChangeCommand(change))], { maxCommands: 80 }),
        (sequence) => {
          const { resolver, apply } = changingResolver()
          const keyer = createNodeKeyer({ resolver })
          const disposed: Departure[] = []
          const world: World = {
            keyer,
            apply,
            map: new NodeMap<number>({
              keyer,
              dispose: (value, key, reason) => disposed.push([value, key, reason]),
            }),
            disposed,
            model: new Map(),
            modelDisposed: [],
            next: 0,
            born: 0,
          }
          fc.modelRun(() => ({ model: world, real: world }), sequence)
          const accounted = [...world.map.values(), ...disposed.map(([value]) => value)].sort((a, b) => a - b)
          assert.deepEqual(
            accounted,
            Array.from({ length: world.next }, (_, i) => i + 1),
          )
        },
      ),
      { numRuns: 400 },
    )
  })
})

test('getOrCreateAsync while the answers change: each value live or disposed once, each live one reachable (fast-check)', async () => {
  const names = ['a.test', 'b.test'] as const
  const spellings = ['a.test:7000', 'b.test:7000', '127.0.0.1:7000', '127.0.0.2:7000', 'A.TEST:7000']
  type Step = { op: 'create'; spelling: string } | { op: 'point'; name: string; ip: string | undefined }
  const steps = fc.array(
    fc.oneof(
      fc.constantFrom(...spellings).map((spelling): Step => ({ op: 'create', spelling })),
      fc
        .tuple(fc.constantFrom(...names), fc.constantFrom(undefined, '127.0.0.1', '127.0.0.2'))
        .map(([name, ip]): Step => ({ op: 'point', name, ip })),
    ),
    { maxLength: 30 },
  )
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), steps, async (s, ops) => {
      const table = new Map<string, string>()
      const listeners = new Set<ResolverListener>()
      const resolver: Resolver = ({ host, port }) => {
        const ip = table.get(host)
        return ip === undefined ? undefined : { host: ip, port }
      }
      resolver.subscribe = (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      }
      const keyer = createNodeKeyer({ resolver })
      let next = 0
      const disposed: number[] = []
      const map = new NodeMap<number>({ keyer, dispose: (value) => disposed.push(value) })
      const outcomes: Promise<unknown>[] = []
      for (const step of ops) {
        outcomes.push(
          s.schedule(Promise.resolve(), JSON.stringify(step)).then(() => {
            if (step.op === 'point') {
              if (step.ip === undefined) table.delete(step.name)
              else table.set(step.name, step.ip)
              for (const listener of listeners) listener({ hosts: [step.name] })
              return
            }
            return map
              .getOrCreateAsync(step.spelling, async () => {
                await s.schedule(Promise.resolve(), `create ${step.spelling}`)
                return ++next
              })
              .catch((error: unknown) => assert.ok(error instanceof StaleCreationError, String(error)))
          }),
        )
      }
      await s.waitAll()
      await Promise.all(outcomes)
      const live = [...map.values()]
      assert.deepEqual(
        [...live, ...disposed].sort((a, b) => a - b),
        Array.from({ length: next }, (_, i) => i + 1),
        'every value made is live or disposed, once',
      )
      for (const [key] of map) {
        assert.ok(
          map.aliases(key).some((raw) => keyer(raw) === key),
          `${key} is reachable by a spelling it holds: ${map.aliases(key).join(', ')}`,
        )
      }
    }),
    { numRuns: 200 },
  )
})
