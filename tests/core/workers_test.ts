/** A pool of Web Workers in a Scope: init, tasks routed by id, errors, pending counts, termination. */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { workerPool } from "../../core/workers.ts"

interface Task {
  id: number
  buffer?: ArrayBuffer
  bad?: boolean
  silent?: boolean
}
interface Reply {
  id: number
  worker: number
  sum: number
  length: number
}

const spawn = () => new Worker(new URL("../fixtures/scripts/pool_worker.ts", import.meta.url), { type: "module" })

test("each worker gets its init, tasks are answered by id, transferred buffers are detached", async () => {
  const inits: number[] = []
  await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const pool = yield* workerPool<Task, Reply>(spawn, 2, (k) => (inits.push(k), { type: "init", k }))
    expect(pool.size).toBe(2)
    expect(inits).toEqual([0, 1])
    const a = new Float64Array([1, 2, 3.5]).buffer
    const b = new Float64Array([10, 20]).buffer
    const [ra, rb, rc] = yield* Effect.promise(() =>
      Promise.all([
        pool.run(0, { id: 1, buffer: a }, [a]),
        pool.run(1, { id: 2, buffer: b }, [b]),
        pool.run(1, { id: 3, buffer: new Float64Array(0).buffer }),
      ])
    )
    expect(ra).toEqual({ id: 1, worker: 0, sum: 6.5, length: 3 })
    expect(rb).toEqual({ id: 2, worker: 1, sum: 30, length: 2 })
    expect(rc).toEqual({ id: 3, worker: 1, sum: 0, length: 0 })
    expect(a.byteLength).toBe(0)
    expect(pool.pending(0)).toBe(0)
    expect(pool.pending(1)).toBe(0)
  })))
})

test("a task answered with an error rejects naming the worker; the pool goes on", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const pool = yield* workerPool<Task, Reply>(spawn, 1, (k) => ({ type: "init", k }))
    const err = yield* Effect.promise(() => pool.run(0, { id: 7, bad: true }).then(() => undefined, (e: Error) => e))
    expect(err).toBeInstanceOf(Error)
    expect(err!.message).toBe("worker 0: task 7 is bad")
    const ok = yield* Effect.promise(() => pool.run(0, { id: 8, buffer: new Float64Array([4]).buffer }))
    expect(ok.sum).toBe(4)
  })))
})

test("pending counts the tasks sent to a worker and not yet answered", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const pool = yield* workerPool<Task, Reply>(spawn, 2, (k) => ({ type: "init", k }))
    void pool.run(1, { id: 1, silent: true })
    void pool.run(1, { id: 2, silent: true })
    const answered = pool.run(0, { id: 3, buffer: new Float64Array([1]).buffer })
    expect(pool.pending(1)).toBe(2)
    expect(pool.pending(0)).toBe(1)
    yield* Effect.promise(() => answered)
    expect(pool.pending(0)).toBe(0)
    expect(pool.pending(1)).toBe(2)
    pool.close()
    pool.close() // closing twice is harmless
  })))
})

test("a worker that fails to start fails the pool with an Error naming it", async () => {
  const exit = await Effect.runPromiseExit(Effect.scoped(
    workerPool<Task, Reply>(spawn, 2, (k) => ({ type: "init", k, fail: k === 1 })),
  ))
  expect(Exit.isFailure(exit)).toBe(true)
  const err = Exit.isFailure(exit)
    ? (exit.cause as unknown as { reasons: Array<{ error: Error }> }).reasons[0].error
    : undefined
  expect(err).toBeInstanceOf(Error)
  expect(err!.message).toMatch(/^worker 1: /)
})

test("a worker that throws fails its tasks in flight, and every task sent to it after that, at once", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const pool = yield* workerPool<Task & { crash?: boolean }, Reply>(spawn, 2, (k) => ({ type: "init", k }))
    const message = (p: Promise<unknown>) => p.then(() => "answered", (e: Error) => e.message)
    const crashed = yield* Effect.promise(() => message(pool.run(0, { id: 1, crash: true })))
    expect(crashed).toMatch(/^worker 0: /)
    // the dead worker answers nothing more: a later task fails with its error rather than waiting for ever
    expect(yield* Effect.promise(() => message(pool.run(0, { id: 2, buffer: new Float64Array([1]).buffer }))))
      .toBe(crashed)
    expect(pool.pending(0)).toBe(0)
    // the other worker goes on
    const ok = yield* Effect.promise(() => pool.run(1, { id: 3, buffer: new Float64Array([2, 3]).buffer }))
    expect(ok.sum).toBe(5)
  })))
})
