/**
 * The `brook` command. Exit codes: 0 success, 1 runtime error, 2 usage error.
 */
import type { terminalProgress } from "../core/progress.ts"
import { VERSION } from "../core/version.ts"
import { handleSignals } from "./signals.ts"

const HELP = `brook: memory-bounded stream operators for scientific data

usage: brook <command> [options]
       brook --version

commands:
  cluster EMB --threshold T --out FILE  embeddings to hierarchical clusters in one pipeline
  edges EMB --threshold T --out FILE    exact cosine-similarity graph of embeddings (.npy, .parquet)
  exodus info|stats|copy|to-parquet     Exodus II finite-element files, streamed in chunks
  leiden EDGES --out FILE               recursive Leiden clusters of an edge file (TSV or Parquet)
  pack OUT.brk REF.fa SAMPLE.fa...      compress a genome collection, restorable byte for byte
  unpack ARCHIVE [--sample S] [-o OUT]  restore samples, a contig or a range of one
  list ARCHIVE                          samples in an archive
  append ARCHIVE NEW.fa...              add samples without rewriting the archive

pipe stages (Arrow IPC streams on stdin/stdout, each with its own --memory):
  read-embeddings EMB                  embeddings file -> embedding stream
  tiled-cosine --threshold T           embedding stream -> scored pairs (cosine > T)
  threshold-edges [--threshold T]      scored pairs -> weighted edges
  leiden-recursive [--max-size N]      edge stream -> cluster stream
  write-tsv FILE | write-parquet FILE  edge or cluster stream -> file

example:
  brook read-embeddings emb.npy | brook tiled-cosine --threshold 0.8 | brook threshold-edges | brook write-tsv edges.tsv
  brook read-embeddings emb.npy | brook tiled-cosine --threshold 0.8 | brook threshold-edges |
    brook leiden-recursive --max-size 1000 | brook write-parquet clusters.parquet

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
  readonly progress: ReturnType<typeof terminalProgress> | undefined
  readonly log: (line: string) => void
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === "--version" || name === "-V") {
    console.log(`brook ${VERSION}`)
    return 0
  }
  if (!name || name === "--help" || name === "-h") {
    console.log(HELP)
    return name ? 0 : 2
  }
  const load = commands[name]
  if (!load) {
    console.error(`brook: unknown command '${name}'\n\n${HELP}`)
    return 2
  }
  const controller = new AbortController()
  // the first signal cancels cleanly; a second one, or one while the event loop is stuck, ends the process
  handleSignals({
    onFirst: () => controller.abort(new Error("interrupted (Ctrl-C)")),
    log: process.env.BROOK_WATCHDOG_LOG === "1",
  })
  const [{ UsageError }, { isBrookError }, { terminalProgress }, command] = await Promise.all([
    import("./args.ts"),
    import("../core/errors.ts"),
    import("../core/progress.ts"),
    load(),
  ])
  const quiet = rest.includes("--quiet") || rest.includes("-q")
  const progress = !quiet && process.stderr.isTTY
    ? terminalProgress((s) => process.stderr.write(s), { columns: () => process.stderr.columns })
    : undefined
  try {
    await command(rest.filter((a) => a !== "--quiet" && a !== "-q"), {
      signal: controller.signal,
      progress,
      log: quiet ? () => {} : (line) => console.error(line),
    })
    return 0
  } catch (e) {
    // the reader of our stdout went away (`brook edges ... --out - | head`): stop quietly, as Unix tools do
    if ((e as { code?: string })?.code === "EPIPE" || /EPIPE|broken pipe/i.test(String((e as Error)?.message))) return 0
    if (e instanceof UsageError) {
      console.error(`brook ${name}: ${e.message}`)
      return 2
    }
    if (isBrookError(e)) {
      console.error(`brook ${name}: ${e._tag}: ${e.message}`)
      return e._tag === "InvalidOption" ? 2 : e._tag === "Cancelled" ? 130 : 1
    }
    console.error(`brook ${name}: ${(e as Error)?.message ?? e}`)
    return 1
  }
}

// the exit code is the command's; exiting also ends a cancelled run's background work (a flush between pauses)
main(process.argv.slice(2)).then((code) => process.exit(code))
