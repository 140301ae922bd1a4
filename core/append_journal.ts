/**
 * An in-place append that a killed run cannot leave half done. Before it writes, the appender creates
 * `.NAME.brook-append` beside NAME, exclusively (a hard link of a file written whole), holding its process
 * id and NAME's length. Another append
 * meanwhile is refused (two appends would interleave their bytes); one that finds the journal of a process
 * that is gone (SIGKILL, power loss) first truncates NAME back to the recorded length, undoing the half
 * append, and removes the journal. A clean failure truncates (the sink's own finalizer) and removes it too.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { OutputFailed } from "./errors.ts"

export interface AppendJournal {
  /** Removes the journal: the append is committed, or truncated back by its sink. */
  end(): void
}

const journalPath = (target: string) => path.join(path.dirname(target), `.${path.basename(target)}.brook-append`)

const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: string }).code !== "ESRCH"
  }
}

/**
 * Undoes the half append a killed run left in `target` (its journal names a process that is gone): readers
 * call this before they open the archive, appenders before they take the journal. Quiet where it cannot
 * write: the reader's own checks then say the archive is cut short.
 */
export function undoKilledAppend(target: string): void {
  const journal = journalPath(target)
  if (!fs.existsSync(journal)) return
  const [pid, before] = readJournal(journal)
  if (pid !== undefined && running(pid)) return
  try {
    if (before !== undefined && before <= fs.statSync(target).size) fs.truncateSync(target, before)
    fs.rmSync(journal, { force: true })
  } catch {
    // read-only: leave both for a run that can write
  }
}

/** Takes the journal of an append to `target`, undoing a killed run's half append first. */
export function beginAppend(target: string): AppendJournal {
  const journal = journalPath(target)
  for (let attempt = 0; attempt < 3; attempt++) {
    undoKilledAppend(target)
    let length: number
    try {
      length = fs.statSync(target).size
    } catch {
      return { end() {} } // no archive: opening it says so
    }
    // written whole under a name of this process, then linked into place: link fails when a journal exists
    const mine = `${journal}.${process.pid}`
    try {
      fs.writeFileSync(mine, `${process.pid} ${length}\n`, { flush: true })
      fs.linkSync(mine, journal)
      return { end: () => fs.rmSync(journal, { force: true }) }
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") return { end() {} } // read-only or full: the append's own write says so
      const [pid] = readJournal(journal)
      if (pid !== undefined && running(pid)) {
        throw new OutputFailed({ file: target, reason: `another brook append (process ${pid}) is writing it` })
      }
    } finally {
      removeQuietly(mine)
    }
  }
  throw new OutputFailed({ file: target, reason: `its append journal ${journal} keeps coming back` })
}

const removeQuietly = (file: string) => {
  try {
    fs.rmSync(file, { force: true })
  } catch {
    // never made (a read-only place)
  }
}

/** The process id and length a journal holds; undefined where it is cut short (killed while writing it). */
function readJournal(journal: string): [number | undefined, number | undefined] {
  let text = ""
  try {
    text = fs.readFileSync(journal, "utf8")
  } catch {
    // removed meanwhile
  }
  const m = /^(\d+) (\d+)\n/.exec(text)
  return m ? [Number(m[1]), Number(m[2])] : [undefined, undefined]
}
