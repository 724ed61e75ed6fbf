import { type Arc } from './arc.js';
import { hashString } from './hash.js';
import { DEFAULT_VNODES_PER_WEIGHT } from './limits.js';

export interface RingMember {
  id: string;
  weight: number;
}

/** An arc and the shard that owns it. */
export interface OwnedArc extends Arc {
  owner: string;
}

/** An arc whose owner differs between two rings. */
export interface ArcChange extends Arc {
  from: string;
  to: string;
}

/** An arc whose preference list differs between two rings (or replication factors). */
export interface ReplicaChange extends Arc {
  before: string[];
  after: string[];
}

/** Index of the first element >= x in a sorted array, wrapping to 0 past the end. */
export function firstAtOrAfter(sorted: Uint32Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo === sorted.length ? 0 : lo;
}

/** Number of tokens a member of this weight gets. */
export function tokenCount(weight: number, vnodesPerWeight: number): number {
  return Math.max(1, Math.round(vnodesPerWeight * weight));
}

/**
 * The consistent-hash ring: a pure function of (members, weights, vnodesPerWeight).
 * Each member gets round(vnodesPerWeight * weight) tokens at hash32("<id>#<i>"); the owner
 * of hash h is the member of the first token >= h, wrapping to the first token.
 */
export class Ring {
  readonly vnodesPerWeight: number;
  /** Member ids, sorted. */
  readonly memberIds: readonly string[];
  /** Sorted token positions. */
  readonly tokens: Uint32Array;
  /** owners[i] indexes memberIds for tokens[i]. */
  readonly owners: Uint16Array;

  constructor(members: readonly RingMember[], vnodesPerWeight: number = DEFAULT_VNODES_PER_WEIGHT) {
    if (!Number.isInteger(vnodesPerWeight) || vnodesPerWeight < 1) {
      throw new TypeError(`vnodesPerWeight must be a positive integer, got ${vnodesPerWeight}`);
    }
    const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.id === sorted[i - 1]!.id) throw new TypeError(`duplicate ring member ${sorted[i]!.id}`);
    }
    this.vnodesPerWeight = vnodesPerWeight;
    this.memberIds = sorted.map((m) => m.id);
    const points: Array<[token: number, owner: number]> = [];
    sorted.forEach((m, owner) => {
      if (!(m.weight > 0) || !Number.isFinite(m.weight)) throw new TypeError(`weight of ${m.id} must be > 0`);
      const n = tokenCount(m.weight, vnodesPerWeight);
      for (let i = 0; i < n; i++) points.push([hashString(`${m.id}#${i}`), owner]);
    });
    // Ties (two members on one token) go to the lower member id, so every process agrees.
    points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.tokens = Uint32Array.from(points, (p) => p[0]);
    this.owners = Uint16Array.from(points, (p) => p[1]);
  }

  get size(): number {
    return this.memberIds.length;
  }

  /** Index of the first token >= hash, wrapping to 0. */
  tokenIndex(hash: number): number {
    return firstAtOrAfter(this.tokens, hash);
  }

  ownerOf(hash: number): string {
    if (this.tokens.length === 0) throw new Error('empty ring');
    return this.memberIds[this.owners[this.tokenIndex(hash)]!]!;
  }

  /** The arc (previous token, token] containing hash. */
  arcOf(hash: number): OwnedArc {
    const i = this.tokenIndex(hash);
    const n = this.tokens.length;
    return {
      start: this.tokens[(i + n - 1) % n]!,
      end: this.tokens[i]!,
      owner: this.memberIds[this.owners[i]!]!,
    };
  }

  /** The first r distinct members clockwise from hash: the arc's replicas, primary first. */
  preferenceList(hash: number, r: number): string[] {
    const out: string[] = [];
    const want = Math.min(r, this.memberIds.length);
    const n = this.tokens.length;
    for (let k = 0, i = this.tokenIndex(hash); k < n && out.length < want; k++, i = (i + 1) % n) {
      const id = this.memberIds[this.owners[i]!]!;
      if (!out.includes(id)) out.push(id);
    }
    return out;
  }

  /** Every arc in ring order, adjacent arcs of one owner merged. The first may wrap. */
  arcs(): OwnedArc[] {
    const n = this.tokens.length;
    if (n === 0) return [];
    const out: OwnedArc[] = [];
    for (let i = 0; i < n; i++) {
      const owner = this.memberIds[this.owners[i]!]!;
      const start = this.tokens[(i + n - 1) % n]!;
      const end = this.tokens[i]!;
      const last = out[out.length - 1];
      if (last && last.owner === owner && i > 0) last.end = end;
      else out.push({ start, end, owner });
    }
    // The wrapping arc and the final arc are adjacent too.
    if (out.length > 1 && out[0]!.owner === out[out.length - 1]!.owner) {
      const tail = out.pop()!;
      out[0]!.start = tail.start;
    }
    if (out.length === 1) out[0]!.start = out[0]!.end;
    return out;
  }

  /** The arcs owned by one member. */
  arcsOf(id: string): Arc[] {
    return this.arcs().filter((a) => a.owner === id).map(({ start, end }) => ({ start, end }));
  }

  /**
   * The minimal set of arcs whose owner differs between two rings, adjacent changes with the
   * same (from, to) merged. Only these need to move on a membership change.
   */
  static diff(before: Ring, after: Ring): ArcChange[] {
    if (before.tokens.length === 0 || after.tokens.length === 0) return [];
    const bounds = Array.from(new Set([...before.tokens, ...after.tokens])).sort((a, b) => a - b);
    const out: ArcChange[] = [];
    const n = bounds.length;
    for (let i = 0; i < n; i++) {
      const end = bounds[i]!;
      const start = bounds[(i + n - 1) % n]!;
      const from = before.ownerOf(end);
      const to = after.ownerOf(end);
      if (from === to) continue;
      const last = out[out.length - 1];
      if (last && last.end === start && last.from === from && last.to === to) last.end = end;
      else out.push({ start, end, from, to });
    }
    if (out.length > 1) {
      const first = out[0]!;
      const last = out[out.length - 1]!;
      if (last.end === first.start && last.from === first.from && last.to === first.to) {
        first.start = last.start;
        out.pop();
      }
    }
    return out;
  }

  /**
   * The minimal set of arcs whose preference list (replicas in order) differs between two
   * rings and replication factors, adjacent changes with the same lists merged. With
   * replication factor 1 on both sides this is `diff`.
   */
  static diffReplicas(before: Ring, rfBefore: number, after: Ring, rfAfter: number): ReplicaChange[] {
    if (before.tokens.length === 0 || after.tokens.length === 0) return [];
    const bounds = Array.from(new Set([...before.tokens, ...after.tokens])).sort((a, b) => a - b);
    const out: ReplicaChange[] = [];
    const n = bounds.length;
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    for (let i = 0; i < n; i++) {
      const end = bounds[i]!;
      const start = bounds[(i + n - 1) % n]!;
      const b = before.preferenceList(end, rfBefore);
      const a = after.preferenceList(end, rfAfter);
      if (same(a, b)) continue;
      const last = out[out.length - 1];
      if (last && last.end === start && same(last.before, b) && same(last.after, a)) last.end = end;
      else out.push({ start, end, before: b, after: a });
    }
    if (out.length > 1) {
      const first = out[0]!;
      const last = out[out.length - 1]!;
      if (last.end === first.start && same(last.before, first.before) && same(last.after, first.after)) {
        first.start = last.start;
        out.pop();
      }
    }
    return out;
  }
}
