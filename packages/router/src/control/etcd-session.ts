import type { Etcd3 } from 'etcd3';
import type { Logger } from '@ringkv/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { within } from './etcd-client.js';

/**
 * One etcd lease per router process (its session): its router-registry key and, while it
 * coordinates, its leader key are attached to it, so both vanish when the router dies or is
 * cut off for longer than the TTL.
 *
 * The lease is kept alive here, not by etcd3's Lease helper (which reports a lost lease only
 * after 2 x TTL): a keepalive every TTL/3, and `validUntil` is the time the last successful
 * keepalive was *sent* plus the TTL etcd answered, minus a margin for clock drift and the time
 * a request spends in flight. etcd's leader measures the TTL from when it *received* the
 * keepalive, which is later, so etcd cannot expire the lease before `validUntil`.
 */
/** How soon a failed renewal is tried again. */
const RETRY_MS = 100;

export class EtcdSession {
  readonly ttlSeconds: number;
  readonly #etcd: Etcd3;
  readonly #log: Logger;
  readonly #marginMs: number;
  #leaseId: string | undefined;
  #validUntil = 0;
  #closed = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  readonly #granted: Array<(leaseId: string) => void> = [];
  readonly #lost: Array<(leaseId: string) => void> = [];

  constructor(etcd: Etcd3, ttlSeconds: number, log: Logger) {
    this.#etcd = etcd;
    this.ttlSeconds = ttlSeconds;
    this.#log = log;
    this.#marginMs = Math.max(150, ttlSeconds * 100);
  }

  /** The lease this router holds now, if any. */
  get leaseId(): string | undefined {
    return this.#leaseId;
  }

  /** performance.now() until which the lease is certainly alive in etcd. */
  get validUntil(): number {
    return this.#leaseId === undefined ? 0 : this.#validUntil;
  }

  get alive(): boolean {
    return this.#leaseId !== undefined && performance.now() < this.#validUntil;
  }

  onGranted(fn: (leaseId: string) => void): void {
    this.#granted.push(fn);
  }

  onLost(fn: (leaseId: string) => void): void {
    this.#lost.push(fn);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Resolves once a lease is held (or the session is closed). */
  async ready(): Promise<string | undefined> {
    while (!this.#closed && !this.alive) await sleep(50);
    return this.#leaseId;
  }

  async #run(): Promise<void> {
    const intervalMs = (this.ttlSeconds * 1000) / 3;
    while (!this.#closed) {
      const started = performance.now();
      let renewed = true;
      if (this.#leaseId === undefined) await this.#grant();
      else renewed = await this.#keepAlive(this.#leaseId, intervalMs);
      if (this.#leaseId !== undefined && performance.now() >= this.#validUntil) this.#lose('its renewals did not get through in time');
      // A renewal that failed (a dead member, etcd electing its own leader) is tried again soon,
      // on whichever member answers, not a whole interval later: the lease has only TTL - margin.
      const wait = this.#leaseId === undefined ? Math.max(250, intervalMs - (performance.now() - started))
        : renewed ? intervalMs - (performance.now() - started) : RETRY_MS;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async #grant(): Promise<void> {
    const sentAt = performance.now();
    try {
      const res = await this.#etcd.leaseClient.leaseGrant({ TTL: this.ttlSeconds }, within(this.ttlSeconds * 1000));
      if (this.#closed) {
        await this.#etcd.leaseClient.leaseRevoke({ ID: res.ID }, within(1_000)).catch(() => undefined);
        return;
      }
      this.#leaseId = res.ID;
      this.#validUntil = sentAt + Number(res.TTL) * 1000 - this.#marginMs;
      this.#log.info({ lease: res.ID, ttlSeconds: Number(res.TTL) }, 'etcd session lease granted');
      for (const fn of this.#granted) fn(res.ID);
    } catch (err) {
      this.#log.debug({ err: (err as Error).message }, 'etcd lease grant failed; retrying');
    }
  }

  /** One renewal; false when it did not get through. */
  async #keepAlive(id: string, timeoutMs: number): Promise<boolean> {
    const sentAt = performance.now();
    let stream;
    try {
      stream = await this.#etcd.leaseClient.leaseKeepAlive(within(timeoutMs));
    } catch {
      return false;
    }
    try {
      const res = await new Promise<{ ID: string; TTL: string }>((resolve, reject) => {
        stream.on('data', resolve);
        stream.on('error', reject);
        stream.on('end', () => reject(new Error('keepalive stream ended')));
        stream.write({ ID: id });
      });
      if (this.#leaseId !== id) return true;
      if (Number(res.TTL) <= 0) this.#lose('etcd says it expired');
      else this.#validUntil = Math.max(this.#validUntil, sentAt + Number(res.TTL) * 1000 - this.#marginMs);
      return true;
    } catch {
      // Not renewed this time: validUntil stays where it was and runs out unless a later one succeeds.
      return false;
    } finally {
      stream.end();
    }
  }

  #lose(why: string): void {
    const id = this.#leaseId;
    if (id === undefined) return;
    this.#leaseId = undefined;
    this.#validUntil = 0;
    this.#log.warn({ lease: id, why }, 'etcd session lease lost');
    for (const fn of this.#lost) fn(id);
  }

  /** Stops renewing and revokes the lease, so the keys on it vanish now. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    await this.#loop;
    const id = this.#leaseId;
    this.#leaseId = undefined;
    if (id !== undefined) await this.#etcd.leaseClient.leaseRevoke({ ID: id }, within(1_000)).catch(() => undefined);
  }
}
