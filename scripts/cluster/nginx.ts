import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

import { waitForOk } from '../../test/helpers/shop-process.js';

/** The nginx configuration operators deploy; the cluster test runs nginx with exactly this file, rendered. */
export const NGINX_TEMPLATE = join(process.cwd(), 'deploy', 'nginx', 'shop.conf');

export interface RunningNginx {
  /** `http://127.0.0.1:<port>` */
  url: string;
  accessLog: string;
  errorLog: string;
  stop(): Promise<void>;
}

/** One line of the access log the test configures: which instance answered which request, and how. */
export interface AccessLogEntry {
  requestId: string;
  status: number;
  /** Every upstream nginx tried for the request, in order (more than one when it moved on after a failure). */
  upstreams: string[];
}

const internals = {
  logFormat: "'$shop_request_id $status \"$upstream_addr\"'",

  findNginx(): string {
    const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'];
    for (const dir of dirs.filter(Boolean)) {
      try {
        accessSync(join(dir, 'nginx'), constants.X_OK);
        return join(dir, 'nginx');
      } catch {
        // Not here.
      }
    }
    throw new Error('nginx was not found: install it (apt-get install nginx); .ci/run does');
  },
};

/** Fills in the template: `{{LISTEN}}`, `{{CACHE_DIR}}`, and the `server {{UPSTREAM}} …;` line once per upstream. */
export function renderShopConf(template: string, listen: string, upstreams: readonly string[], cacheDir: string): string {
  const lines = template.split('\n').flatMap((line) =>
    line.includes('{{UPSTREAM}}') ? upstreams.map((upstream) => line.replace('{{UPSTREAM}}', upstream)) : [line],
  );
  return lines.join('\n').replaceAll('{{LISTEN}}', listen).replaceAll('{{CACHE_DIR}}', cacheDir);
}

/**
 * Runs nginx in the foreground as a child of this process, with everything it writes (pid, logs, temp files) inside
 * `dir`, in front of `upstreams`. Resolves once it proxies: `/healthz` through it answers 200.
 */
export async function startNginx(dir: string, port: number, upstreams: readonly string[]): Promise<RunningNginx> {
  mkdirSync(join(dir, 'temp'), { recursive: true });
  const shopConf = join(dir, 'shop.conf');
  writeFileSync(shopConf, renderShopConf(readFileSync(NGINX_TEMPLATE, 'utf8'), `127.0.0.1:${port}`, upstreams, join(dir, 'cache')));
  const accessLog = join(dir, 'access.log');
  const temp = (name: string): string => join(dir, 'temp', name);
  const conf = [
    'daemon off;',
    'master_process on;',
    'worker_processes 2;',
    // As root, nginx would switch its workers to `nobody`, who cannot write to our private temp directory.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    `  client_body_temp_path ${temp('body')};`,
    `  proxy_temp_path ${temp('proxy')};`,
    `  fastcgi_temp_path ${temp('fastcgi')};`,
    `  uwsgi_temp_path ${temp('uwsgi')};`,
    `  scgi_temp_path ${temp('scgi')};`,
    `  include ${shopConf};`,
    `  log_format shop_test ${internals.logFormat};`,
    `  access_log ${accessLog} shop_test;`,
    '}',
    '',
  ].join('\n');
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);

  const child: ChildProcess = spawn(internals.findNginx(), ['-p', dir, '-c', confFile, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let running = true;
  const exited = once(child, 'exit').then(() => {
    running = false;
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForOk(`${url}/healthz`, 10_000, () => running);
  } catch (error) {
    child.kill('SIGKILL');
    let errorLog = '';
    try {
      errorLog = readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      // nginx died before writing one.
    }
    throw new Error(`nginx did not start: ${(error as Error).message}\n${stderr}${errorLog}`, { cause: error });
  }
  return {
    url,
    accessLog,
    errorLog: join(dir, 'error.log'),
    async stop() {
      if (running) {
        child.kill('SIGQUIT'); // graceful: finish what is in flight
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (running) {
          child.kill('SIGKILL');
          await exited;
        }
      }
    },
  };
}

/** Reads the access log written with the test's format. */
export function readAccessLog(file: string): AccessLogEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line): AccessLogEntry => {
      const match = /^(\S+) (\d+) "([^"]*)"$/.exec(line);
      if (!match) {
        throw new Error(`unexpected access log line: ${line}`);
      }
      return { requestId: match[1]!, status: Number(match[2]), upstreams: match[3]!.split(/\s*,\s*|\s+:\s+/).filter((part) => part.includes(':')) };
    });
}

/** How nginx's attempts to reach an instance failed, from the error log written after `offset` (a byte position). */
export interface UpstreamFailures {
  /** The instance was not listening: nothing was sent, and nginx moved on at once. */
  refused: number;
  /** The instance closed or reset a connection it had accepted, before answering: a request may have been cut off. */
  cutOff: number;
}

export function readUpstreamFailures(errorLog: string, offset: number): UpstreamFailures {
  const lines = readFileSync(errorLog, 'utf8').slice(offset).split('\n').filter((line) => line.includes('[error]'));
  return {
    refused: lines.filter((line) => line.includes('Connection refused')).length,
    cutOff: lines.filter((line) => /prematurely closed|reset by peer|broken pipe/i.test(line)).length,
  };
}
