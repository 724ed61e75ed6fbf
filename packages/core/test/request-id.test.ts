import { describe, expect, it } from 'vitest';
import { Metadata } from '@grpc/grpc-js';
import { MAX_REQUEST_ID_LENGTH, REQUEST_ID_HEADER, isValidRequestId, newRequestId, requestIdOf, requestIdOr } from '@ringkv/core';

describe('request ids', () => {
  it('new ids are short, valid and unique', () => {
    const ids = Array.from({ length: 1000 }, () => newRequestId());
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids.slice(0, 10)) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
      expect(isValidRequestId(id)).toBe(true);
    }
  });

  it.each([
    ['abc', true], ['req-42:retry/1', true], ['x'.repeat(MAX_REQUEST_ID_LENGTH), true],
    ['', false], ['x'.repeat(MAX_REQUEST_ID_LENGTH + 1), false], ['has space', false], ['line\nbreak', false], ['é', false], [42, false],
  ])('isValidRequestId(%j) = %s', (id, valid) => {
    expect(isValidRequestId(id)).toBe(valid);
  });

  it("takes the caller's x-request-id, or makes one when it is missing or unusable", () => {
    const md = new Metadata();
    md.set(REQUEST_ID_HEADER, 'client-7');
    expect(requestIdOf(md)).toBe('client-7');
    expect(requestIdOf(new Metadata())).toMatch(/^[0-9a-f]{8}-/);
    expect(requestIdOf(undefined)).toMatch(/^[0-9a-f]{8}-/);
    const bad = new Metadata();
    bad.set(REQUEST_ID_HEADER, 'y'.repeat(65));
    expect(requestIdOf(bad)).toMatch(/^[0-9a-f]{8}-/);
    expect(requestIdOr('frame-1')).toBe('frame-1');
    expect(requestIdOr(undefined)).not.toBe(requestIdOr(undefined));
  });
});
