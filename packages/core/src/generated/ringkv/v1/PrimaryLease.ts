// Original file: proto/ringkv/v1/node.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A primary's lease (docs/ARCHITECTURE.md "Primary leases"). At replication factor > 1 a shard
 * serves the arcs it leads only while it holds an unexpired lease from the coordinator, which
 * fails no shard over before that shard's lease has run out.
 */
export interface PrimaryLease {
  /**
   * The cluster is replicated, so the shard needs a lease to serve as a primary.
   */
  'primary'?: (boolean);
  /**
   * The lease has not run out.
   */
  'held'?: (boolean);
  /**
   * How long it lasts without another renewal, in milliseconds.
   */
  'remainingMs'?: (number | string | Long);
  /**
   * Who granted it: the coordinator's id and term.
   */
  'grantor'?: (string);
  /**
   * The duration of each grant, in milliseconds.
   */
  'durationMs'?: (number | string | Long);
}

/**
 * A primary's lease (docs/ARCHITECTURE.md "Primary leases"). At replication factor > 1 a shard
 * serves the arcs it leads only while it holds an unexpired lease from the coordinator, which
 * fails no shard over before that shard's lease has run out.
 */
export interface PrimaryLease__Output {
  /**
   * The cluster is replicated, so the shard needs a lease to serve as a primary.
   */
  'primary': (boolean);
  /**
   * The lease has not run out.
   */
  'held': (boolean);
  /**
   * How long it lasts without another renewal, in milliseconds.
   */
  'remainingMs': (string);
  /**
   * Who granted it: the coordinator's id and term.
   */
  'grantor': (string);
  /**
   * The duration of each grant, in milliseconds.
   */
  'durationMs': (string);
}
