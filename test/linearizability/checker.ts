/**
 * A linearizability checker for single-key registers, in the style of Wing & Gong / Lowe /
 * Porcupine: a depth-first search over linearization points ("just-in-time linearization"),
 * memoized on (set of operations already linearized, register state), run separately for each
 * key (a history of independent registers is linearizable iff each key's sub-history is).
 *
 * The register models ringkv's versioned values:
 *   read            -> the value (undefined when absent), optionally with the version seen
 *   write(value)    -> the version the server assigned
 *   cas(ver, value) -> a new version if the key currently holds exactly version `ver`, else CONFLICT
 *   delete          -> optionally whether the key existed
 * Versions are assigned by the server, so the model's state is (value, version of the write
 * that is current). CAS ok means "the expected version is the version of the current write",
 * CONFLICT means "it was not". Versions of one key increase strictly in linearization order
 * (ringkv's per-key HLC versions), checked unless `monotonicVersions: false`.
 *
 * Outcomes: `ok` (and `conflict` for CAS) are definite; `fail` means definitely not applied
 * (the operation is dropped); `info` means unknown (a timeout, UNAVAILABLE): the operation may
 * take effect at any point after its invocation or never, which is modelled by giving it an
 * end time of +infinity and a step that accepts it in any state.
 */

export type RegisterOp =
  | { kind: 'read' }
  | { kind: 'write'; value: string }
  | { kind: 'cas'; expectedVersion: bigint; value: string }
  | { kind: 'delete' };

export type OpResult =
  /** read: the value seen (undefined = absent) and, if known, its version. */
  | { kind: 'read'; value: string | undefined; version?: bigint }
  /** write or cas that succeeded: the new version. */
  | { kind: 'written'; version: bigint }
  /** cas refused with CONFLICT. */
  | { kind: 'conflict' }
  /** delete: whether the key existed, if known. */
  | { kind: 'deleted'; existed?: boolean };

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export interface HistoryEvent {
  type: EventType;
  /** Operation id, unique in the history; links an invoke to its completion. */
  id: number;
  client: number;
  key: string;
  /** performance.now() at the event. */
  time: number;
  /** On invoke. */
  op?: RegisterOp;
  /** On ok. */
  result?: OpResult;
  /** On fail / info: why (for reports). */
  error?: string;
}

export type Outcome = 'ok' | 'fail' | 'info';

/** One operation: its invocation and completion joined. */
export interface Operation {
  id: number;
  client: number;
  key: string;
  op: RegisterOp;
  start: number;
  /** +Infinity when the outcome is unknown. */
  end: number;
  outcome: Outcome;
  result?: OpResult;
  error?: string;
}

/** Records a concurrent history. Time comes from performance.now() (or `now`, for tests). */
export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  readonly #now: () => number;
  readonly #open = new Map<number, HistoryEvent>();
  #nextId = 0;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  invoke(client: number, key: string, op: RegisterOp): number {
    const id = this.#nextId++;
    const e: HistoryEvent = { type: 'invoke', id, client, key, time: this.#now(), op };
    this.events.push(e);
    this.#open.set(id, e);
    return id;
  }

  ok(id: number, result: OpResult): void {
    this.#complete(id, { type: 'ok', result });
  }

  /** Definitely not applied. */
  fail(id: number, error?: string): void {
    this.#complete(id, { type: 'fail', ...(error !== undefined ? { error } : {}) });
  }

  /** Outcome unknown: may or may not have been applied. */
  info(id: number, error?: string): void {
    this.#complete(id, { type: 'info', ...(error !== undefined ? { error } : {}) });
  }

  get pending(): number {
    return this.#open.size;
  }

  operations(): Operation[] {
    return operationsFromEvents(this.events);
  }

  #complete(id: number, e: Pick<HistoryEvent, 'type' | 'result' | 'error'>): void {
    const inv = this.#open.get(id);
    if (!inv) throw new Error(`operation ${id} is not open`);
    this.#open.delete(id);
    this.events.push({ ...e, id, client: inv.client, key: inv.key, time: this.#now() } as HistoryEvent);
  }
}

