import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, RingKvError, type ClusterMap, type Ownership, type RawRecord } from '@ringkv/core';
import { ReplicationSender, type ReplicationSenderOptions } from '../src/replication-sender.js';
import type { Forward } from '../src/write-apply.js';
import { mapOf, member, ownership } from './helpers/maps.js';

afterEach(() => {
  vi.useRealTimers();
});

const records: RawRecord[] = [{ key: Buffer.from('a'), record: Buffer.from('r1') }, { key: Buffer.from('b'), record: Buffer.from('r2') }];
const forward = (targetId = 'n2', epoch = 2n): Forward => ({ targetId, epoch, records, moves: new Set(), replicate: true });

/** A sender on n1 whose peer calls answer from `ingest` (called once per attempt). */
function sender(ingest: (address: string, epoch: bigint) => Promise<void>, own: Ownership = ownership(['n1', 'n2', 'n3'], 2n, { replicationFactor: 2 })) {
  const calls = { ingest: [] as unknown[][], updateClusterMap: [] as Array<[string, bigint]>, reset: [] as string[], installed: [] as ClusterMap[] };
  let current = own;
  const peerMap = { value: undefined as ClusterMap | undefined };
  const options: ReplicationSenderOptions = {
    nodeId: 'n1',
    ownership: () => current,
    timeoutMs: 1234,
    installNewer: async (map) => void calls.installed.push(map),
    peers: {
      ingest: async (...args: unknown[]) => {
        calls.ingest.push(args);
        return ingest(args[0] as string, args[1] as bigint);
      },
      updateClusterMap: async (address, map) => void calls.updateClusterMap.push([address, map.epoch]),
      getClusterMap: async () => peerMap.value,
      reset: (address) => void calls.reset.push(address),
    },
  };
  return { s: new ReplicationSender(options), calls, peerMap, setOwnership: (o: Ownership) => (current = o) };
}

const fail = (code: ErrorCode, epoch?: bigint) => Promise.reject(new RingKvError(code, `peer says ${code}`, epoch === undefined ? undefined : { epoch }));

describe('ReplicationSender', () => {
  it('sends the records to the replica as replication, with the replication timeout, and counts them', async () => {
    const { s, calls } = sender(async () => undefined);
    await s.send(forward());
    expect(calls.ingest).toEqual([[member('n2').address, 2n, 'n1', records, true, 1234]]);
    expect(s.replicated).toEqual({ records: 2, failures: 0 });
    expect(s.unreachableReplicas()).toEqual([]);
  });

  it('refuses a replica that is not in the map', async () => {
    const { s, calls } = sender(async () => undefined);
    await expect(s.send(forward('n9'))).rejects.toMatchObject({ code: 'UNKNOWN_SHARD' });
    expect(calls.ingest).toHaveLength(0);
  });

  it('remembers a replica that did not answer: reported, failed at once for a second, tried again after', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let answer: () => Promise<void> = () => fail(ErrorCode.UNAVAILABLE);
    const { s, calls } = sender(() => answer());
    await expect(s.send(forward())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // A new connection next time.
    expect(calls.reset).toEqual([member('n2').address]);
    expect(s.unreachableReplicas()).toEqual(['n2']);
    await expect(s.send(forward())).rejects.toThrow('did not answer in the last second');
    expect(calls.ingest).toHaveLength(1);
    vi.advanceTimersByTime(1_001);
    answer = async () => undefined;
    await s.send(forward());
    expect(calls.ingest).toHaveLength(2);
    expect(s.unreachableReplicas()).toEqual([]);
    expect(s.replicated).toEqual({ records: 2, failures: 2 });
  });

  it('reports an unreachable replica only at the epoch of the failure, for 30 s, and not once the map dropped it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { s } = sender(() => fail(ErrorCode.DEADLINE_EXCEEDED));
    await expect(s.send(forward())).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(s.unreachableReplicas()).toEqual(['n2']);
    vi.advanceTimersByTime(30_001);
    expect(s.unreachableReplicas()).toEqual([]);

    const again = sender(() => fail(ErrorCode.INTERNAL));
    await expect(again.s.send(forward())).rejects.toMatchObject({ code: 'INTERNAL' });
    // Not a connection problem: the connection is kept.
    expect(again.calls.reset).toEqual([]);
    expect(again.s.unreachableReplicas()).toEqual(['n2']);
    again.setOwnership(ownership(['n1', 'n2', 'n3'], 3n, { replicationFactor: 2, replicaStates: [{ id: 'n2', state: 'out_of_sync' }] }));
    expect(again.s.unreachableReplicas()).toEqual([]);
    again.setOwnership(ownership(['n1', 'n2', 'n3'], 2n, { replicationFactor: 2, replicaStates: [{ id: 'n2', state: 'out_of_sync' }] }));
    expect(again.s.unreachableReplicas()).toEqual([]);
  });

  it('gives a replica behind our epoch our map and sends again, once', async () => {
    const answers = [() => fail(ErrorCode.WRONG_OWNER, 1n), async () => undefined];
    const { s, calls } = sender(() => answers.shift()!());
    await s.send(forward());
    expect(calls.updateClusterMap).toEqual([[member('n2').address, 2n]]);
    expect(calls.ingest).toHaveLength(2);
    expect(s.replicated).toEqual({ records: 2, failures: 0 });

    const stubborn = sender(() => fail(ErrorCode.WRONG_OWNER, 1n));
    await expect(stubborn.s.send(forward())).rejects.toMatchObject({ code: 'WRONG_OWNER' });
    expect(stubborn.calls.ingest).toHaveLength(2);
    // A replica that refuses is reachable: it is not reported.
    expect(stubborn.s.unreachableReplicas()).toEqual([]);
  });

  it('fetches and installs the map of a replica ahead of our epoch (we may have been deposed), and fails the write', async () => {
    const { s, calls, peerMap } = sender(() => fail(ErrorCode.WRONG_OWNER, 5n));
    peerMap.value = mapOf(['n1', 'n2', 'n3'], 5n, { replicationFactor: 2 });
    await expect(s.send(forward())).rejects.toMatchObject({ code: 'WRONG_OWNER' });
    await vi.waitFor(() => expect(calls.installed.map((m) => m.epoch)).toEqual([5n]));
    expect(calls.updateClusterMap).toEqual([]);
    expect(s.unreachableReplicas()).toEqual([]);
    expect(s.replicated.failures).toBe(1);
  });
});
