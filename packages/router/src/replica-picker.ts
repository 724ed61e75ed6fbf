/**
 * Picks the in-sync replica a replica read goes to, by the op's `replicaSelection`:
 * - `'random'` (or `''`): uniformly at random;
 * - `'round_robin'`: one counter per router, advanced by every pick (so reads of different
 *   keys also take turns: the replicas of one arc share the reads over time);
 * - `'least_outstanding'`: the replica with the fewest operations this router has sent it and
 *   not had answered yet, ties broken at random.
 * `exclude` (a replica that just failed) is skipped unless it is the only one. Allocates nothing.
 */
export class ReplicaPicker {
  readonly #outstanding: (id: string) => number;
  readonly #random: () => number;
  #next = 0;

  /** `outstanding(id)`: the requests in flight to shard `id`; `random` in [0, 1) (tests pass their own). */
  constructor(outstanding: (id: string) => number, random: () => number = Math.random) {
    this.#outstanding = outstanding;
    this.#random = random;
  }

  /** One of `replicas` (not empty), `exclude` skipped when another remains. */
  pick(replicas: readonly string[], selection: string, exclude?: string): string {
    const n = replicas.length;
    const skip = exclude !== undefined && n > 1 && replicas.includes(exclude) ? exclude : undefined;
    const choices = skip === undefined ? n : n - 1;
    if (choices <= 1) return skip === undefined || replicas[0] !== skip ? replicas[0]! : replicas[1]!;
    if (selection === 'least_outstanding') return this.#leastOutstanding(replicas, skip);
    let k: number;
    if (selection === 'round_robin') {
      k = this.#next % choices;
      this.#next = (this.#next + 1) % 0x3fffffff;
    } else {
      k = Math.floor(this.#random() * choices);
    }
    return nth(replicas, k, skip);
  }

  #leastOutstanding(replicas: readonly string[], skip: string | undefined): string {
    let best = '';
    let min = Infinity;
    let ties = 0;
    for (const id of replicas) {
      if (id === skip) continue;
      const load = this.#outstanding(id);
      if (load < min) {
        min = load;
        best = id;
        ties = 1;
      } else if (load === min && this.#random() * ++ties < 1) {
        // Reservoir sampling: each of the `ties` replicas at the minimum is kept with probability 1/ties.
        best = id;
      }
    }
    return best;
  }
}

/** The k-th (from 0) of `replicas` other than `skip`. */
function nth(replicas: readonly string[], k: number, skip: string | undefined): string {
  for (const id of replicas) {
    if (id === skip) continue;
    if (k-- === 0) return id;
  }
  return replicas[0]!;
}
