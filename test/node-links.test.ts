import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { NodeKey } from '../src/index.ts'
import { NodeLinks } from '../src/node-map/node-links.ts'

const k = (text: string): NodeKey => text as NodeKey

/** The links as `source -> target (spelling)`, in the table's order. */
const show = (links: NodeLinks<string>): string[] =>
  [...links.entries()].map(([source, target, spelling]) => `${source} -> ${target} (${spelling})`)

test('a key without a link follows to itself; a linked one to its target', () => {
  const links = new NodeLinks<string>(16)
  assert.equal(links.follow(k('a:1')), 'a:1')
  links.link(k('a:1'), k('t:1'), 'A')
  assert.equal(links.follow(k('a:1')), 't:1')
  assert.equal(links.follow(k('t:1')), 't:1')
  assert.equal(links.targetOf(k('a:1')), 't:1')
  assert.equal(links.targetOf(k('t:1')), undefined)
  assert.equal(links.size, 1)
})

test('linking a source again moves it: the earlier target no longer lists it', () => {
  const links = new NodeLinks<string>(16)
  links.link(k('a:1'), k('t:1'), 'A')
  links.link(k('a:1'), k('u:1'), 'A2')
  assert.deepEqual(show(links), ['a:1 -> u:1 (A2)'])
  // Dropping the earlier target's links leaves the moved one alone.
  links.dropTo(k('t:1'))
  assert.equal(links.follow(k('a:1')), 'u:1')
})

test('linking a target onward takes its links with it, each keeping its spelling and place', () => {
  const links = new NodeLinks<string>(16)
  links.link(k('a:1'), k('b:1'), 'A')
  links.link(k('c:1'), k('b:1'), 'C')
  links.link(k('b:1'), k('t:1'), 'B')
  assert.deepEqual(show(links), ['a:1 -> t:1 (A)', 'c:1 -> t:1 (C)', 'b:1 -> t:1 (B)'])
  // No chain is left: every key follows in one step.
  for (const [source] of links.entries()) assert.equal(links.follow(links.follow(source)), 't:1')
  links.dropTo(k('t:1'))
  assert.equal(links.size, 0)
})

test('a target keeps its newest links: one more drops the oldest', () => {
  const links = new NodeLinks<string>(3)
  for (let i = 1; i <= 5; i++) links.link(k(`s${i}:1`), k('t:1'), `S${i}`)
  links.link(k('x:1'), k('u:1'), 'X')
  assert.deepEqual(show(links), [
    's3:1 -> t:1 (S3)',
    's4:1 -> t:1 (S4)',
    's5:1 -> t:1 (S5)',
    'x:1 -> u:1 (X)',
  ])
  assert.equal(links.follow(k('s1:1')), 's1:1')
})

test('links moved onto a target count toward its cap', () => {
  const links = new NodeLinks<string>(2)
  links.link(k('a:1'), k('b:1'), 'A')
  links.link(k('t1:1'), k('t:1'), 'T1')
  links.link(k('t2:1'), k('t:1'), 'T2')
  links.link(k('b:1'), k('t:1'), 'B') // a:1 follows b:1 to t:1: four links for a cap of two
  assert.deepEqual(show(links), ['a:1 -> t:1 (A)', 'b:1 -> t:1 (B)'])
})

test('dropTo drops only the links to that target; clear drops all', () => {
  const links = new NodeLinks<string>(16)
  links.link(k('a:1'), k('t:1'), 'A')
  links.link(k('b:1'), k('u:1'), 'B')
  links.dropTo(k('t:1'))
  links.dropTo(k('nothing:1'))
  assert.deepEqual(show(links), ['b:1 -> u:1 (B)'])
  links.clear()
  assert.equal(links.size, 0)
  assert.equal(links.follow(k('b:1')), 'b:1')
})

test('any sequence of links keeps the table unchained, capped, and in agreement with a model', () => {
  const keys = ['a', 'b', 'c', 'd', 'e'].map((host) => k(`${host}:1`))
  const max = 2
  const op = fc.oneof(
    fc.record({ kind: fc.constant('link' as const), source: fc.nat(4), target: fc.nat(4) }),
    fc.record({ kind: fc.constant('drop' as const), target: fc.nat(4) }),
  )
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      const links = new NodeLinks<number>(max)
      // The model: source to [target, spelling], and each target's sources oldest first.
      const model = new Map<NodeKey, [NodeKey, number]>()
      const order = new Map<NodeKey, NodeKey[]>()
      const add = (source: NodeKey, target: NodeKey, spelling: number) => {
        model.set(source, [target, spelling])
        const list = order.get(target) ?? []
        order.set(target, list)
        list.push(source)
        while (list.length > max) model.delete(list.shift()!)
      }
      ops.forEach((o, step) => {
        if (o.kind === 'drop') {
          const target = keys[o.target]!
          for (const source of order.get(target) ?? []) model.delete(source)
          order.delete(target)
          links.dropTo(target)
          return
        }
        // As the map calls it: the target is not a source, and not the source itself.
        const source = keys[o.source]!
        const target = links.follow(keys[o.target]!)
        if (source === target || model.get(source)?.[0] === target) return
        const previous = model.get(source)
        if (previous !== undefined) {
          model.delete(source)
          const list = order.get(previous[0])!
          list.splice(list.indexOf(source), 1)
          if (list.length === 0) order.delete(previous[0])
        }
        const followers = order.get(source) ?? []
        order.delete(source)
        for (const follower of followers) add(follower, target, model.get(follower)![1])
        add(source, target, step)
        links.link(source, target, step)
      })
      assert.deepEqual(
        new Map([...links.entries()].map(([source, target, spelling]) => [source, [target, spelling]])),
        model,
      )
      const perTarget = new Map<NodeKey, number>()
      for (const [source, target] of links.entries()) {
        assert.equal(links.targetOf(target), undefined, `${target} is both a target and a source`)
        assert.equal(links.follow(source), target)
        perTarget.set(target, (perTarget.get(target) ?? 0) + 1)
      }
      for (const count of perTarget.values()) assert.ok(count <= max)
    }),
  )
})
