import { PassThrough } from 'node:stream';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import type { Io } from '../../cli/io.js';
import { chooseOutput, Output } from '../../cli/output.js';
import { tone } from '../../cli/ui/theme.js';

export const lab = Lab.script();
const { describe, it } = lab;

function io(tty: { stdout?: boolean; stderr?: boolean }): Io & { text(): string } {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return {
    stdin: new PassThrough(),
    stdout,
    stderr: new PassThrough(),
    stdinIsTTY: false,
    stdoutIsTTY: tty.stdout === true,
    stderrIsTTY: tty.stderr === true,
    columns: 80,
    text: () => text,
  };
}

describe('choosing the output', () => {
  const terminal = io({ stdout: true, stderr: true });
  const flags = { json: false, color: true };

  it('draws views in colour on a terminal', () => {
    expect(chooseOutput(terminal, {}, flags)).to.equal({ mode: 'tty', color: true, animate: true });
  });

  it('prints plain lines without colour or spinners when stdout is not a terminal', () => {
    expect(chooseOutput(io({ stderr: true }), {}, flags)).to.equal({ mode: 'plain', color: false, animate: false });
  });

  it('prints JSON with --json even on a terminal, without colour or spinners', () => {
    expect(chooseOutput(terminal, {}, { json: true, color: true })).to.equal({ mode: 'json', color: false, animate: false });
  });

  it('turns colour off for --no-color', () => {
    expect(chooseOutput(terminal, {}, { json: false, color: false }).color).to.be.false();
  });

  it('turns colour off for a non-empty NO_COLOR, and leaves it on for an empty one', () => {
    expect(chooseOutput(terminal, { NO_COLOR: '1' }, flags).color).to.be.false();
    expect(chooseOutput(terminal, { NO_COLOR: '' }, flags).color).to.be.true();
  });

  it('turns colour and spinners off for TERM=dumb', () => {
    expect(chooseOutput(terminal, { TERM: 'dumb' }, flags)).to.equal({ mode: 'tty', color: false, animate: false });
  });

  it('shows no spinner when stderr is not a terminal', () => {
    expect(chooseOutput(io({ stdout: true }), {}, flags).animate).to.be.false();
  });

  it('gives views no styling at all when colour is off', () => {
    expect(tone({ color: false }, 'danger')).to.equal({});
    expect(tone({ color: false }, 'heading')).to.equal({});
    expect(tone({ color: true }, 'danger')).to.equal({ color: 'red' });
  });
});

describe('Output', () => {
  const view = {
    json: (items: string[]) => ({ items }),
    plain: (items: string[]) => items.map((item, index) => [index, item, null]),
  };
  const neverLoadUi = () => Promise.reject(new Error('Ink must not be loaded'));

  it('writes tab-separated lines with control characters removed from server text', async () => {
    const streams = io({});
    const output = new Output(streams, { mode: 'plain', color: false, animate: false }, neverLoadUi);

    await output.show(view, ['a\tb', 'evil\u001b[2Jname\nnext']);

    expect(streams.text()).to.equal('0\ta b\t\n1\tevil[2Jname next\t\n');
  });

  it('writes exactly one JSON document', async () => {
    const streams = io({});
    const output = new Output(streams, { mode: 'json', color: false, animate: false }, neverLoadUi);

    await output.show(view, ['x']);

    expect(JSON.parse(streams.text())).to.equal({ items: ['x'] });
  });

  it('waits without a spinner, and without loading Ink, when not animating', async () => {
    const output = new Output(io({}), { mode: 'plain', color: false, animate: false }, neverLoadUi);

    expect(await output.waitFor('Working…', Promise.resolve(42))).to.equal(42);
  });
});
