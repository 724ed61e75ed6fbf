import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, ErrorCode, isReplicaRead, validateOp, type Op__Output } from '../src/mod.js';

function get(readFrom: string, replicaSelection: string): Op__Output {
  return { op: 'get', get: { key: Buffer.from('k'), readFrom, replicaSelection } } as Op__Output;
}

describe('validateOp: readFrom and replicaSelection of a get', () => {
  it('accepts the empty defaults and every known value', () => {
    for (const readFrom of ['', 'primary', 'replica']) {
      for (const selection of ['', 'random', 'round_robin', 'least_outstanding']) {
        expect(validateOp(get(readFrom, selection), DEFAULT_LIMITS), `${readFrom}/${selection}`).toBeUndefined();
      }
    }
  });

  it('refuses an unknown readFrom with INVALID_ARGUMENT naming it', () => {
    for (const bad of ['Replica', 'secondary', ' ']) {
      const err = validateOp(get(bad, ''), DEFAULT_LIMITS);
      expect(err?.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(err?.message).toContain(`unknown readFrom ${JSON.stringify(bad)}`);
    }
  });

  it('refuses an unknown replicaSelection with INVALID_ARGUMENT naming it, whatever readFrom says', () => {
    for (const readFrom of ['', 'replica']) {
      const err = validateOp(get(readFrom, 'least_loaded'), DEFAULT_LIMITS);
      expect(err?.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(err?.message).toContain('unknown replicaSelection "least_loaded"');
    }
  });

  it('still checks the key of a get first', () => {
    const op = { op: 'get', get: { key: Buffer.alloc(0), readFrom: 'nowhere', replicaSelection: '' } } as Op__Output;
    expect(validateOp(op, DEFAULT_LIMITS)?.message).toBe('key must not be empty');
  });

  it('isReplicaRead: only a get with readFrom "replica"', () => {
    expect(isReplicaRead(get('replica', ''))).toBe(true);
    expect(isReplicaRead(get('', 'round_robin'))).toBe(false);
    expect(isReplicaRead(get('primary', ''))).toBe(false);
    expect(isReplicaRead({ op: 'put', put: { key: Buffer.from('k'), value: Buffer.alloc(0), ttlMs: '0', condition: null } } as Op__Output)).toBe(false);
  });
});
