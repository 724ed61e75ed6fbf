import fc from 'fast-check';
import { MAX_SYSTEM_NAME_BYTES } from '@ringkv/core';

/**
 * fast-check generators of malformed, empty, oversized and boundary requests for every ringkv
 * RPC. Everything they generate is either refused by the servers or harmless: writes never
 * touch the known data set (see `Known`), and membership changes that could be valid are dry
 * runs only.
 */

/** What the cluster holds before the fuzzing and must still hold after it. */
export interface Known {
  keys: Map<string, bigint>;
  lock: { name: string; token: bigint };
  queue: string;
  shardIds: string[];
  nodeAddresses: string[];
  routerAddress: string;
  clusterId: string;
  epoch: bigint;
  maxKeyBytes: number;
  maxValueBytes: number;
}

export type Req = Record<string, unknown>;

const MAX_U64 = (1n << 64n) - 1n;

/** u64 fields as the wire's decimal strings: boundaries, overflowing and negative text, anything. */
export const u64 = fc.oneof(
  fc.constantFrom('0', '1', '2', '4294967295', '4294967296', '9007199254740991', '9007199254740992',
    MAX_U64.toString(), (MAX_U64 + 1n).toString(), '-1', '99999999999999999999999'),
  fc.bigInt({ min: 0n, max: MAX_U64 }).map(String),
  fc.nat({ max: 100_000 }).map(String),
);

/** u32 fields, including values the encoder wraps (-1, 2^32). */
export const u32 = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff, -1, 2 ** 32), fc.nat({ max: 0xffffffff }));

export const weight = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.0001, 1, 2, 1000, 1000.5, 1e308, NaN, Infinity, -Infinity, Number.MIN_VALUE),
  fc.double(),
);

/** An enum field: its names, numbers past the last one, negative numbers. */
function enumOf(names: string[]): fc.Arbitrary<string | number> {
  return fc.oneof(fc.constantFrom(...names), fc.constantFrom(-1, 5, 7, 99, 2 ** 31 - 1), fc.nat({ max: 10 }));
}

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

/** Lock and queue names: empty, NUL, at and over the byte limit, odd unicode. */
function names(prefix: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', '\u0000', `${prefix}\u0000x`, 'x'.repeat(MAX_SYSTEM_NAME_BYTES), 'x'.repeat(MAX_SYSTEM_NAME_BYTES + 1),
      'é'.repeat(MAX_SYSTEM_NAME_BYTES / 2 + 1), '\u{1F600}'),
    fc.string({ maxLength: 24 }).map((s) => `${prefix}${s}`),
    fc.string({ unit: 'binary', maxLength: 12 }).map((s) => `${prefix}${s}`),
  );
}

