import type { Request } from '@hapi/hapi';

const internals = {
  methods: ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'] as const,
};

/**
 * The methods the path of a request hapi found no route for does take, sorted, with HEAD wherever GET is (hapi answers
 * it). Empty when no route has the path at all: then 404 is the right answer, and otherwise 405 with these in `Allow`.
 */
export function allowedMethods(request: Request): string[] {
  const allowed: string[] = [];
  for (const method of internals.methods) {
    if (request.server.match(method, request.path) !== null) {
      allowed.push(method);
      if (method === 'GET') {
        allowed.push('HEAD');
      }
    }
  }
  return allowed;
}
