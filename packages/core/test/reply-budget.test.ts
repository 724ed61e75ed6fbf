import { describe, expect, it } from 'vitest';
import { fitReply, type OpResult } from '@ringkv/core';

const get = (bytes: number): OpResult => ({ errorCode: '', found: true, value: Buffer.alloc(bytes), version: '7' });
const put = (): OpResult => ({ errorCode: '', found: false, version: '9' });

describe('fitReply', () => {
  it('returns a reply under the budget as it is', () => {
    const r = [get(10), put()];
    expect(fitReply(r, 1_000)).toBe(r);
  });

  it('drops the largest values first until the reply fits, and never touches write results', () => {
    const r = [get(600), put(), get(50), get(900), get(5)];
    const out = fitReply(r, 700);
    expect(out.map((x) => x.errorCode)).toEqual(['RESOURCE_EXHAUSTED', '', '', 'RESOURCE_EXHAUSTED', '']);
    expect(out[1]).toBe(r[1]);
    expect(out[2]!.value).toHaveLength(50);
    expect(out[0]).toMatchObject({ found: false, version: '0', value: Buffer.alloc(0) });
  });

  it('drops gets before queue deliveries, and reports a dropped delivery as UNAVAILABLE (it was applied)', () => {
    const pop = (bytes: number): OpResult => ({ errorCode: '', found: true, value: Buffer.alloc(bytes), version: '8', id: '5', deliveries: 1 });
    const r = [pop(900), get(300), pop(200), get(100)];
    const fits = fitReply(r, 1_460);
    expect(fits.map((x) => x.errorCode)).toEqual(['', 'RESOURCE_EXHAUSTED', '', '']);
    const tight = fitReply(r, 500);
    expect(tight.map((x) => x.errorCode)).toEqual(['UNAVAILABLE', 'RESOURCE_EXHAUSTED', '', 'RESOURCE_EXHAUSTED']);
    expect(tight[0]).toMatchObject({ found: false, deliveries: 0 });
    expect(tight[0]!.errorMessage).toContain('delivered again');
  });
});
