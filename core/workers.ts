/**
 * A pool of Web Workers in a Scope: terminated when the scope closes (success, failure, cancel).
 * Messages carry only ArrayBuffers (transferred), SharedArrayBuffers and WebAssembly.Memory.
 */
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"

export interface WorkerPool<T, R> {
  readonly size: number
  /** Sends a task to worker k; resolves with its reply. */
  run(k: number, task: T, transfer?: Transferable[]): Promise<R>
  /** Tasks sent to worker k and not yet answered. */
  pending(k: number): number
  /** Ends the workers now (a stage done before its scope closes); the scope's end does it otherwise. */
  close(): void
}

/**
 * Starts `count` workers from `spawn` and sends each its init message; waits until all are ready.
 * `spawn` is the caller's `() => new Worker(new URL("./x.ts", import.meta.url), { type: "module" })`,
 * written out where the worker file lives: bundlers (bun build --compile) find workers by that shape.
 */
export const workerPool = <T extends object, R extends { id: number }>(
  spawn: () => Worker,
  count: number,
  init: (k: number) => unknown,
): Effect.Effect<WorkerPool<T, R>, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const workers: Worker[] = []
        const waiting: Array<Map<number, { resolve: (r: R) => void; reject: (e: Error) => void }>> = []
        const ready: Promise<void>[] = []
        /** A worker's uncaught error: it answers nothing more, so tasks sent to it after that fail at once. */
        const failed: Array<Error | undefined> = []
        for (let k = 0; k < count; k++) {
          const w = spawn()
          const map = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void }>()
          waiting.push(map)
          workers.push(w)
          ready.push(
            new Promise<void>((resolve, reject) => {
              w.onerror = (e) => {
                // handled here: without this Deno rethrows a worker's uncaught error in the parent and ends the process
                e.preventDefault()
                const err = new Error(`worker ${k}: ${(e as ErrorEvent).message ?? e}`)
                failed[k] = err
                reject(err)
                for (const p of map.values()) p.reject(err)
                map.clear()
              }
              w.onmessage = (e: MessageEvent) => {
                const m = e.data
                if (m?.ready) return resolve()
                const p = map.get(m.id)
                if (!p) return
                map.delete(m.id)
                if (m.error) p.reject(new Error(`worker ${k}: ${m.error}`))
                else p.resolve(m as R)
              }
            }),
          )
          w.postMessage(init(k))
        }
        try {
          await Promise.all(ready)
        } catch (e) {
          for (const w of workers) w.terminate()
          throw e
        }
        let closed = false
        return {
          size: count,
          workers,
          close: () => {
            if (closed) return
            closed = true
            for (const w of workers) {
              w.postMessage({ type: "close" }) // an earlier Bun kept the process alive unless the worker closed itself
              w.terminate()
            }
          },
          pending: (k: number) => waiting[k].size,
          run: (k: number, task: T, transfer?: Transferable[]) =>
            new Promise<R>((resolve, reject) => {
              if (failed[k]) return reject(failed[k])
              waiting[k].set((task as unknown as { id: number }).id, { resolve, reject })
              workers[k].postMessage(task, transfer ?? [])
            }),
        }
      },
      catch: (e) => (e instanceof Error ? e : new Error(String(e))),
    }),
    (pool) => Effect.sync(() => pool.close()),
  )
