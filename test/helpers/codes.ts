import { RingKvError } from '@ringkv/client';

/** 'OK' if `p` resolves, else the RingKvError code it rejects with (anything else is rethrown). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (err instanceof RingKvError) return err.code;
    throw err;
  }
}
