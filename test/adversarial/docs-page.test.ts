/*
 * `/docs` on the API's own origin: a link to it must not be able to show someone else's OpenAPI document (with their
 * text and links), and the page's Content-Security-Policy must keep it to this origin whatever it is handed.
 */
import { expect } from '@hapi/code';
import type { Server } from '@hapi/hapi';
import * as Lab from '@hapi/lab';

import { backends, type OpenBackend } from '../helpers/backends.js';
import { buildServer } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

const internals = {
  /** The directives of a Content-Security-Policy header, by name. */
  directives(header: unknown): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const part of String(header ?? '').split(';')) {
      const [name, ...values] = part.trim().split(/\s+/);
      if (name) {
        map.set(name, values);
      }
    }
    return map;
  },
};

describe('the documentation page', () => {
  let db: OpenBackend;
  let server: Server;

  before(async () => {
    db = await backends[0]!.open();
    server = await buildServer({ store: db.store });
  });

  after(() => db.dispose());

  it('loads only its own /openapi.json, whatever ?url= says', async () => {
    const res = await server.inject('/docs?url=https%3A%2F%2Fevil.example%2Fapi.json');
    expect(res.statusCode).to.equal(200);
    expect(res.payload).to.not.include('location');
    expect(res.payload).to.not.include('evil.example');
    // Every script is a file of this origin: none inline, so nothing reads the query string in the page itself.
    const scripts = [...res.payload.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).to.be.at.least(1);
    for (const [, attributes, body] of scripts) {
      expect(body!.trim()).to.equal('');
      expect(attributes).to.match(/src="\/[^/]/);
    }
    const init = await server.inject('/docs/init.js');
    expect(init.statusCode).to.equal(200);
    expect(init.payload).to.include("url: '/openapi.json'");
    expect(init.payload).to.include('queryConfigEnabled: false');
    expect(init.payload).to.not.include('location');
  });

  it('sends a Content-Security-Policy that allows scripts, styles and fetches from this origin only', async () => {
    const res = await server.inject('/docs');
    const csp = internals.directives(res.headers['content-security-policy']);
    expect(csp.get('default-src')).to.equal(["'none'"]);
    expect(csp.get('script-src')).to.equal(["'self'"]);
    expect(csp.get('connect-src')).to.equal(["'self'"]);
    expect(csp.get('img-src')).to.equal(["'self'", 'data:']);
    expect(csp.get('frame-ancestors')).to.equal(["'none'"]);
    expect(csp.get('base-uri')).to.equal(["'none'"]);
    expect(csp.get('form-action')).to.equal(["'none'"]);
    for (const values of csp.values()) {
      expect(values.join(' ')).to.not.include('*');
      expect(values.join(' ')).to.not.include('http');
    }
  });

  it('serves the Swagger UI files the page names', async () => {
    const page = (await server.inject('/docs')).payload;
    const assets = [...page.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).to.be.at.least(4);
    for (const asset of assets) {
      expect((await server.inject(asset)).statusCode, asset).to.equal(200);
    }
  });
});
