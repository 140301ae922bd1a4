/**
 * Backpressure across a pipe: when the reader of a stage's stdout stops reading, the stage stops
 * reading its input and its memory stays within its budget plus the runtime's baseline; when the
 * reader resumes, the whole stream arrives. Measured from /proc (bytes read and written, peak RSS).
 */
import { expect, test } from "bun:test"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { randomValues, SLOW_TEST, tempDir, writeNpy } from "../helpers.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const dir = tempDir()
const hasProc = fs.existsSync("/proc/self/io")
/** Room above the budget for the runtime itself (measured baselines: Bun ~72 MiB, Deno ~104 MiB). */
const BASELINE = { bun: 100 << 20, deno: 130 << 20 }

function stage(runtime: "bun" | "deno", args: string[], stdin: "ignore" | number): ChildProcess {
  const main = path.join(root, "cli", "main.ts")
  const bin = path.join(root, "node_modules", ".bin", runtime)
  const argv = runtime === "deno"
    ? ["run", "-A", "--quiet", "--v8-flags=--max-semi-space-size=1,--expose-gc", main, ...args]
    : [main, ...args]
  return spawn(bin, argv, {
    cwd: dir,
    stdio: [stdin, "pipe", "pipe"],
    env: { ...process.env, BUN_JSC_forceRAMSize: String(128 << 20) },
  })
}

const io = (pid: number) => {
  const text = fs.readFileSync(`/proc/${pid}/io`, "utf8")
  const get = (k: string) => Number(new RegExp(`${k}: (\\d+)`).exec(text)![1])
  return { read: get("rchar"), written: get("wchar") }
}
const peakRss = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Bytes a stalled stage may still count in a sample: event loop wakeups (eventfd), brook's watchdog. */
const SLACK = 4096

/**
 * Waits until the stage's I/O counters stopped moving for three samples in a row (it is stalled), then
 * returns them. No time limit of its own, so a slow or busy machine only makes it wait longer: a stage
 * that never stalls ends instead, and fails here.
 */
async function stalled(pid: number) {
  let last = io(pid), still = 0
  for (;;) {
    await sleep(300)
    let now: ReturnType<typeof io>
    try {
      now = io(pid)
    } catch {
      throw new Error("the stage ended without stalling")
    }
    const moved = now.read - last.read >= SLACK || now.written - last.written >= SLACK
    still = moved ? 0 : still + 1
    if (still >= 3) return { ...now, peak: peakRss(pid) }
    last = now
  }
}

/** Reads everything the stage writes once resumed; resolves with the byte count and exit code. */
function drain(child: ChildProcess): Promise<{ bytes: number; code: number | null; stderr: string }> {
  let bytes = 0
  let stderr = ""
  child.stderr!.on("data", (d) => (stderr += d))
  child.stdout!.on("data", (d: Uint8Array) => (bytes += d.length))
  child.stdout!.resume()
  return new Promise((resolve) => child.on("exit", (code) => resolve({ bytes, code, stderr })))
}

for (const runtime of ["bun", "deno"] as const) {
  test.skipIf(!hasProc)(`${runtime}: read-embeddings stops reading while nobody reads its stdout`, async () => {
    const rows = 200_000, dim = 256 // 205 MB of float32
    const file = path.join(dir, "big.npy")
    if (!fs.existsSync(file)) writeNpy(file, rows, dim, new Float32Array(rows * dim).fill(1))
    const budget = 32 << 20
    const child = stage(runtime, ["read-embeddings", "big.npy", "--memory", `${budget >> 10}K`], "ignore")
    try {
      child.stdout!.pause()
      const s = await stalled(child.pid!)
      // it read its sources and a few batches, not the file
      expect(s.read).toBeLessThan((rows * dim * 4) / 2)
      expect(s.peak).toBeLessThan(budget + BASELINE[runtime])
      const done = await drain(child)
      expect(done.stderr).toBe("")
      expect(done.code).toBe(0)
      expect(done.bytes).toBeGreaterThan(rows * dim * 4)
    } finally {
      child.kill("SIGKILL")
    }
  }, SLOW_TEST)

  test.skipIf(!hasProc)(`${runtime}: tiled-cosine stops its tiles while nobody reads its stdout`, async () => {
    const rows = 5000, dim = 32 // every pair passes t = -1: 12.5 M pairs, 150 MB of stream
    const npy = path.join(dir, "mid.npy")
    writeNpy(npy, rows, dim, randomValues(rows * dim, 9))
    const emb = path.join(dir, "mid.arrows")
    const writer = stage(runtime, ["read-embeddings", "mid.npy"], "ignore")
    const chunks: Uint8Array[] = []
    writer.stdout!.on("data", (d: Uint8Array) => chunks.push(d))
    await new Promise((r) => writer.on("exit", r))
    fs.writeFileSync(emb, Buffer.concat(chunks))
    const budget = 64 << 20
    const fd = fs.openSync(emb, "r")
    const child = stage(runtime, ["tiled-cosine", "--threshold", "-1", "--memory", `${budget >> 10}K`], fd)
    fs.closeSync(fd)
    try {
      child.stdout!.pause()
      const s = await stalled(child.pid!)
      const total = (rows * (rows - 1)) / 2 * 12
      expect(s.written).toBeLessThan(total / 4)
      expect(s.peak).toBeLessThan(budget + BASELINE[runtime])
      const done = await drain(child)
      expect(done.stderr).toBe("")
      expect(done.code).toBe(0)
      expect(done.bytes).toBeGreaterThan(total)
    } finally {
      child.kill("SIGKILL")
    }
  }, SLOW_TEST)
}
