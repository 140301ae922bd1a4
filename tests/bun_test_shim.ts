/**
 * The slice of bun:test our suites use, on Deno.test, so one set of test files runs on both
 * runtimes (deno.json maps "bun:test" here). Only the matchers the suites call are provided.
 */
import { inspect, isDeepStrictEqual } from "node:util"

type Fn = () => unknown | Promise<unknown>
// deno-lint-ignore no-explicit-any
declare const Deno: any

export function test(name: string, fn: Fn, _timeout?: number): void {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false })
}
test.skipIf = (cond: boolean) => (name: string, fn: Fn) =>
  Deno.test({ name, fn, ignore: cond, sanitizeOps: false, sanitizeResources: false })
export const it = test
export function describe(_name: string, body: () => void): void {
  body()
}

const fail = (msg: string): never => {
  throw new Error(msg)
}
const show = (v: unknown) => inspect(v, { depth: 4 })

function matchers(actual: unknown, negate: boolean) {
  const check = (ok: boolean, msg: string) => {
    if (ok === negate) fail(`${negate ? "not " : ""}${msg}`)
  }
  return {
    toBe: (e: unknown) => check(Object.is(actual, e), `expected ${show(actual)} to be ${show(e)}`),
    toEqual: (e: unknown) =>
      check(isDeepStrictEqual(actual, e) || looseEqual(actual, e), `expected ${show(actual)} to equal ${show(e)}`),
    toBeDefined: () => check(actual !== undefined, `expected a value, got undefined`),
    toBeUndefined: () => check(actual === undefined, `expected undefined, got ${show(actual)}`),
    toBeGreaterThan: (e: number) => check((actual as number) > e, `expected ${actual} > ${e}`),
    toBeGreaterThanOrEqual: (e: number) => check((actual as number) >= e, `expected ${actual} >= ${e}`),
    toBeLessThan: (e: number) => check((actual as number) < e, `expected ${actual} < ${e}`),
    toBeLessThanOrEqual: (e: number) => check((actual as number) <= e, `expected ${actual} <= ${e}`),
    toBeInstanceOf: (c: new (...a: never[]) => unknown) => check(actual instanceof c, `expected instance of ${c.name}`),
    toContain: (e: unknown) =>
      check(
        (actual as { includes(x: unknown): boolean }).includes(e),
        `expected ${show(actual)} to contain ${show(e)}`,
      ),
    toMatch: (e: RegExp | string) =>
      check(
        typeof actual === "string" && (typeof e === "string" ? actual.includes(e) : e.test(actual)),
        `expected ${show(actual)} to match ${e}`,
      ),
    toHaveLength: (n: number) =>
      check(
        (actual as { length: number }).length === n,
        `expected length ${n}, got ${(actual as { length: number }).length}`,
      ),
    toBeTrue: () => check(actual === true, `expected true, got ${show(actual)}`),
    toThrow: (e?: unknown) => {
      let threw = false
      try {
        ;(actual as () => unknown)()
      } catch (err) {
        threw = e === undefined || (typeof e === "string" ? String((err as Error).message).includes(e) : true)
      }
      check(threw, "expected the function to throw")
    },
  }
}

// bun's toEqual ignores undefined properties; node's strict deep-equal does not
function looseEqual(a: unknown, b: unknown): boolean {
  const strip = (v: unknown): unknown =>
    v && typeof v === "object" && !ArrayBuffer.isView(v) && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, strip(x)]))
      : Array.isArray(v)
      ? v.map(strip)
      : v
  return isDeepStrictEqual(strip(a), strip(b))
}

export function expect(actual: unknown) {
  const m = matchers(actual, false)
  return {
    ...m,
    not: matchers(actual, true),
    rejects: {
      toThrow: async (e?: unknown) => {
        try {
          await actual
        } catch (err) {
          if (typeof e === "string" && !String((err as Error).message).includes(e)) fail(`rejected with ${err}`)
          return
        }
        fail("expected a rejection")
      },
    },
  }
}
