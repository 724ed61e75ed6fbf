import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { IMAGE, NETWORK_PREFIX, RUN_LABEL, demux, dockerode } from './docker.js';
import { sleep } from '../helpers/wait.js';

export const ROUTER_PORT = 7400;
export const ETCD_PORT = 2379;
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
 * router's port is mapped to the host (a random port: `routerAddress`). With `etcd`, an etcd
 * member (`etcd:2379`, the image's etcd) holds the control plane and the routers (`router`,
 * `router-2`, ...) elect their coordinator through it, as deploy/docker-compose.yml runs them.
 */
export class ContainerCluster {
  readonly network: StartedNetwork;
  readonly shards = new Map<string, StartedTestContainer>();
  /** Every router by name (`router`, `router-2`, ...); `router` is the first. */
  readonly routers = new Map<string, StartedTestContainer>();
  router: StartedTestContainer | undefined;
  etcd: StartedTestContainer | undefined;
  readonly #nodeArgs: string[];
  #stopped = false;

  private constructor(network: StartedNetwork, nodeArgs: string[]) {
    this.network = network;
    this.#nodeArgs = nodeArgs;
  }

  /**
   * Starts a network, `shards` storage nodes (shard-1..) and `routers` routers (default 1)
   * bootstrapped with them, on an etcd member when `etcd` (more than one router needs it);
   * `routerArgs` and `nodeArgs` are extra command-line flags of ringkv-router and ringkv-node.
   */
  static async start(options: { shards?: number; routers?: number; etcd?: boolean; routerArgs?: string[]; nodeArgs?: string[] } = {}): Promise<ContainerCluster> {
    const runId = inject('ringkvTestRun');
    const name = `${NETWORK_PREFIX}${runId}-${randomBytes(3).toString('hex')}`;
    const network = await new Network({ nextUuid: () => name }).start();
    const cluster = new ContainerCluster(network, options.nodeArgs ?? []);
    const routers = options.routers ?? 1;
    if (routers > 1 && !options.etcd) throw new Error('more than one router needs etcd: { etcd: true }');
    try {
      const ids = Array.from({ length: options.shards ?? 3 }, (_, i) => `shard-${i + 1}`);
      await Promise.all([...ids.map((id) => cluster.startShard(id)), ...(options.etcd ? [cluster.#startEtcd()] : [])]);
      const names = Array.from({ length: routers }, (_, i) => (i === 0 ? 'router' : `router-${i + 1}`));
      await Promise.all(names.map((router) => cluster.#startRouter(router, ids, options.etcd === true, options.routerArgs ?? [])));
      cluster.router = cluster.routers.get('router');
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  async #startRouter(router: string, shardIds: string[], etcd: boolean, args: string[]): Promise<void> {
    const container = await new GenericContainer(IMAGE)
      .withName(`${this.network.getName()}-${router}`)
      .withNetwork(this.network)
      .withNetworkAliases(router)
      .withLabels(labels('router'))
      .withEnvironment({
        RINGKV_LISTEN: `0.0.0.0:${ROUTER_PORT}`,
        RINGKV_SHARDS: shardIds.map((id) => `${id}=${id}:${NODE_PORT}`).join(','),
        RINGKV_LOG_LEVEL: 'info',
        // On etcd, as in docker-compose.yml: named, and reachable by the other routers.
        ...(etcd ? { RINGKV_ETCD: `http://etcd:${ETCD_PORT}`, RINGKV_ROUTER_ID: router, RINGKV_ADVERTISE: `${router}:${ROUTER_PORT}` } : {}),
      })
      .withCommand(['ringkv-router', ...args])
      .withExposedPorts(ROUTER_PORT)
      // The image's HEALTHCHECK runs the CLI every 5 s; the log line is enough here.
      .withHealthCheck(NO_HEALTHCHECK)
      .withWaitStrategy(Wait.forLogMessage(/router listening/))
      .withStartupTimeout(60_000)
      .start();
    this.routers.set(router, container);
  }

  /** One etcd member from the image, configured as docker-compose.yml's; ready once `etcd-health` passes. */
  async #startEtcd(): Promise<void> {
    this.etcd = await new GenericContainer(IMAGE)
      .withName(`${this.network.getName()}-etcd`)
      .withNetwork(this.network)
      .withNetworkAliases('etcd')
      .withLabels(labels('etcd'))
      .withEnvironment({
        ETCD_NAME: 'etcd',
        ETCD_DATA_DIR: '/data/etcd',
        ETCD_LISTEN_CLIENT_URLS: `http://0.0.0.0:${ETCD_PORT}`,
        ETCD_ADVERTISE_CLIENT_URLS: `http://etcd:${ETCD_PORT}`,
        ETCD_LISTEN_PEER_URLS: 'http://127.0.0.1:2380',
        ETCD_INITIAL_ADVERTISE_PEER_URLS: 'http://127.0.0.1:2380',
        ETCD_INITIAL_CLUSTER: 'etcd=http://127.0.0.1:2380',
        ETCD_LOGGER: 'zap',
        ETCD_LOG_LEVEL: 'warn',
      })
      .withCommand(['etcd'])
      // The compose file's healthcheck, run often: the container is ready when it passes.
      .withHealthCheck({ test: ['CMD', 'etcd-health'], interval: 500, timeout: 5_000, retries: 60, startPeriod: 1_000 })
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(60_000)
      .start();
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
    return this.addressOf('router');
  }

  /** Router `name` as the host reaches it (its mapped port). */
  addressOf(name: string): string {
    const router = this.routers.get(name);
    if (!router) throw new Error(`no router container ${name}`);
    const host = router.getHost();
    return `${host === 'localhost' ? '127.0.0.1' : host}:${router.getMappedPort(ROUTER_PORT)}`;
  }

  /** A shard's, a router's or etcd's container, by its name on the network. */
  #container(id: string) {
    const c = this.shards.get(id) ?? this.routers.get(id) ?? (id === 'etcd' ? this.etcd : undefined);
    if (!c) throw new Error(`no container ${id}`);
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
    await this.stopContainer(id);
  }

  /** `docker stop` of a shard's, a router's or etcd's container (SIGTERM, SIGKILL after 10 s). */
  async stopContainer(id: string): Promise<void> {
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
    const all = [...this.shards.values(), ...this.routers.values(), ...(this.etcd ? [this.etcd] : [])];
    // Straight through the API: some were stopped or killed by the test already.
    await Promise.all(all.map((c) => docker.getContainer(c.getId()).remove({ force: true, v: true }).catch(() => {})));
    await this.network.stop().catch(() => {});
  }
}
