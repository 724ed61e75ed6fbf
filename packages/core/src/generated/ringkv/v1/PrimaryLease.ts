// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A primary's lease (docs/ARCHITECTURE.md "Primary leases"): a shard serves the arcs it leads
 * only while every other replica of them has granted it a lease that has not run out.
 */
export interface PrimaryLease {
  /**
   * The shard leads at least one arc with other replicas.
   */
  'primary'?: (boolean);
  /**
   * It holds an unexpired grant from every replica of the arcs it leads.
   */
  'held'?: (boolean);
  /**
   * How long the shortest of its grants lasts without another renewal, in milliseconds.
   */
  'remainingMs'?: (number | string | Long);
  /**
   * Replicas whose grant is missing or expired.
   */
  'missing'?: (string)[];
  /**
   * The lease duration it asks for, in milliseconds.
   */
  'durationMs'?: (number | string | Long);
}

/**
 * A primary's lease (docs/ARCHITECTURE.md "Primary leases"): a shard serves the arcs it leads
 * only while every other replica of them has granted it a lease that has not run out.
 */
export interface PrimaryLease__Output {
  /**
   * The shard leads at least one arc with other replicas.
   */
  'primary': (boolean);
  /**
   * It holds an unexpired grant from every replica of the arcs it leads.
   */
  'held': (boolean);
  /**
   * How long the shortest of its grants lasts without another renewal, in milliseconds.
   */
  'remainingMs': (string);
  /**
   * Replicas whose grant is missing or expired.
   */
  'missing': (string)[];
  /**
   * The lease duration it asks for, in milliseconds.
   */
  'durationMs': (string);
}
