import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

import { parseServerArgs } from '../../server/args.js';
import { ConfigError } from '../../server/config-error.js';

export const lab = Lab.script();
const { describe, it } = lab;

describe('parseServerArgs', () => {
  it('takes --workers N and --workers=N', () => {
    expect(parseServerArgs(['--workers', '4'])).to.equal({ workers: '4', help: false });
    expect(parseServerArgs(['--workers=2'])).to.equal({ workers: '2', help: false });
    expect(parseServerArgs([])).to.equal({ help: false });
  });

  it('asks for help with -h or --help', () => {
    expect(parseServerArgs(['-h']).help).to.be.true();
    expect(parseServerArgs(['--help']).help).to.be.true();
  });

  it('refuses an unknown argument and a --workers without a value', () => {
    expect(() => parseServerArgs(['--port', '80'])).to.throw(ConfigError, /unknown argument "--port"/);
    expect(() => parseServerArgs(['--workers'])).to.throw(ConfigError, /needs a number/);
  });
});
