/**
 * The graph store at scale, in the shape of ../shared/peers/graphology_build.mjs: N nodes with string ids
 * "node_i" and two attributes (value: float64 = i; category: int32 = i % 100), then M random edges drawn
 * with the peer's xorshift (seed 12345, self-loops skipped) into a CsrBuilder and built into a Csr.
 * Measures seconds for the node table, for the edges (drawing + add + build) and both; bytes per node and
 * per edge from the typed arrays (capacity) and from RSS deltas; neighbour iteration over every row
 * (ns per visited entry: each undirected edge is visited twice); the peer's query (100k random nodes by
 * string id, neighbour count); attribute iteration (sum of value). Prints one key=value line.
 * category is an int32 column (4 B/node); a dictionary string column would cost the same u32 code per node.
 * Differences from the peer: RSS is read after a forced GC (Bun.gc, or gc() with --expose-gc); the peer
 * redraws duplicate edges while the builder merges them (`edges` is the distinct count, ~1 fewer in 1 M).
 *
 * usage: bun bench/graph_store.ts [N=1000000] [M=1000000]
 *        deno run -A --v8-flags=--expose-gc bench/graph_store.ts [N] [M]
 * bench/graph_store.sh runs both runtimes and graphology back to back.
 */
import { type Csr, degree, neighbours } from "../graph/csr.ts"
import { CsrBuilder } from "../graph/csr_builder.ts"
import { NodeTable } from "../graph/node_table.ts"

const N = Number(process.argv[2] ?? 1e6), M = Number(process.argv[3] ?? 1e6)
const runtime = "Deno" in globalThis ? "deno" : "bun"
const BATCH = 1 << 16

const gc = () => {
  const g = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void }
  if (g.Bun) g.Bun.gc(true)
  else g.gc?.()
}
const rss = () => process.memoryUsage().rss
const now = () => performance.now()

// the peer's generator: xorshift32, s % N. The edge loop steps it inline (V8 turns `% N` on a u32 into a
// call to fmod, so the remainder there is s - floor(s / N) * N: the same value, ~5x faster on Deno).
let s = 12345
const rnd = () => {
  s ^= s << 13
  s >>>= 0
  s ^= s >>> 17
  s ^= s << 5
  s >>>= 0
  return s % N
}

gc()
const rss0 = rss()

// nodes: ids interned in batches, attributes set column by column
function buildNodes(): { table: NodeTable; idChars: number } {
  const table = new NodeTable("string", N)
  table.addAttribute("value", "float64")
  table.addAttribute("category", "int32")
  const names: string[] = new Array(BATCH)
  const value = new Float64Array(BATCH), category = new Int32Array(BATCH)
  let idChars = 0
  for (let i0 = 0; i0 < N; i0 += BATCH) {
    const len = Math.min(BATCH, N - i0)
    names.length = len
    for (let k = 0; k < len; k++) {
      const i = i0 + k
      names[k] = "node_" + i
      idChars += names[k].length
      value[k] = i
      category[k] = i % 100
    }
    const ids = table.internAll(names)
    table.setAttributes("value", ids, value.subarray(0, len))
    table.setAttributes("category", ids, category.subarray(0, len))
  }
  table.trim()
  return { table, idChars }
}
let t = now()
const { table, idChars } = buildNodes()
const nodeSeconds = (now() - t) / 1e3
gc()
const rss1 = rss()

// edges: drawn as node numbers (the random index is the node number, as "node_" + i has number i)
function buildEdges(n: number): Csr {
  const builder = new CsrBuilder()
  const src = new Uint32Array(BATCH), dst = new Uint32Array(BATCH)
  let fill = 0
  let x = s
  for (let added = 0; added < M;) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    const xa = x >>> 0, a = xa - Math.floor(xa / N) * N
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    const xb = x >>> 0, b = xb - Math.floor(xb / N) * N
    if (a === b) continue
    src[fill] = a
    dst[fill++] = b
    added++
    if (fill === BATCH) {
      builder.add(src, dst, undefined, fill)
      fill = 0
    }
  }
  s = x >>> 0
  builder.add(src, dst, undefined, fill)
  return builder.build(n)
}
t = now()
const g = buildEdges(table.size)
const edgeSeconds = (now() - t) / 1e3
gc()
const rss2 = rss()
const edges = g.targets.length / 2

