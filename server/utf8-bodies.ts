import { isUtf8 } from 'node:buffer';

import type { Plugin, Request } from '@hapi/hapi';

import { ShopError } from './domain/errors.js';

declare module '@hapi/hapi' {
  interface RequestApplicationState {
    /** The raw bytes of the body as they arrived, kept only until they are checked to be UTF-8. */
    bodyChunks?: Buffer[];
  }
}

/**
 * Refuses a body that is not valid UTF-8 with 400 `INVALID_JSON` (JSON is UTF-8, RFC 8259 §8.1). hapi decodes bodies
 * leniently, turning bad bytes into U+FFFD, so two different byte strings would become one email or password. The bytes
 * are watched as hapi reads them and checked before validation. A compressed body is checked by none of this: the
 * bytes seen are the compressed ones. {@link watchBody} runs in the server's one `onRequest` extension.
 */
export const utf8Bodies: Plugin<void> = {
  name: 'shop-utf8-bodies',
  register(server) {
    server.ext('onPostAuth', (request, h) => {
      const chunks = request.app.bodyChunks;
      if (chunks !== undefined) {
        request.app.bodyChunks = undefined;
        if (!isUtf8(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))) {
          throw new ShopError('INVALID_JSON', 'Request body is not valid UTF-8');
        }
      }
      return h.continue;
    });
  },
};

/** Starts keeping the bytes of a request's body as hapi reads them, for the check before validation. */
export function watchBody(request: Request): void {
  const headers = request.headers;
  const encoding = headers['content-encoding'];
  if ((headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) && (encoding === undefined || encoding === 'identity')) {
    const chunks: Buffer[] = [];
    request.app.bodyChunks = chunks;
    request.events.on('peek', (chunk: Buffer | string) => void chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
  }
}
