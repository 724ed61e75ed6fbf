import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { IMAGE, NETWORK_PREFIX, RUN_LABEL, demux, dockerode } from './docker.js';
import { sleep } from '../helpers/wait.js';

export const ROUTER_PORT = 7400;
/** Docker's "no healthcheck" (testcontainers' type only knows CMD and CMD-SHELL). */
const NO_HEALTHCHECK = { test: ['NONE'] as unknown as ['CMD'] };
export const NODE_PORT = 7401;

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    ringkvTestRun: string;
  }
}

/** Labels of every container of this run (global-setup.ts removes what carries them). */
function labels(role: string): Record<string, string> {
  return { [RUN_LABEL]: inject('ringkvTestRun'), 'org.ringkv.test-role': role };
}

/**
 * A ringkv cluster in containers of the ringkv image, on a private Docker network of its own:
 * storage nodes reachable as `shard-N:7401` and a router as `router:7400` inside it; only the
 * router's port is mapped to the host (a random port: `routerAddress`).
 */
export class ContainerCluster {
  readonly network: StartedNetwork;
  readonly shards = new Map<string, StartedTestContainer>();
  router: StartedTestContainer | undefined;
  readonly #nodeArgs: string[];
  #stopped = false;

  private constructor(network: StartedNetwork, nodeArgs: string[]) {
    this.network = network;
    this.#nodeArgs = nodeArgs;
  }

