import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, type ShopProcess, startShopProcess } from '../../test/helpers/shop-process.js';
import type { Checks } from './checks.js';
import { readAccessLog, type RunningNginx, startNginx } from './nginx.js';

/** Three instances and nginx in front of them, over one database. */
export class Deployment {
  static readonly instances = 3;
  readonly instances: (ShopProcess | undefined)[] = [];
  /** Every process that ever ran in a slot, so logs from before a restart still count. */
  readonly history: ShopProcess[][] = [];
  nginx!: RunningNginx;

  private constructor(
    readonly env: Record<string, string>,
    readonly ports: number[],
    readonly dir: string,
  ) {}

  static async start(checks: Checks, name: string, env: Record<string, string>): Promise<Deployment> {
    const dir = mkdtempSync(join(tmpdir(), `shop-cluster-${name}-`));
    checks.defer(() => rmSync(dir, { recursive: true, force: true }));
    const ports = await Promise.all(Array.from({ length: Deployment.instances }, () => freePort()));
    const deployment = new Deployment(env, ports, dir);
    checks.defer(() => deployment.stop());
    // One first, so migrations and the catalog seed are done once before the others race for them.
    await deployment.startInstance(0);
    await Promise.all(ports.slice(1).map((_, i) => deployment.startInstance(i + 1)));
    deployment.nginx = await startNginx(dir, await freePort(), ports.map((port) => `127.0.0.1:${port}`));
    return deployment;
  }

  async startInstance(slot: number): Promise<ShopProcess> {
    const instance = await startShopProcess({ env: this.env, port: this.ports[slot]! });
    this.instances[slot] = instance;
    (this.history[slot] ??= []).push(instance);
    return instance;
  }

  kill(slot: number, signal: NodeJS.Signals): ShopProcess {
    const instance = this.instances[slot]!;
    instance.child.kill(signal);
    this.instances[slot] = undefined;
    return instance;
  }

  /** Requests each slot's processes logged as answered, whatever the status. */
  servedPerSlot(phase: string): number[] {
    return this.history.map((processes) =>
      processes.flatMap((instance) => instance.logs).filter((line) => typeof line.reqId === 'string' && line.reqId.startsWith(`${phase}.`) && line.res !== undefined)
        .length,
    );
  }

  /** Statuses nginx sent to clients in `phase`, counted. */
  statuses(phase: string): Map<number, number> {
    const counts = new Map<number, number>();
    for (const entry of readAccessLog(this.nginx.accessLog).filter((line) => line.requestId.startsWith(`${phase}.`))) {
      counts.set(entry.status, (counts.get(entry.status) ?? 0) + 1);
    }
    return counts;
  }

  async stop(): Promise<void> {
    await this.nginx?.stop();
    for (const instance of this.instances) {
      instance?.child.kill('SIGKILL');
    }
    await Promise.all(this.instances.map((instance) => instance?.exited));
  }
}
