/**
 * The process's resident set size, sampled while a run moves data: what the machine really holds (the
 * runtime's baseline, heaps, workers, garbage not yet collected) beside what the stages reserved from the
 * budget. One sample is the runtime reading /proc/self/statm (process.memoryUsage.rss), a few microseconds;
 * the timer is unref'd, so it never keeps a process alive, and stopped when the run ends.
 */

/** Milliseconds between samples: fine enough to see a stage's peak, cheap enough to leave on always. */
export const RSS_INTERVAL = 200

/** Samples kept; past this, neighbours merge pairwise (each keeps the larger), so no peak is lost. */
const MAX_SAMPLES = 2048

/** One sample: when (ms on the run's clock) and the bytes resident then. */
export interface RssSample {
  readonly t: number
  readonly rss: number
}

export interface RssSamples {
  /** The largest sample, and when it was taken (ms on the run's clock). */
  readonly peak: number
  readonly at: number
  readonly samples: readonly RssSample[]
}

const readRss = (): number => process.memoryUsage.rss?.() ?? process.memoryUsage().rss

/**
 * Starts sampling on `clock` (ms) every `interval` ms, keeping at most about `keep` samples; `stop()` ends it,
 * takes a last sample and returns them all (the same object on repeat calls).
 */
export function sampleRss(clock: () => number, interval = RSS_INTERVAL, keep = MAX_SAMPLES): { stop(): RssSamples } {
  let samples: RssSample[] = []
  let peak: RssSample = { t: 0, rss: 0 }
  const take = () => {
    const s = { t: clock(), rss: readRss() }
    if (s.rss > peak.rss) peak = s
    samples.push(s)
    if (samples.length > keep) {
      samples = samples.reduce<RssSample[]>((m, s, k) => {
        if (k % 2 === 0) m.push(s)
        else if (s.rss > m[m.length - 1].rss) m[m.length - 1] = s
        return m
      }, [])
    }
  }
  take()
  const timer = setInterval(take, interval)
  ;(timer as { unref?: () => void }).unref?.()
  let result: RssSamples | undefined
  return {
    stop() {
      if (!result) {
        clearInterval(timer)
        take()
        result = { peak: peak.rss, at: peak.t, samples }
      }
      return result
    },
  }
}
