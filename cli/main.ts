/**
 * The `brook` command. Exit codes: 0 success, 1 runtime error, 2 usage error.
 */
import type { Progress } from "../core/progress.ts"
import { VERSION } from "../core/version.ts"
import { handleSignals } from "./signals.ts"

const HELP = `brook: memory-bounded stream operators for scientific data

usage: brook <command> [options]
       brook --version

commands:
  cluster EMB -t T -o FILE              embeddings to hierarchical clusters in one pipeline
  edges EMB -t T -o FILE                exact cosine-similarity graph of embeddings (.npy, Parquet)
  exodus info|stats|copy|to-parquet     Exodus II finite-element files, streamed in chunks
  leiden EDGES -o FILE                  recursive Leiden clusters of an edge file (TSV or Parquet)
  pack -o OUT.brk REF.fa SAMPLE.fa...   compress a genome collection, restorable byte for byte
  unpack ARCHIVE [C@S...] [-o OUT]      restore samples, a contig or a range of one
  list ARCHIVE [--contigs]              samples (or contigs) in an archive
  append ARCHIVE NEW.fa...              add samples without rewriting the archive

pipe stages (Arrow IPC streams on stdin/stdout, each with its own --memory):
  read-embeddings EMB                  embeddings file -> embedding stream
  tiled-cosine -t T                    embedding stream -> scored pairs (cosine > T)
  threshold-edges [-t T]               scored pairs -> weighted edges
  leiden-recursive [--max-size N]      edge stream -> cluster stream
  write-tsv -o FILE | write-parquet -o FILE   edge or cluster stream -> file

the same options wherever they apply: -o/--out FILE (.tsv, .csv, .parquet, .arrows, or --format F),
-m/--memory SIZE (512M, 2G: powers of 1024), -j/--threads N, -q/--quiet, --progress, -h/--help;
-- ends the options.

example:
  brook read-embeddings emb.npy | brook tiled-cosine -t 0.8 | brook threshold-edges | brook write-tsv -o edges.tsv
  brook read-embeddings emb.npy | brook tiled-cosine -t 0.8 | brook threshold-edges |
    brook leiden-recursive --max-size 1000 | brook write-parquet -o clusters.parquet

run 'brook <command> --help' for a command's options.`

type Command = (args: string[], env: CommandEnv) => Promise<void>

/**
 * Each subcommand loads only its own modules, when it is run: starting brook costs the few modules a command
 * needs (mathjs, h5wasm and the Parquet writer are loaded further down, only when used).
 */
const commands: Record<string, () => Promise<Command>> = {
  cluster: () => import("./cluster.ts").then((m) => m.clusterCommand),
  edges: () => import("./edges.ts").then((m) => m.edgesCommand),
  exodus: () => import("./exodus.ts").then((m) => m.exodusCommand),
  leiden: () => import("./cluster.ts").then((m) => m.leidenCommand),
  "read-embeddings": () => import("./stages.ts").then((m) => m.readEmbeddingsCommand),
  "tiled-cosine": () => import("./stages.ts").then((m) => m.tiledCosineCommand),
  "threshold-edges": () => import("./stages.ts").then((m) => m.thresholdEdgesCommand),
  "leiden-recursive": () => import("./stages.ts").then((m) => m.leidenRecursiveCommand),
  "write-tsv": () => import("./stages.ts").then((m) => m.writeTsvCommand),
  "write-parquet": () => import("./stages.ts").then((m) => m.writeParquetCommand),
  pack: () => import("./genomes.ts").then((m) => m.packCommand),
  unpack: () => import("./genomes.ts").then((m) => m.unpackCommand),
  list: () => import("./genomes.ts").then((m) => m.listCommand),
  append: () => import("./genomes.ts").then((m) => m.appendCommand),
}

export interface CommandEnv {
  readonly signal: AbortSignal
  /** Read after the command parsed its arguments: none with --quiet. */
  readonly progress: Progress["Service"] | undefined
  readonly log: (line: string) => void
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === "--version" || name === "-V") {
    out(`brook ${VERSION}`)
    return 0
  }
  if (!name || name === "--help" || name === "-h") {
    ;(name ? out : err)(HELP)
    return name ? 0 : 2
  }
  const load = commands[name]
  if (!load) {
    err(`brook: unknown command '${name}'\n\n${HELP}`)
    return 2
  }
  const controller = new AbortController()
  // the first signal cancels cleanly; a second one, or one while the event loop is stuck, ends the process
  handleSignals({
    onFirst: () => controller.abort(new Error("interrupted (Ctrl-C)")),
    log: process.env.BROOK_WATCHDOG_LOG === "1",
  })
  // the reader of our stdout went away (a later stage of a pipe failed, `| head`): stop quietly, as Unix tools do,
  // rather than die of an unhandled 'error' event (Deno emits one beside the failed write's callback)
  process.stdout.on("error", (e: { code?: string }) => {
    if (e?.code === "EPIPE") process.exit(0)
  })
  const [{ seen }, { commandOutcome }, { logProgress, terminalProgress }, command] = await Promise.all([
    import("./args.ts"),
    import("./outcome.ts"),
    import("../core/progress.ts"),
    load(),
  ])
  // what the command's parse saw decides: -q drops the summary and the progress, wherever it was on the line
  let progress: Progress["Service"] | undefined
  const env: CommandEnv = {
    signal: controller.signal,
    log: (line) => seen.quiet || err(line),
    get progress() {
      if (seen.quiet) return undefined
      progress ??= process.stderr.isTTY
        ? terminalProgress((s) => process.stderr.write(s), { columns: () => process.stderr.columns })
        : logProgress((s) => process.stderr.write(s), {
          intervalMs: (seen.progressInterval ?? 10) * 1000,
          prefix: `brook ${name}: `,
        })
      return progress
    },
  }
  return commandOutcome(name, () => command(rest, env), err)
}

/** Lines on stdout and stderr, written as they are: console.error colours its text on Bun. */
function out(text: string): void {
  process.stdout.write(text + "\n")
}
function err(text: string): void {
  process.stderr.write(text + "\n")
}

/** Resolves once stdout and stderr have taken what was written to them (a pipe may hold it back), or after 2 s. */
const flushed = () =>
  Promise.race([
    Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((done) => s.write("", () => done())))),
    new Promise<void>((done) => setTimeout(done, 2000)),
  ])

// the exit code is the command's; exiting also ends a cancelled run's background work (a flush between pauses)
main(process.argv.slice(2)).then((code) => flushed().then(() => process.exit(code)))
