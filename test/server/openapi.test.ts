import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';
import { Validator } from '@seriousme/openapi-schema-validator';

import { backends, type OpenBackend } from '../helpers/backends.js';
import { buildServer } from '../helpers/server.js';

export const lab = Lab.script();
const { describe, it, before, after } = lab;

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

describe('GET /openapi.json', () => {
  let db: OpenBackend;

  before(async () => {
    db = await backends[0]!.open();
  });

  after(() => db.dispose());

  it('is a valid OpenAPI 3 document', async () => {
    const server = await buildServer({ store: db.store });
    const res = await server.inject('/openapi.json');
    expect(res.statusCode).to.equal(200);
    const document = JSON.parse(res.payload) as OpenApiDocument;
    expect(document.openapi).to.startWith('3.0');
    // A string would be taken for a file name: hand it the parsed document.
    const result = await new Validator().validate(JSON.parse(res.payload) as Record<string, unknown>);
    expect(result.errors ?? []).to.equal([]);
    expect(result.valid).to.be.true();
  });

  it('lists every route of the server, with its method', async () => {
    const server = await buildServer({ store: db.store });
    const document = JSON.parse((await server.inject('/openapi.json')).payload) as OpenApiDocument;
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
    const routes = server
      .table()
      .filter((route) => !['hapi-swagger', '@hapi/inert', '@hapi/vision', 'shop-openapi'].includes(route.realm.plugin ?? ''))
      .map((route) => `${route.method} ${route.path}`);
    expect(routes.length).to.be.at.least(15);
    expect(documented.sort()).to.equal(routes.sort());
  });

  it('says which routes need a bearer token, and describes bodies, parameters and headers from the validators', async () => {
    const server = await buildServer({ store: db.store });
    const document = JSON.parse((await server.inject('/openapi.json')).payload) as OpenApiDocument;
    expect(document.components?.securitySchemes).to.equal({ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
    expect(document.paths['/cart']!.get!.security).to.equal([{ bearerAuth: [] }]);
    expect(document.paths['/auth/login']!.post!.security).to.not.exist();
    expect(document.paths['/products']!.get!.security).to.not.exist();
    expect(document.paths['/auth/login']!.post!.requestBody).to.exist();
    const addItem = document.paths['/cart/items']!.post!;
    expect(addItem.parameters!.map((parameter) => `${parameter.in}:${parameter.name}`)).to.include(['header:idempotency-key', 'header:if-match']);
    expect(document.paths['/products/{sku}']!.get!.parameters!.map((parameter) => parameter.name)).to.include('sku');
  });

  it('lists the account routes, with their bodies and the bearer token they need', async () => {
    const server = await buildServer({ store: db.store });
    const document = JSON.parse((await server.inject('/openapi.json')).payload) as OpenApiDocument;
    for (const operation of [document.paths['/me/password']!.post!, document.paths['/me']!.delete!]) {
      expect(operation.security).to.equal([{ bearerAuth: [] }]);
      expect(operation.requestBody).to.exist();
    }
    expect(document.paths['/me/export']!.get!.security).to.equal([{ bearerAuth: [] }]);
  });

  it('serves the documentation page', async () => {
    const server = await buildServer({ store: db.store });
    const res = await server.inject('/docs');
    expect(res.statusCode).to.equal(200);
    expect(String(res.headers['content-type'])).to.startWith('text/html');
    expect(res.payload).to.include('/docs/init.js');
    expect((await server.inject('/docs/init.js')).payload).to.include('/openapi.json');
  });
});
