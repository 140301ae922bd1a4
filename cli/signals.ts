/**
 * Ctrl-C and SIGTERM for the brook command, even when the main thread is stuck.
 *
 * A signal listener runs on the main thread's event loop, so a loop that never returns to it (a
 * defect: issue 18's quantiser spinning on a NaN) would make the process deaf to every signal, since
 * a listener also replaces the default action. Three rules:
 * - the first signal aborts the run: the clean path (temp files removed, exit 130);
 * - a later one ends the process at once, exit 130; but not one within DUPLICATE_MS of the first: a
 *   launcher that forwards the terminal's SIGINT to a runtime that also receives it itself (as the
 *   node launcher before bin/brook did) delivers one Ctrl-C twice;
 * - while the event loop has been blocked for BLOCKED_MS, a watchdog thread puts SIGINT and SIGTERM
 *   back to their default action (the process ends by the signal: status 130 / 143, and temp files
 *   stay behind), and puts the runtime's own handlers back as soon as the loop turns again. It calls
 *   libc's sigaction through the runtime's FFI (bun:ffi, Deno.dlopen): where that is unavailable (no
 *   --allow-ffi, no libc found, Node), only the first two rules hold.
 */
import { setInterval } from "node:timers"

/** Signals closer together than this are one (a forwarded copy of the same Ctrl-C). */
const DUPLICATE_MS = 500
/**
 * The event loop counts as blocked when its heartbeat has not moved for this long. 1 s was too short on
 * a loaded machine: at a load average of ~35 on 2 cores a healthy stage missed its beat that long, and a
 * Ctrl-C then killed it (temp files left) instead of cancelling it (bench/busy_test.sh); 4 s holds there,
 * and a loop that has really gone wrong still ends within 4 s of the Ctrl-C.
 */
const BLOCKED_MS = 4000
const BEAT_MS = 250

export interface SignalOptions {
  /** Called once, on the first SIGINT or SIGTERM: start the clean abort. */
  readonly onFirst: (signal: string) => void
  /** Called on a later signal, instead of process.exit(130) (tests). */
  readonly onForce?: (signal: string) => void
  /** Log the watchdog's state changes on stderr (tests wait for "blocked"). */
  readonly log?: boolean
}

/** Installs the listeners and the watchdog for the rest of the process's life. */
export function handleSignals(options: SignalOptions): void {
  let first = 0
  const on = (signal: string) => {
    const now = Date.now()
    if (first === 0) {
      first = now
      options.onFirst(signal)
    } else if (now - first > DUPLICATE_MS) {
      if (options.onForce) options.onForce(signal)
      else process.exit(130)
    }
  }
  process.on("SIGINT", () => on("SIGINT"))
  process.on("SIGTERM", () => on("SIGTERM"))
  startWatchdog(options.log ?? false)
}

/**
 * The watchdog: a worker (from inline source, so a `bun build --compile` binary needs no extra entry
 * point) that reads a heartbeat the main thread bumps every BEAT_MS.
 */
function startWatchdog(log: boolean): void {
  if (typeof Worker === "undefined" || typeof SharedArrayBuffer === "undefined") return
  try {
    const beat = new Int32Array(new SharedArrayBuffer(4))
    setInterval(() => Atomics.add(beat, 0, 1), BEAT_MS).unref()
    const url = URL.createObjectURL(new Blob([WATCHDOG], { type: "application/javascript" }))
    const worker = new Worker(url, { type: "module" })
    worker.postMessage({ beat: beat.buffer, checks: Math.ceil(BLOCKED_MS / BEAT_MS), every: BEAT_MS, log })
    ;(worker as { unref?: () => void }).unref?.()
  } catch {
    // no watchdog: the first two rules still hold
  }
}

/** The watchdog worker's source: plain JavaScript, for Bun and Deno. */
const WATCHDOG = `
const SIGNALS = [2, 15] // SIGINT, SIGTERM (Linux and macOS)
const LIBC = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libSystem.B.dylib", "libc.so"]
async function sigaction() {
  for (const name of LIBC) {
    try {
      if (typeof Deno !== "undefined") {
        const lib = Deno.dlopen(name, { sigaction: { parameters: ["i32", "buffer", "buffer"], result: "i32" } })
        return (sig, act, old) => lib.symbols.sigaction(sig, act, old)
      }
      const { dlopen, FFIType } = await import("bun:ffi")
      const lib = dlopen(name, { sigaction: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 } })
      return (sig, act, old) => lib.symbols.sigaction(sig, act, old)
    } catch {}
  }
  return undefined
}
self.onmessage = async (e) => {
  const { beat: sab, checks, every, log } = e.data
  const say = (s) => log && console.error("brook watchdog: " + s)
  const act = await sigaction()
  if (!act) return say("no FFI sigaction: not watching")
  const beat = new Int32Array(sab)
  // struct sigaction is at most 152 bytes on the platforms above; all zeros is SIG_DFL, no flags
  const dfl = new Uint8Array(256)
  const saved = SIGNALS.map(() => new Uint8Array(256))
  let last = Atomics.load(beat, 0), still = 0, blocked = false
  say("watching")
  const timer = setInterval(() => {
    const now = Atomics.load(beat, 0)
    if (now !== last) {
      last = now
      still = 0
      if (blocked) {
        SIGNALS.forEach((sig, k) => act(sig, saved[k], null))
        blocked = false
        say("event loop turning again: signal handlers restored")
      }
    } else if (++still >= checks && !blocked) {
      const ok = SIGNALS.map((sig, k) => act(sig, dfl, saved[k]) === 0)
      if (ok.every(Boolean)) {
        blocked = true
        say("event loop blocked: SIGINT and SIGTERM end the process")
      } else {
        SIGNALS.forEach((sig, k) => ok[k] && act(sig, saved[k], null))
        clearInterval(timer)
        say("sigaction failed: not watching")
      }
    }
  }, every)
}
`
