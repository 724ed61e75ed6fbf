import type { Arc, Ownership } from '@ringkv/core';

/** The arcs (merged) that `replica` replicates and whose primary passes `owner`. */
export function replicatedArcs(own: Ownership, replica: string, owner: (primary: string) => boolean): Arc[] {
  const out: Arc[] = [];
  for (const iv of own.intervals()) {
    if (!iv.replicas.includes(replica) || !owner(iv.owner)) continue;
    const last = out[out.length - 1];
    if (last && last.end === iv.start) last.end = iv.end;
    else out.push({ start: iv.start, end: iv.end });
  }
  if (out.length > 1 && out[out.length - 1]!.end === out[0]!.start) out[0]!.start = out.pop()!.start;
  return out;
}

/**
 * The ranges a node stopped keeping between two maps (all it does not keep, with no previous
 * map: at startup, leftovers of an interrupted run are found this way), adjacent ones merged.
 */
export function droppedRanges(nodeId: string, previous: Ownership | undefined, current: Ownership): Arc[] {
  const bounds = new Set<number>();
  for (const iv of current.intervals()) bounds.add(iv.end);
  if (previous) for (const iv of previous.intervals()) bounds.add(iv.end);
  const sorted = [...bounds].sort((a, b) => a - b);
  const out: Arc[] = [];
  const n = sorted.length;
  for (let i = 0; i < n; i++) {
    const end = sorted[i]!;
    const start = sorted[(i + n - 1) % n]!;
    if (current.keeps(nodeId, end) || (previous && !previous.keeps(nodeId, end))) continue;
    const last = out[out.length - 1];
    if (last && last.end === start) last.end = end;
    else out.push({ start, end });
  }
  if (out.length > 1 && out[out.length - 1]!.end === out[0]!.start) out[0]!.start = out.pop()!.start;
  return out;
}
