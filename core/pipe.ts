/** Composes stages into a pipeline, checked by type: each stage accepts what the previous emits. */
import type { Pipeline, Sink, Source, Transform } from "./operator.ts"

export function pipe<A>(s: Source<A>, k: Sink<A>): Pipeline
export function pipe<A, B>(s: Source<A>, t1: Transform<A, B>, k: Sink<B>): Pipeline
export function pipe<A, B, C>(s: Source<A>, t1: Transform<A, B>, t2: Transform<B, C>, k: Sink<C>): Pipeline
export function pipe<A, B, C, D>(
  s: Source<A>,
  t1: Transform<A, B>,
  t2: Transform<B, C>,
  t3: Transform<C, D>,
  k: Sink<D>,
): Pipeline
export function pipe<A, B, C, D, E>(
  s: Source<A>,
  t1: Transform<A, B>,
  t2: Transform<B, C>,
  t3: Transform<C, D>,
  t4: Transform<D, E>,
  k: Sink<E>,
): Pipeline
export function pipe(...stages: Pipeline["stages"]): Pipeline {
  if (stages[0]?.kind !== "source") throw new TypeError("pipe: the first stage must be a source")
  if (stages[stages.length - 1]?.kind !== "sink") throw new TypeError("pipe: the last stage must be a sink")
  if (stages.slice(1, -1).some((s) => s.kind !== "transform")) {
    throw new TypeError("pipe: stages between the source and the sink must be transforms")
  }
  return { stages }
}
