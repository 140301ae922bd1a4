/** Small builders shared by the suites: .npy files, temp dirs, deterministic vectors. */
import { spawn, spawnSync, type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import type { StreamInfo } from "../core/batches.ts"
import type { Source } from "../core/operator.ts"

export function tempDir(prefix = "brook-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** The .npy dtypes brook reads, and one it does not (for refusals). */
export type NpyDtype = "<f2" | "<f4" | "<f8" | ">f2" | ">f4" | ">f8" | "<i4"

/**
 * Binary16 bits of `x`, for values binary16 holds exactly (tests choose such values; others are rounded
 * to nearest, ties away from zero, which is enough for tests and not IEEE's rule).
 */
export function float16Of(x: number): number {
  if (Number.isNaN(x)) return 0x7e00
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0
  const a = Math.abs(x)
  if (a === 0) return sign
  if (a === Infinity) return sign | 0x7c00
  let e = Math.floor(Math.log2(a))
  if (2 ** e > a) e--
  if (2 ** (e + 1) <= a) e++
  if (e < -14) return sign | Math.round(a / 2 ** -24) // subnormal
  let m = Math.round((a / 2 ** e - 1) * 1024)
  if (m === 1024) (e++, m = 0)
  return e > 15 ? sign | 0x7c00 : sign | ((e + 15) << 10) | m
}

/** `values` as the bytes of a .npy body of `dtype`. */
export function npyBody(values: ArrayLike<number>, dtype: NpyDtype): Uint8Array {
  const width = Number(dtype[2]), little = dtype[0] === "<"
  const out = new Uint8Array(values.length * width)
  const v = new DataView(out.buffer)
  for (let k = 0; k < values.length; k++) {
    if (dtype[1] === "i") v.setInt32(k * 4, values[k], little)
    else if (width === 2) v.setUint16(k * 2, float16Of(values[k]), little)
    else if (width === 4) v.setFloat32(k * 4, values[k], little)
    else v.setFloat64(k * 8, values[k], little)
  }
  return out
}

/** Writes a .npy file (C order) of `dtype` with header `version` 1, 2 or 3. */
export function writeNpy(
  file: string,
  rows: number,
  dim: number,
  values: ArrayLike<number>,
  dtype: NpyDtype = "<f4",
  version = 1,
  fortran = false,
): void {
  const dict = `{'descr': '${dtype}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': (${rows}, ${dim}), }`
  const pre = version === 1 ? 10 : 12
  let header = dict
  while ((pre + header.length + 1) % 64 !== 0) header += " "
  header += "\n"
  const head = new Uint8Array(pre + header.length)
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0])
  const view = new DataView(head.buffer)
  if (version === 1) view.setUint16(8, header.length, true)
  else view.setUint32(8, header.length, true)
  head.set(new TextEncoder().encode(header), pre)
  fs.writeFileSync(file, Buffer.concat([head, npyBody(values, dtype)]))
}

/** Deterministic pseudo-random values in [-0.5, 0.5). */
export function randomValues(count: number, seed = 1): Float32Array {
  const out = new Float32Array(count)
  let s = seed >>> 0 || 1
  for (let k = 0; k < count; k++) {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5
    out[k] = (s >>> 0) / 2 ** 32 - 0.5
  }
  return out
}

export const lines = (file: string): string[] => fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0)

/**
 * A bash script that runs "$@" as the leader of a process group of its own and, when it has not ended
 * after $1 seconds, kills the whole group (a launcher, the runtime under it, a pipe's stages):
 * spawnSync's own timeout kills only the first process and leaves the rest running.
 */
const GROUP_WATCHDOG = `
limit=$1; shift
setsid "$@" <&0 & pid=$!
( sleep "$limit" & s=$!; trap 'kill $s 2>/dev/null; exit 0' TERM; wait $s
  echo "test watchdog: no exit after $limit s, killing process group $pid" >&2; kill -KILL -- -$pid ) & w=$!
wait $pid; rc=$?
kill $w 2>/dev/null; wait $w 2>/dev/null
exit $rc`

/**
 * spawnSync with a deadline that holds: the command runs in its own process group, killed as a whole
 * after `timeout` ms (default 10 minutes: a limit for a hang, not a speed test; exit status 137 then).
 */
export function spawnSyncGroup(
  command: string,
  args: readonly string[],
  options: Omit<SpawnSyncOptionsWithStringEncoding, "encoding"> & { encoding?: "utf8" } = {},
): SpawnSyncReturns<string> {
  const limit = Math.ceil((options.timeout ?? 600_000) / 1000)
  return spawnSync("bash", ["-c", GROUP_WATCHDOG, "watchdog", String(limit), command, ...args], {
    maxBuffer: 1 << 28,
    ...options,
    encoding: "utf8",
    timeout: undefined,
  })
}

/**
 * A process in a process group of its own, with its stderr collected: `until` waits for a line of
 * stderr, `exit` for the end; both kill the whole group and fail when `deadline` ms pass first.
 */
export function spawnGroup(command: string, args: readonly string[], deadline = 600_000) {
  const child = spawn(command, args, { detached: true, stdio: ["ignore", "ignore", "pipe"] })
  let stderr = ""
  const waiting: Array<() => void> = []
  child.stderr!.on("data", (d) => {
    stderr += d
    waiting.splice(0).forEach((w) => w())
  })
  const ended = new Promise<{ code: number | null; signal: string | null }>((r) =>
    child.on("exit", (code, signal) => r({ code, signal }))
  )
  const kill = () => {
    try {
      process.kill(-child.pid!, "SIGKILL")
    } catch {
      // gone already
    }
  }
  const timeout = <T>(p: Promise<T>, what: string) =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        kill()
        reject(new Error(`no ${what} after ${deadline} ms; stderr: ${stderr}`))
      }, deadline)
      p.then((v) => (clearTimeout(t), resolve(v)), (e) => (clearTimeout(t), reject(e)))
    })
  return {
    pid: child.pid!,
    stderr: () => stderr,
    kill,
    until: (line: RegExp) =>
      timeout(
        new Promise<void>((resolve) => {
          const check = () => (line.test(stderr) ? resolve() : waiting.push(check))
          check()
        }),
        `${line}`,
      ),
    exit: () => timeout(ended, "exit"),
  }
}

/**
 * The time limit of a test that runs whole processes or large inputs: there to catch a hang, never to
 * judge speed (a busy laptop runs these many times slower than an idle CI machine).
 */
export const SLOW_TEST = 600_000

/**
 * A source stage that hands out `batches` (already built) under `info` and closes, or ends with `fail` after
 * them: for driving a stage under test without a file.
 */
export function batchSource<T>(
  batches: Iterable<T>,
  info: StreamInfo = {},
  options: { readonly name?: string; readonly fail?: Error } = {},
): Source<T> {
  return {
    kind: "source",
    name: options.name ?? "batches",
    weight: 0,
    describe: () => Effect.succeed(info),
    minimum: () => 0,
    plan: () => Effect.succeed({ bytes: 0 }),
    make: () =>
      Effect.succeed(
        new ReadableStream<T>({
          start(c) {
            for (const b of batches) c.enqueue(b)
            if (options.fail) c.error(options.fail)
            else c.close()
          },
        }),
      ),
  }
}
