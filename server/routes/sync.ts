import type { Plugin } from '@hapi/hapi';

import { MAX_PUSH_PAYLOAD_BYTES } from '../../shared/limits.js';
import { Headers, Paths } from '../../shared/http.js';
import type { ChangeOp, PushRequest } from '../../shared/wire.js';
import { currentUser } from '../auth/strategy.js';
import { forgetDevice, pushChanges, type SequencedChange } from '../domain/sync.js';
import type { RouteDeps } from './deps.js';
import { requestFingerprint, userScope } from './idempotency.js';
import { DeviceParams, PushPayload } from './schemas.js';

const internals = {
  /**
   * The method, path and body the single request for `op` had: a change queued by an older `shop` may have been sent
   * that way with its key, and its record carries this fingerprint.
   */
  singleRequest(op: ChangeOp): [method: string, path: string, payload: unknown] {
    switch (op.kind) {
      case 'cart.add':
        return ['POST', Paths.cartItems, { sku: op.sku, quantity: op.quantity }];
      case 'cart.set':
        return ['PUT', Paths.cartItem(op.sku), { quantity: op.quantity }];
      case 'cart.remove':
        return ['DELETE', Paths.cartItem(op.sku), null];
      case 'cart.clear':
        return ['DELETE', Paths.cart, null];
      case 'prefs.set':
        return ['PUT', Paths.preference(op.key), { value: op.value }];
      case 'prefs.unset':
        return ['DELETE', Paths.preference(op.key), null];
      case 'order.place':
        return ['POST', Paths.orders, { expect: op.expect }];
    }
  },
};

/** Queued changes of the CLI's devices: applied in order, each exactly once, in batches. */
export const syncRoutes: Plugin<RouteDeps> = {
  name: 'shop-sync',
  register(server, { store, now, config }) {
    server.route([
      {
        method: 'POST',
        path: Paths.syncPush,
        options: {
          description: 'Apply a device\'s queued changes in order, each exactly once, each with its own result',
          payload: { maxBytes: MAX_PUSH_PAYLOAD_BYTES },
          validate: { payload: PushPayload },
          handler: async (request, h) => {
            const userId = currentUser(request).id;
            const push = request.payload as PushRequest;
            const changes = push.changes.map((change): SequencedChange => {
              if (change.key === undefined) {
                return { seq: change.seq, op: change.op };
              }
              const [method, path, payload] = internals.singleRequest(change.op);
              const legacy = { scope: userScope(userId), key: change.key, fingerprint: requestFingerprint(method, path, payload) };
              return { seq: change.seq, op: change.op, legacy };
            });
            const deps = { store, now, maxDevices: config.maxDevicesPerUser, retentionSeconds: config.idempotency.retentionSeconds };
            const response = await pushChanges(deps, userId, push.deviceId, push.firstPush, changes);
            const repeats = response.results.filter((result) => result.outcome === 'repeat').length;
            const reply = h.response(response).code(200);
            return repeats > 0 ? reply.header(Headers.repeatedChanges, String(repeats)) : reply;
          },
        },
      },
      {
        method: 'DELETE',
        path: '/sync/devices/{deviceId}',
        options: {
          description: 'Forget a device (its logout with nothing left queued); answers 204 whether it was known or not',
          validate: { params: DeviceParams },
          handler: async (request, h) => {
            await forgetDevice(store, currentUser(request).id, (request.params as { deviceId: string }).deviceId);
            return h.response().code(204);
          },
        },
      },
    ]);
  },
};
