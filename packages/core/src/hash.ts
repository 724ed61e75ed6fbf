import murmur from 'murmurhash3js-revisited';

/** murmur3 x86 32-bit of the key bytes, seed 0, as an unsigned integer. */
export function hash32(bytes: Uint8Array): number {
  return murmur.x86.hash32(bytes, 0) >>> 0;
}

const encoder = new TextEncoder();

export function hashString(text: string): number {
  return hash32(encoder.encode(text));
}