  /**
   * Starts a network, `shards` storage nodes (shard-1..) and a router bootstrapped with them;
   * `routerArgs` and `nodeArgs` are extra command-line flags of ringkv-router and ringkv-node.
   */
  static async start(options: { shards?: number; routerArgs?: string[]; nodeArgs?: string[] } = {}): Promise<ContainerCluster> {
    const runId = inject('ringkvTestRun');
    const name = `${NETWORK_PREFIX}${runId}-${randomBytes(3).toString('hex')}`;
    const network = await new Network({ nextUuid: () => name }).start();
    const cluster = new ContainerCluster(network, options.nodeArgs ?? []);
    try {
      const ids = Array.from({ length: options.shards ?? 3 }, (_, i) => `shard-${i + 1}`);
      await Promise.all(ids.map((id) => cluster.startShard(id)));
      cluster.router = await new GenericContainer(IMAGE)
        .withName(`${name}-router`)
        .withNetwork(network)
        .withNetworkAliases('router')
        .withLabels(labels('router'))
        .withEnvironment({
          RINGKV_LISTEN: `0.0.0.0:${ROUTER_PORT}`,
          RINGKV_SHARDS: ids.map((id) => `${id}=${id}:${NODE_PORT}`).join(','),
          RINGKV_LOG_LEVEL: 'info',
        })
        .withCommand(['ringkv-router', ...(options.routerArgs ?? [])])
        .withExposedPorts(ROUTER_PORT)
        // The image's HEALTHCHECK runs the CLI every 5 s; the log line is enough here.
        .withHealthCheck(NO_HEALTHCHECK)
        .withWaitStrategy(Wait.forLogMessage(/router listening/))
        .withStartupTimeout(60_000)
        .start();
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** Starts a storage node container `id`, reachable on the network as `id:7401`. */
  async startShard(id: string): Promise<StartedTestContainer> {
    const container = await new GenericContainer(IMAGE)
      .withName(`${this.network.getName()}-${id}`)
      .withNetwork(this.network)
      .withNetworkAliases(id)
      .withLabels(labels('shard'))
      .withEnvironment({ RINGKV_NODE_ID: id, RINGKV_LISTEN: `0.0.0.0:${NODE_PORT}`, RINGKV_LOG_LEVEL: 'info' })
      .withCommand(['ringkv-node', ...this.#nodeArgs])
      .withHealthCheck(NO_HEALTHCHECK)
      .withWaitStrategy(Wait.forLogMessage(/storage node listening/))
      .withStartupTimeout(60_000)
      .start();
    this.shards.set(id, container);
    return container;
  }

  /** The router as the host reaches it (its mapped port). */
  get routerAddress(): string {
    const host = this.router!.getHost();
    return `${host === 'localhost' ? '127.0.0.1' : host}:${this.router!.getMappedPort(ROUTER_PORT)}`;
  }

  #container(id: string) {
    const c = this.shards.get(id);
    if (!c) throw new Error(`no shard container ${id}`);
    return c;
  }

  /** `docker kill` (SIGKILL by default): the process dies at once, the container stays. */
  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    const docker = await dockerode();
    await docker.getContainer(this.#container(id).getId()).kill({ signal });
    await this.#waitState(id, false);
  }

  /** `docker stop`: SIGTERM, the node drains and exits (SIGKILL after the grace period). */
  async stopShard(id: string): Promise<void> {
    const docker = await dockerode();
    await docker.getContainer(this.#container(id).getId()).stop({ t: 10 });
  }

  /** `docker start` of a stopped or killed shard container, same volume; waits until it serves. */
  async startAgain(id: string): Promise<void> {
    const docker = await dockerode();
    await docker.getContainer(this.#container(id).getId()).start();
    await this.#waitState(id, true);
    const deadline = Date.now() + 30_000;
    for (;;) {
      // The CLI's gRPC health check, run inside the shard's own container.
      const r = await this.#container(id).exec(['ringkv', 'health', '--target', `127.0.0.1:${NODE_PORT}`, '--timeout', '2s']);
      if (r.exitCode === 0 && r.stdout.trim() === 'SERVING') return;
      if (Date.now() > deadline) throw new Error(`${id} not serving 30 s after start: ${r.output}`);
      await sleep(250);
    }
  }

  /**
   * `docker network disconnect`: the shard's container leaves the cluster's network (the
   * process keeps running; nothing reaches it and it reaches nothing but itself).
   */
  async disconnect(id: string): Promise<void> {
    const docker = await dockerode();
    await docker.getNetwork(this.network.getId()).disconnect({ Container: this.#container(id).getId(), Force: true });
  }

  /** `docker network connect --alias ID`: the shard is back on the network under its name. */
  async connect(id: string): Promise<void> {
    const docker = await dockerode();
    await docker.getNetwork(this.network.getId()).connect({ Container: this.#container(id).getId(), EndpointConfig: { Aliases: [id] } });
  }

  /**
   * The shard's node address as the host reaches it: its IP on the cluster's network (a
   * bridge network, so the host routes to it) and the node port.
   */
  async shardAddress(id: string): Promise<string> {
    const docker = await dockerode();
    const info = await docker.getContainer(this.#container(id).getId()).inspect();
    const ip = info.NetworkSettings.Networks[this.network.getName()]?.IPAddress;
    if (!ip) throw new Error(`${id} is not on network ${this.network.getName()}`);
    return `${ip}:${NODE_PORT}`;
  }

  async #waitState(id: string, running: boolean): Promise<void> {
    const docker = await dockerode();
    const deadline = Date.now() + 30_000;
    while ((await docker.getContainer(this.#container(id).getId()).inspect()).State.Running !== running) {
      if (Date.now() > deadline) throw new Error(`${id} still ${running ? 'not running' : 'running'} after 30 s`);
      await sleep(100);
    }
  }

  /**
   * Runs the ringkv CLI in a one-off container of the image on the cluster's network (what
   * `docker run --rm --network NET ringkv ringkv ...` does), with RINGKV_ROUTER=router:7400.
   */
  async cli(args: string[], timeoutMs = 120_000): Promise<CliRun> {
    const docker = await dockerode();
    const container = await docker.createContainer({
      Image: IMAGE,
      name: `${this.network.getName()}-cli-${randomBytes(3).toString('hex')}`,
      Cmd: ['ringkv', ...args],
      Env: [`RINGKV_ROUTER=router:${ROUTER_PORT}`],
      Labels: labels('cli'),
      Healthcheck: { Test: ['NONE'] },
      HostConfig: { NetworkMode: this.network.getName() },
    });
    try {
      await container.start();
      const waited = (await Promise.race([
        container.wait(),
        sleep(timeoutMs).then(() => undefined),
      ])) as { StatusCode: number } | undefined;
      if (!waited) throw new Error(`ringkv ${args.join(' ')}: still running after ${timeoutMs} ms`);
      const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      return { exitCode: waited.StatusCode, ...demux(logs) };
    } finally {
      await container.remove({ force: true, v: true }).catch(() => {});
    }
  }

  /** Stops and removes every container (with its volume) and the network; safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const docker = await dockerode();
    const all = [...this.shards.values(), ...(this.router ? [this.router] : [])];
    // Straight through the API: some were stopped or killed by the test already.
    await Promise.all(all.map((c) => docker.getContainer(c.getId()).remove({ force: true, v: true }).catch(() => {})));
    await this.network.stop().catch(() => {});
  }
}
