import { execFileSync } from 'node:child_process';

/**
 * A real partition on 127.0.0.1: packets to `port` are dropped (iptables INPUT on lo), so
 * whatever listens there receives nothing, not even data a sender's kernel would buffer for
 * a paused process. Needs root and iptables (scripts/need-test-tools.sh installs it). Every
 * rule is removed by `heal`, and on exit whatever happens.
 */
const active = new Set<number>();
let hooked = false;

function rule(op: '-I' | '-D', port: number): void {
  execFileSync('iptables', [op, 'INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(port), '-j', 'DROP'], { stdio: 'pipe' });
}

export function cutOff(port: number): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const p of active) {
        try {
          rule('-D', p);
        } catch {
          // already gone
        }
      }
    });
  }
  rule('-I', port);
  active.add(port);
}

export function heal(port: number): void {
  if (!active.delete(port)) return;
  rule('-D', port);
}