export function arbitraries(k: Known) {
  const isKnownKey = (b: Buffer) => k.keys.has(b.toString('latin1'));
  /** Keys that writes may use: never a known key. */
  const writeKey = fc.oneof(
    fc.constantFrom(Buffer.alloc(0), Buffer.alloc(k.maxKeyBytes, 0x6b), Buffer.alloc(k.maxKeyBytes + 1, 0x6b),
      Buffer.alloc(k.maxKeyBytes * 4, 0x6b), Buffer.from([0xff, 0x00]), Buffer.from([0xff, 0x00, 0x01, 0x61, 0x00]),
      Buffer.from([0xff]), Buffer.from([0x00])),
    bytes(40).filter((b) => !isKnownKey(b)),
    fc.string({ maxLength: 30 }).map((s) => Buffer.from(`fz:${s}`)),
  );
  const knownKey = fc.constantFrom(...[...k.keys.keys()].map((s) => Buffer.from(s, 'latin1')));
  const readKey = fc.oneof(writeKey, knownKey);
  const value = fc.oneof(
    fc.constantFrom(Buffer.alloc(0), Buffer.alloc(k.maxValueBytes, 1), Buffer.alloc(k.maxValueBytes + 1, 1)),
    bytes(64),
  );
  const condition = fc.oneof(
    fc.constant(undefined),
    fc.constant({}),
    u64.map((v) => ({ ifVersion: v })),
    fc.boolean().map((b) => ({ ifAbsent: b })),
  );
  /** A conditional write to a known key whose condition cannot hold. */
  const knownWrite = fc.tuple(knownKey, u64, fc.boolean(), fc.boolean()).map(([key, v, put, absent]) => {
    const current = k.keys.get(key.toString('latin1'))!;
    const ifVersion = BigInt.asUintN(64, BigInt(v)) === current ? (current + 1n).toString() : v;
    const cond = absent ? { ifAbsent: true } : { ifVersion };
    return put ? { put: { key, value: Buffer.from('fuzz'), condition: cond } } : { delete: { key, condition: cond } };
  });
  const lockName = names('fz-lock-');
  const lock = fc.oneof(
    fc.record({
      name: lockName, action: enumOf(['ACQUIRE', 'RENEW', 'RELEASE', 'STATUS']),
      owner: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('o'.repeat(257))), ttlMs: u64, token: u64,
    }),
    // The known lock: read it, take it (held: LOCK_HELD), renew or release with a wrong token.
    fc.tuple(fc.constantFrom('ACQUIRE', 'RENEW', 'RELEASE', 'STATUS'), u64, u64).map(([action, ttlMs, token]) => ({
      name: k.lock.name, action, ttlMs, owner: 'fuzzer',
      token: BigInt.asUintN(64, BigInt(token)) === k.lock.token ? (k.lock.token + 1n).toString() : token,
    })),
  );
  const queue = fc.oneof(
    fc.record({
      name: names('fz-queue-'), action: enumOf(['PUSH', 'POP', 'ACK', 'NACK', 'STATS']), deadLetters: fc.boolean(),
      body: value, visibilityTimeoutMs: u64,
      // A pop waits up to waitMs on an empty queue: only short waits, or ones out of range.
      waitMs: fc.constantFrom('0', '1', '5', '20001', '-1', MAX_U64.toString()),
      maxDeliveries: u32, id: u64, version: u64, delayMs: u64,
    }),
    fc.boolean().map((deadLetters) => ({ name: k.queue, action: 'STATS', deadLetters })),
  );
  const op: fc.Arbitrary<Req> = fc.oneof(
    fc.constant({}),
    readKey.map((key) => ({ get: { key } })),
    fc.constant({ get: {} }),
    fc.record({ key: writeKey, value, ttlMs: u64, condition }).map((put) => ({ put })),
    fc.record({ key: writeKey, condition }).map((d) => ({ delete: d })),
    knownWrite,
    lock.map((l) => ({ lock: l })),
    queue.map((q) => ({ queue: q })),
  );
  const ops = fc.array(op, { maxLength: 12 });
  const cursor = fc.oneof(
    fc.constantFrom(Buffer.alloc(0), Buffer.from([1]), Buffer.from([1, 0, 0, 0]), Buffer.from([2, 0, 0, 0, 0]),
      Buffer.from([1, 0xff, 0xff, 0xff, 0xff]), Buffer.concat([Buffer.from([1]), Buffer.alloc(5000, 0xff)])),
    bytes(40),
    bytes(20).map((b) => Buffer.concat([Buffer.from([1]), b])),
  );
  const shardId = fc.oneof(
    fc.constantFrom('', ' ', 'bad id', '-leading', 'x'.repeat(65), 'new-shard', 'shard-99', '\u0000', 'é'),
    fc.constantFrom(...k.shardIds),
    fc.string({ maxLength: 70 }),
  );
  const address = fc.oneof(
    fc.constantFrom('', 'nohost', ':1', '127.0.0.1', '127.0.0.1:', '127.0.0.1:99999', '127.0.0.1:1', '[::1]:1', '[zz]:1',
      'a'.repeat(300) + ':1', 'host name:1', k.routerAddress),
    fc.constantFrom(...k.nodeAddresses),
    fc.string({ maxLength: 40 }),
  );
  const arcRange = fc.record({ start: u32, end: u32 });
  const member = fc.record({ id: shardId, address, weight, state: fc.constantFrom('active', 'joining', 'leaving', '', 'bogus') });
  const arcMove = fc.record({
    start: u32, end: u32, from: shardId, to: shardId, state: fc.constantFrom('pending', 'copying', 'handoff', 'done', '', 'bogus'),
    keysMoved: u64, bytesMoved: u64,
  });
  const goodMembers = k.shardIds.map((id, i) => ({ id, address: k.nodeAddresses[i]!, weight: 1, state: 'active' }));
  /**
   * Cluster maps a node must not install: another cluster, an epoch not above its own (same
   * content or not), or, at a higher epoch, members or migrations that are malformed.
   */
  const clusterMap: fc.Arbitrary<Req> = fc.oneof(
    fc.record({
      clusterId: fc.oneof(fc.constant(''), fc.string({ maxLength: 40 }).filter((s) => s !== k.clusterId)),
      epoch: u64, members: fc.array(member, { maxLength: 4 }), vnodesPerWeight: u32, replicationFactor: u32,
      migrations: fc.array(arcMove, { maxLength: 3 }), nextMembers: fc.array(member, { maxLength: 3 }),
    }),
    fc.record({
      epoch: fc.oneof(fc.constantFrom('0', '1'), fc.bigInt({ min: 0n, max: k.epoch }).map(String)),
      members: fc.oneof(fc.constant(goodMembers), fc.array(member, { maxLength: 4 })),
      vnodesPerWeight: u32,
    }).map((m) => ({ clusterId: k.clusterId, ...m })),
    fc.tuple(fc.oneof(
      fc.array(member, { minLength: 1, maxLength: 4 }).map((members) => ({ members: [...members, { ...goodMembers[0]!, weight: -1 }] })),
      fc.constant({ members: [] }),
      fc.constant({ members: [{ ...goodMembers[0]!, weight: 1e308 }] }),
      fc.constant({ members: goodMembers.map((m) => ({ ...m, weight: 1000 })), vnodesPerWeight: 65536 }),
      fc.constant({ members: [...goodMembers, { ...goodMembers[0]!, id: 'x' }] }),
      fc.constant({ members: [...goodMembers, { ...goodMembers[0]!, address: 'nohost' }] }),
      fc.constant({ members: goodMembers.map((m) => ({ ...m, id: '' })) }),
      fc.constant({ members: goodMembers.map((m) => ({ ...m, address: 'not an address' })) }),
      fc.constant({ members: goodMembers.map((m) => ({ ...m, state: 'bogus' })) }),
      fc.constant({ members: goodMembers.map((m) => ({ ...m, weight: 5000 })) }),
      fc.constant({ members: goodMembers, nextMembers: [{ ...goodMembers[0]!, weight: NaN }] }),
      // Migrations without next members, to or from nobody, in no known state, to the source itself.
      fc.array(arcMove, { minLength: 1, maxLength: 3 }).map((migrations) => ({ members: goodMembers, migrations })),
      fc.constantFrom(
        { from: goodMembers[0]!.id, to: 'nobody', state: 'pending' },
        { from: 'nobody', to: goodMembers[0]!.id, state: 'copying' },
        { from: goodMembers[0]!.id, to: goodMembers[1]!.id, state: 'bogus' },
        { from: goodMembers[0]!.id, to: goodMembers[0]!.id, state: 'pending' },
      ).map((m) => ({ members: goodMembers, nextMembers: goodMembers, migrations: [{ start: 1, end: 1000, keysMoved: '0', bytesMoved: '0', ...m }] })),
    ), fc.nat({ max: 2 })).map(([m, ahead]) => ({
      clusterId: k.clusterId, epoch: (k.epoch + 1n + BigInt(ahead)).toString(), vnodesPerWeight: 16, ...m,
    })),
  );
  return { u64, u32, op, ops, cursor, shardId, address, weight, arcRange, clusterMap, bytes, value };
}
