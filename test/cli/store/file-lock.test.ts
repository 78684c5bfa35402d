import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { type LockHolder, withFileLock } from '../../../cli/store/file-lock.js';
import { makeConfigDir } from '../../helpers/cli.js';

export const lab = Lab.script();
const { describe, it, beforeEach, afterEach } = lab;

/** A machine where only the listed process ids are running. */
function holderOn(host: string, pid: number, running: readonly number[]): LockHolder {
  return { pid, host, isAlive: (other) => running.includes(other) };
}

describe('the file lock', () => {
  let dir: { path: string; remove(): Promise<void> };
  let lockPath: string;

  beforeEach(async () => {
    dir = await makeConfigDir();
    lockPath = join(dir.path, 'outbox.lock');
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('lets one holder in at a time', async () => {
    const events: string[] = [];
    const hold = (name: string) =>
      withFileLock(lockPath, async () => {
        events.push(`${name} in`);
        await sleep(20);
        events.push(`${name} out`);
      }, { pollMs: 2 });

    await Promise.all([hold('a'), hold('b'), hold('c')]);

    for (let index = 0; index < events.length; index += 2) {
      expect(events[index]?.replace(' in', '')).to.equal(events[index + 1]?.replace(' out', ''));
    }
  });

  it('takes over at once a lock whose holder died on this machine', async () => {
    await writeFile(lockPath, JSON.stringify({ pid: 4242, host: 'laptop', token: 'dead' }));
    const started = Date.now();

    const result = await withFileLock(lockPath, async () => 'in', { holder: holderOn('laptop', 1, [1]), staleMs: 60_000 });

    expect(result).to.equal('in');
    expect(Date.now() - started).to.be.below(1_000);
  });

  it('waits for a holder that is still running, however old its lock', async () => {
    await writeFile(lockPath, JSON.stringify({ pid: 7, host: 'laptop', token: 'alive' }));
    const old = new Date(Date.now() - 5_000);
    await utimes(lockPath, old, old);

    const attempt = withFileLock(lockPath, async () => 'in', { holder: holderOn('laptop', 1, [1, 7]), staleMs: 60_000, pollMs: 5 });
    const outcome = await Promise.race([attempt, sleep(100, 'still waiting')]);

    expect(outcome).to.equal('still waiting');
    await writeFile(lockPath, '');
    await utimes(lockPath, new Date(0), new Date(0));
    expect(await attempt).to.equal('in');
  });

  it('judges a lock from another machine by its age alone', async () => {
    // Process 4242 is not running here, but the lock is another machine's: that says nothing.
    await writeFile(lockPath, JSON.stringify({ pid: 4242, host: 'desktop', token: 'elsewhere' }));

    const attempt = withFileLock(lockPath, async () => 'in', { holder: holderOn('laptop', 1, [1]), staleMs: 60_000, pollMs: 5 });

    expect(await Promise.race([attempt, sleep(50, 'still waiting')])).to.equal('still waiting');
    await utimes(lockPath, new Date(0), new Date(0));
    expect(await attempt).to.equal('in');
  });

  it('keeps a long holder fresh with its heartbeat, so nobody takes its lock', async () => {
    let overlapped = false;
    let inside = false;
    const long = withFileLock(lockPath, async () => {
      inside = true;
      await sleep(800);
      inside = false;
    }, { staleMs: 400, heartbeatMs: 40 });
    await sleep(20);

    await withFileLock(lockPath, async () => {
      overlapped = inside;
    }, { staleMs: 400, pollMs: 5 });
    await long;

    expect(overlapped).to.be.false();
  });

  it('does not remove a lock that became someone else\'s after it was taken over', async () => {
    await withFileLock(lockPath, async () => {
      // Another process judged this holder dead and took the lock over.
      await writeFile(lockPath, JSON.stringify({ pid: 9, host: 'laptop', token: 'successor' }));
    });

    expect(JSON.parse(await readFile(lockPath, 'utf8'))).to.include({ token: 'successor' });
  });
});
