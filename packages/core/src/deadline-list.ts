/**
 * What a DeadlineList holds: an absolute deadline (ms since the epoch, as Date.now()) and the
 * two links the list threads through it. The links belong to the list; an entry is in at most
 * one list, and `prevByDeadline` is undefined while it is in none.
 */
export interface DeadlineEntry {
  readonly deadline: number;
  prevByDeadline: DeadlineEntry | undefined;
  nextByDeadline: DeadlineEntry | undefined;
}

/**
 * Entries in deadline order, expired by one timer for the whole list: the per-operation
 * alternative to one setTimeout (and one AbortSignal) per call or frame.
 *
 * The entries are an intrusive doubly-linked list, so adding and removing allocate nothing.
 * An entry is inserted from the tail, walking back past later deadlines: with one timeout
 * for every call (the common case) that is O(1). The timer is armed for the earliest
 * deadline and re-armed only when an entry with an earlier one arrives, or when it fires
 * and what it was armed for has gone: calls that settle in time never touch it. While the
 * list is empty the timer is unref'd, so an idle list keeps no process alive.
 */
export class DeadlineList<T extends DeadlineEntry> {
  readonly #onExpire: (entry: T) => void;
  /** The sentinel: `next` is the earliest entry, `prev` the latest. */
  readonly #ring: DeadlineEntry = { deadline: -Infinity, prevByDeadline: undefined, nextByDeadline: undefined };
  #size = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The deadline the timer fires for (Infinity when none is armed). */
  #armedFor = Infinity;
  #refed = false;
  readonly #fire = (): void => this.#expire();

  /** `onExpire` gets each entry whose deadline has passed, already removed from the list. */
  constructor(onExpire: (entry: T) => void) {
    this.#onExpire = onExpire;
    this.#ring.prevByDeadline = this.#ring;
    this.#ring.nextByDeadline = this.#ring;
  }

  get size(): number {
    return this.#size;
  }

  has(entry: T): boolean {
    return entry.prevByDeadline !== undefined;
  }

  /** Adds `entry` (which must be in no list) in deadline order. */
  add(entry: T): void {
    let at = this.#ring.prevByDeadline!;
    while (at !== this.#ring && at.deadline > entry.deadline) at = at.prevByDeadline!;
    const next = at.nextByDeadline!;
    entry.prevByDeadline = at;
    entry.nextByDeadline = next;
    at.nextByDeadline = entry;
    next.prevByDeadline = entry;
    this.#size++;
    if (entry.deadline < this.#armedFor) this.#arm(entry.deadline);
    else if (!this.#refed) {
      this.#timer?.ref();
      this.#refed = true;
    }
  }

  /** Removes `entry` if it is in the list; returns whether it was. */
  delete(entry: T): boolean {
    const prev = entry.prevByDeadline;
    if (prev === undefined) return false;
    const next = entry.nextByDeadline!;
    prev.nextByDeadline = next;
    next.prevByDeadline = prev;
    entry.prevByDeadline = undefined;
    entry.nextByDeadline = undefined;
    if (--this.#size === 0 && this.#refed) {
      this.#timer?.unref();
      this.#refed = false;
    }
    return true;
  }

  /** Removes every entry, earliest first, handing each to `fn`; entries added by `fn` stay. */
  drain(fn: (entry: T) => void): void {
    const taken: T[] = [];
    for (let e = this.#ring.nextByDeadline!; e !== this.#ring; e = e.nextByDeadline!) taken.push(e as T);
    for (const e of taken) if (this.delete(e)) fn(e);
  }

  /** Stops the timer (entries stay; they no longer expire). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
    this.#refed = false;
  }

  #arm(deadline: number): void {
    clearTimeout(this.#timer);
    this.#armedFor = deadline;
    // Never 0: a deadline already past expires on the next turn, not inside add().
    this.#timer = setTimeout(this.#fire, Math.max(1, deadline - Date.now()));
    this.#refed = true;
  }

  #expire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    this.#refed = false;
    const now = Date.now();
    try {
      for (;;) {
        const first = this.#ring.nextByDeadline!;
        if (first === this.#ring || first.deadline > now) return;
        this.delete(first as T);
        this.#onExpire(first as T);
      }
    } finally {
      // Also when onExpire threw, and when the timer fired a little before Date.now() reached its time.
      const first = this.#ring.nextByDeadline!;
      if (first !== this.#ring && first.deadline < this.#armedFor) this.#arm(first.deadline);
    }
  }
}