/** Joins invocations with completions; an invocation that never completed counts as `info`. */
export function operationsFromEvents(events: readonly HistoryEvent[]): Operation[] {
  const byId = new Map<number, Operation>();
  for (const e of events) {
    if (e.type === 'invoke') {
      if (byId.has(e.id)) throw new Error(`operation ${e.id} invoked twice`);
      if (!e.op) throw new Error(`invoke of operation ${e.id} has no op`);
      byId.set(e.id, { id: e.id, client: e.client, key: e.key, op: e.op, start: e.time, end: Infinity, outcome: 'info' });
      continue;
    }
    const o = byId.get(e.id);
    if (!o) throw new Error(`completion of operation ${e.id} before its invocation`);
    if (o.end !== Infinity || o.outcome !== 'info' || o.result) throw new Error(`operation ${e.id} completed twice`);
    if (e.time < o.start) throw new Error(`operation ${e.id} completes before it starts`);
    o.outcome = e.type;
    if (e.type === 'ok') {
      if (!e.result) throw new Error(`ok of operation ${e.id} has no result`);
      checkResultKind(o.op, e.result, e.id);
      o.result = e.result;
      o.end = e.time;
    } else if (e.type === 'fail') {
      o.end = e.time;
    }
    if (e.error !== undefined) o.error = e.error;
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

function checkResultKind(op: RegisterOp, r: OpResult, id: number): void {
  const okKinds: Record<RegisterOp['kind'], OpResult['kind'][]> = {
    read: ['read'], write: ['written'], cas: ['written', 'conflict'], delete: ['deleted'],
  };
  if (!okKinds[op.kind].includes(r.kind)) throw new Error(`operation ${id}: a ${op.kind} cannot return ${r.kind}`);
}

// ---------------------------------------------------------------------------------------------
// The model

/** Register state. `version` is a decimal bigint, `?<id>` for a write whose version is unknown, or null. */
interface State {
  value: string | null;
  /** Version of the current write; after a delete it is kept as a lower bound for the next version. */
  version: string | null;
}

const INITIAL: State = { value: null, version: null };

const stateKey = (s: State) => `${s.version ?? '-'}\u0000${s.value ?? '\u0001'}`;
const isKnown = (v: string | null): v is string => v !== null && !v.startsWith('?');

interface PreparedOp extends Operation {
  /** Index within the key's operations (the bit in the bitset). */
  index: number;
  /** Version this op's write takes when its own reply did not say (unknown outcome). */
  assumedVersion?: string;
}

interface StepResult {
  ok: boolean;
  next: State;
}

function step(s: State, o: PreparedOp, monotonic: boolean): StepResult {
  const op = o.op;
  const r = o.result;
  const unknown = o.outcome === 'info';
  const newerThanCurrent = (v: string) => !monotonic || !isKnown(s.version) || BigInt(v) > BigInt(s.version);
  switch (op.kind) {
    case 'read': {
      if (r?.kind !== 'read') return { ok: false, next: s };
      const value = r.value ?? null;
      if (value !== s.value) return { ok: false, next: s };
      if (value !== null && r.version !== undefined && s.version !== r.version.toString()) return { ok: false, next: s };
      return { ok: true, next: s };
    }
    case 'write': {
      if (unknown) return { ok: true, next: { value: op.value, version: o.assumedVersion ?? `?${o.id}` } };
      if (r?.kind !== 'written') return { ok: false, next: s };
      const v = r.version.toString();
      return { ok: newerThanCurrent(v), next: { value: op.value, version: v } };
    }
    case 'cas': {
      const matches = s.value !== null && s.version === op.expectedVersion.toString();
      if (unknown) return { ok: true, next: matches ? { value: op.value, version: o.assumedVersion ?? `?${o.id}` } : s };
      if (r?.kind === 'conflict') return { ok: !matches, next: s };
      if (r?.kind !== 'written') return { ok: false, next: s };
      const v = r.version.toString();
      return { ok: matches && newerThanCurrent(v), next: { value: op.value, version: v } };
    }
    case 'delete': {
      const next = { value: null, version: s.version };
      if (unknown) return { ok: true, next };
      if (r?.kind !== 'deleted') return { ok: false, next: s };
      if (r.existed !== undefined && r.existed !== (s.value !== null)) return { ok: false, next: s };
      return { ok: true, next };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The search

export interface CheckOptions {
  /** Require each key's versions to increase in linearization order. @default true */
  monotonicVersions?: boolean;
  /** Give up on a key (result `unknown`) after this many search steps. @default 20_000_000 */
  maxSteps?: number;
}

export interface KeyResult {
  key: string;
  /** `unknown`: the search budget ran out. */
  result: 'ok' | 'violation' | 'unknown';
  /** Operations checked (ok / conflict / unknown-outcome; definitely-failed ones are dropped). */
  ops: number;
  unknownOutcome: number;
  steps: number;
  /** For a violation: what went wrong, with the operations around it. */
  explanation?: string;
}

export interface CheckResult {
  ok: boolean;
  keys: KeyResult[];
  violations: KeyResult[];
  unknown: KeyResult[];
  ops: number;
}

/** Checks a history of independent registers, one key at a time. */
export function checkHistory(input: readonly Operation[] | readonly HistoryEvent[], options: CheckOptions = {}): CheckResult {
  const ops = isEvents(input) ? operationsFromEvents(input) : (input as readonly Operation[]);
  const byKey = new Map<string, Operation[]>();
  for (const o of ops) {
    let list = byKey.get(o.key);
    if (!list) byKey.set(o.key, (list = []));
    list.push(o);
  }
  const keys = [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, list]) => checkKey(key, list, options));
  const violations = keys.filter((k) => k.result === 'violation');
  const unknown = keys.filter((k) => k.result === 'unknown');
  return { ok: violations.length === 0 && unknown.length === 0, keys, violations, unknown, ops: keys.reduce((a, k) => a + k.ops, 0) };
}

function isEvents(input: readonly unknown[]): input is readonly HistoryEvent[] {
  return input.length > 0 && typeof (input[0] as HistoryEvent).type === 'string';
}

interface Entry {
  isCall: boolean;
  op: PreparedOp;
  time: number;
  /** For a call: its return entry. */
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

/** Checks one key's operations. */
export function checkKey(key: string, all: readonly Operation[], options: CheckOptions = {}): KeyResult {
  const monotonic = options.monotonicVersions ?? true;
  const maxSteps = options.maxSteps ?? 20_000_000;
  // Definitely-failed operations had no effect; reads with no answer tell nothing.
  const kept = all.filter((o) => o.outcome !== 'fail' && !(o.op.kind === 'read' && o.outcome === 'info'));
  const ops: PreparedOp[] = kept.map((o, index) => ({ ...o, index }));
  const base = { key, ops: ops.length, unknownOutcome: ops.filter((o) => o.outcome === 'info').length };

  // A write whose outcome is unknown has an unknown version; if a read saw its (unique) value
  // with a version, that is its version. Two different versions for one write is a violation.
  const pre = bindUnknownVersions(ops);
  if (pre) return { ...base, result: 'violation', steps: 0, explanation: pre };

  // The event list: calls and returns by time; at equal times calls first (treat as concurrent).
  const entries: Entry[] = [];
  for (const op of ops) {
    const ret: Entry = { isCall: false, op, time: op.end, match: undefined, prev: undefined, next: undefined };
    const call: Entry = { isCall: true, op, time: op.start, match: ret, prev: undefined, next: undefined };
    entries.push(call, ret);
  }
  entries.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op.index - b.op.index : a.isCall ? -1 : 1));
  const head: Entry = { isCall: false, op: undefined as never, time: -Infinity, match: undefined, prev: undefined, next: undefined };
  let prev = head;
  for (const e of entries) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }

  const lift = (call: Entry) => {
    call.prev!.next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match!;
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Entry) => {
    const ret = call.match!;
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
    call.prev!.next = call;
    if (call.next) call.next.prev = call;
  };

  // Zobrist hashing of the linearized set, so memo keys cost O(1) to maintain.
  const words = (ops.length + 31) >>> 5;
  const bits = new Uint32Array(words);
  const zobrist = new Uint32Array(ops.length);
  let seed = 0x9e3779b9 ^ ops.length;
  for (let i = 0; i < ops.length; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    zobrist[i] = seed >>> 0;
  }
  let hash = 0;
  const memo = new Map<string, Uint32Array[]>();
  const seen = (k: string): boolean => {
    const list = memo.get(k);
    if (!list) {
      memo.set(k, [bits.slice()]);
      return false;
    }
    outer: for (const b of list) {
      for (let i = 0; i < words; i++) if (b[i] !== bits[i]) continue outer;
      return true;
    }
    list.push(bits.slice());
    return false;
  };

  const stack: Array<{ entry: Entry; state: State }> = [];
  let state = INITIAL;
  let entry = head.next;
  let steps = 0;
  // For the report: the deepest point reached and the operation that could not be placed there.
  let deepest = -1;
  let stuck: Stuck | undefined;

  while (head.next) {
    if (++steps > maxSteps) return { ...base, result: 'unknown', steps };
    const e = entry!;
    if (e.isCall) {
      const r = step(state, e.op, monotonic);
      if (r.ok) {
        const i = e.op.index;
        bits[i >>> 5]! |= 1 << (i & 31);
        hash ^= zobrist[i]!;
        if (!seen(`${hash}|${stateKey(r.next)}`)) {
          stack.push({ entry: e, state });
          state = r.next;
          lift(e);
          entry = head.next;
          continue;
        }
        bits[i >>> 5]! &= ~(1 << (i & 31));
        hash ^= zobrist[i]!;
      }
      entry = e.next;
    } else {
      // The return of an operation not yet linearized: every order tried so far fails. Back up.
      if (stack.length > deepest) {
        deepest = stack.length;
        stuck = { op: e.op, state, count: stack.length, last: stack.slice(-5).map((s) => s.entry.op.index) };
      }
      const top = stack.pop();
      if (!top) break;
      const i = top.entry.op.index;
      bits[i >>> 5]! &= ~(1 << (i & 31));
      hash ^= zobrist[i]!;
      state = top.state;
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  if (!head.next) return { ...base, result: 'ok', steps };
  return { ...base, result: 'violation', steps, explanation: explain(key, ops, stuck) };
}

function bindUnknownVersions(ops: PreparedOp[]): string | undefined {
  const writers = new Map<string, PreparedOp[]>();
  for (const o of ops) {
    if (o.op.kind === 'write' || o.op.kind === 'cas') {
      const list = writers.get(o.op.value) ?? [];
      list.push(o);
      writers.set(o.op.value, list);
    }
  }
  const seenVersion = new Map<string, { version: string; by: PreparedOp }>();
  for (const o of ops) {
    if (o.op.kind !== 'read' || o.result?.kind !== 'read' || o.result.value === undefined || o.result.version === undefined) continue;
    const value = o.result.value;
    const w = writers.get(value);
    if (!w || w.length !== 1) continue; // not unique: leave it to the search
    const v = o.result.version.toString();
    const prior = seenVersion.get(value);
    if (prior && prior.version !== v) {
      return `value ${JSON.stringify(value)} (written once, by op ${w[0]!.id}) was read with two versions: ${prior.version} by ${describe(prior.by)} and ${v} by ${describe(o)}`;
    }
    seenVersion.set(value, { version: v, by: o });
  }
  for (const [value, { version }] of seenVersion) {
    const w = writers.get(value)![0]!;
    if (w.outcome === 'info') w.assumedVersion = version;
  }
  return undefined;
}

export function describe(o: Operation): string {
  const t = (x: number) => (x === Infinity ? '∞' : x.toFixed(3));
  const op = o.op;
  const call =
    op.kind === 'read' ? 'read()'
    : op.kind === 'write' ? `write(${JSON.stringify(op.value)})`
    : op.kind === 'cas' ? `cas(v${op.expectedVersion}, ${JSON.stringify(op.value)})`
    : 'delete()';
  let ret: string;
  if (o.outcome === 'fail') ret = `FAIL${o.error ? ` ${o.error}` : ''}`;
  else if (o.outcome === 'info') ret = `UNKNOWN${o.error ? ` ${o.error}` : ''}`;
  else {
    const r = o.result!;
    ret =
      r.kind === 'read' ? (r.value === undefined ? 'absent' : `${JSON.stringify(r.value)}${r.version !== undefined ? ` v${r.version}` : ''}`)
      : r.kind === 'written' ? `v${r.version}`
      : r.kind === 'conflict' ? 'CONFLICT'
      : `deleted${r.existed === undefined ? '' : r.existed ? ' (existed)' : ' (absent)'}`;
  }
  return `#${o.id} c${o.client} [${t(o.start)}, ${t(o.end)}] ${call} -> ${ret}`;
}

interface Stuck {
  op: PreparedOp;
  state: State;
  /** Length of the linearized prefix, and its last few operations. */
  count: number;
  last: number[];
}

function explain(key: string, ops: PreparedOp[], stuck: Stuck | undefined): string {
  if (!stuck) return `key ${JSON.stringify(key)}: not linearizable`;
  const { op, state } = stuck;
  const shown = (s: State) => `${s.value === null ? 'absent' : JSON.stringify(s.value)} (version ${s.version ?? 'none'})`;
  const last = stuck.last.map((i) => `    ${describe(ops[i]!)}`);
  // Operations overlapping the stuck one, or just before it.
  const near = ops
    .filter((o) => o.end >= op.start - 50 && o.start <= op.end)
    .sort((a, b) => a.start - b.start)
    .slice(0, 20)
    .map((o) => `    ${o === op ? '>>' : '  '}${describe(o)}`);
  return [
    `key ${JSON.stringify(key)}: not linearizable.`,
    `  The longest linearizable prefix found has ${stuck.count} operation(s), leaving the register at ${shown(state)};`,
    `  after it, no order lets this operation return what it returned:`,
    `    ${describe(op)}`,
    `  last operations of that prefix:`,
    ...(last.length ? last : ['    (none)']),
    `  operations around it:`,
    ...near,
  ].join('\n');
}