// typed-array bytes (capacity)
let attrBytes = 0
for (const name of table.attributeNames()) attrBytes += table.attributeColumn(name).values.buffer.byteLength
const tableBytes = table.bytes
const csrBytes = g.offsets.byteLength + g.targets.byteLength + g.weights.byteLength

// neighbour iteration over all rows: median of 5 passes of the raw offsets loop and of the neighbours() view
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]
function sumRaw(g: Csr): number {
  let sum = 0
  const { n, offsets, targets, weights } = g
  for (let u = 0; u < n; u++) {
    for (let x = offsets[u], end = offsets[u + 1]; x < end; x++) sum += targets[x] + weights[x]
  }
  return sum
}
function sumViews(g: Csr): number {
  let sum = 0
  for (let u = 0; u < g.n; u++) {
    const row = neighbours(g, u)
    for (let k = 0; k < row.length; k++) sum += row[k]
  }
  return sum
}
let check = 0
const rawTimes: number[] = [], viewTimes: number[] = []
for (let rep = 0; rep < 5; rep++) {
  t = now()
  check += sumRaw(g)
  rawTimes.push(now() - t)
  t = now()
  check += sumViews(g)
  viewTimes.push(now() - t)
}
const nsPerEntry = (ms: number) => (ms * 1e6) / g.targets.length

// the peer's query: 100k random nodes by string id, neighbour count (generator continues after the edges)
function queryById(): number {
  let deg = 0
  for (let q = 0; q < 100_000; q++) deg += degree(g, table.lookup("node_" + rnd()))
  return deg
}
function queryByNumber(): number {
  let deg = 0
  for (let q = 0; q < 100_000; q++) deg += neighbours(g, rnd()).length
  return deg
}
t = now()
let deg = queryById()
const queryMicros = ((now() - t) / 1e5) * 1e3
// the same by node number (no string id)
t = now()
deg += queryByNumber()
const queryByNumberMicros = ((now() - t) / 1e5) * 1e3

// attribute iteration, as the peer's forEachNode sum of value
function sumValues(): number {
  let sum = 0
  const values = table.attributeColumn("value").values
  for (let u = 0; u < values.length; u++) sum += values[u]
  return sum
}
t = now()
const valueSum = sumValues()
const iterSeconds = (now() - t) / 1e3
if (valueSum !== (N * (N - 1)) / 2) throw new Error(`value sum ${valueSum}`)

const f = (x: number, d: number) => x.toFixed(d)
console.log(
  [
    `brook-${runtime} nodes=${N} edges=${edges} drawn=${M}`,
    `node_s=${f(nodeSeconds, 3)} edge_s=${f(edgeSeconds, 3)} total_s=${f(nodeSeconds + edgeSeconds, 3)}`,
    `table_B_per_node=${f(tableBytes / N, 1)} ids_B_per_node=${f((tableBytes - attrBytes) / N, 1)}`,
    `attrs_B_per_node=${f(attrBytes / N, 1)} id_chars_per_node=${f(idChars / N, 1)}`,
    `csr_B_per_edge=${f(csrBytes / edges, 1)}`,
    `csr_B_per_edge_no_offsets=${f((csrBytes - g.offsets.byteLength) / edges, 1)}`,
    `rss_B_per_node=${f((rss1 - rss0) / N, 0)} rss_B_per_edge=${f((rss2 - rss1) / edges, 0)}`,
    `iter_ns_per_entry=${f(nsPerEntry(median(rawTimes)), 2)}`,
    `iter_view_ns_per_entry=${f(nsPerEntry(median(viewTimes)), 2)}`,
    `neighbors_us=${f(queryMicros, 3)} neighbors_by_number_us=${f(queryByNumberMicros, 3)}`,
    `attr_iter_s=${f(iterSeconds, 4)}`,
    `check=${(check + deg) % 1000}`,
  ].join(" "),
)
