import Joi from 'joi';

import {
  DEVICE_ID_PATTERN,
  MAX_CHANGE_SEQUENCE,
  MAX_PUSH_CHANGES,
  DEFAULT_PRODUCT_PAGE,
  EMAIL_MAX_LENGTH,
  DEFAULT_ORDER_PAGE,
  IDEMPOTENCY_KEY_PATTERN,
  MAX_CART_LINES,
  MAX_ORDER_PAGE,
  MAX_PRODUCT_PAGE,
  MAX_QUERY_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PREFERENCE_KEY_PATTERN,
  SKU_PATTERN,
} from '../../shared/limits.js';

/** joi schemas for the wire types in shared/wire.ts. Objects reject unknown keys (joi's default). */

export const email = Joi.string().trim().email({ tlds: false }).max(EMAIL_MAX_LENGTH).required();
export const password = Joi.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH).required();
/** SKUs are upper case; one typed in lower case (`mug-blue`) is taken as `MUG-BLUE`. */
export const sku = Joi.string().uppercase().pattern(SKU_PATTERN, 'SKU').required();
/** Quantity ranges are domain rules answered with QUANTITY_LIMIT; joi only insists on a whole number. */
export const quantity = Joi.number().integer().strict().required();
export const preferenceKey = Joi.string().pattern(PREFERENCE_KEY_PATTERN, 'preference key').required();

/** A guest's access token, on login and registration: that guest is merged into the account. */
const guestToken = Joi.string().min(1).max(4096).pattern(/^[A-Za-z0-9_.-]+$/, 'JWT');
export const CredentialsPayload = Joi.object({ email, password, guestToken });
export const RefreshPayload = Joi.object({ refreshToken: Joi.string().min(1).max(512).required() });
export const LogoutPayload = Joi.object({
  refreshToken: Joi.string().min(1).max(512),
  all: Joi.boolean().strict(),
}).allow(null);

/** `?currency=`: an ISO 4217 code; a product without a price in it shows its catalogue-currency price. */
const currency = Joi.string().pattern(/^[A-Z]{3}$/, 'ISO 4217 currency code');

export const ProductQuery = Joi.object({
  // No control characters: no product contains one, and Postgres cannot even hold a NUL in a text parameter.
  q: Joi.string().trim().max(MAX_QUERY_LENGTH).pattern(/^\P{Cc}*$/u, 'printable text').allow(''),
  currency,
  limit: Joi.number().integer().min(1).max(MAX_PRODUCT_PAGE).default(DEFAULT_PRODUCT_PAGE),
  offset: Joi.number().integer().min(0).max(1_000_000).default(0),
});
export const SkuParams = Joi.object({ sku });
export const ProductCurrencyQuery = Joi.object({ currency });

export const AddItemPayload = Joi.object({ sku, quantity }).required();
export const SetItemPayload = Joi.object({ quantity }).required();

export const PreferenceKeyParams = Joi.object({ key: preferenceKey });
export const SetPreferencePayload = Joi.object({
  value: Joi.alternatives(Joi.string().allow(''), Joi.number(), Joi.boolean(), Joi.valid(null)).required(),
}).required();

/** Every mutation may carry an `Idempotency-Key`: 1–255 visible ASCII characters. */
export const MutationHeaders = Joi.object({
  'idempotency-key': Joi.string().pattern(IDEMPOTENCY_KEY_PATTERN, 'Idempotency-Key'),
}).unknown(true);

/** Cart mutations also take `If-Match`: our own strong ETag, or `*`. Anything else is a 400, not a silent pass. */
export const CartMutationHeaders = MutationHeaders.keys({
  'if-match': Joi.string().pattern(/^(\*|(W\/)?"\d{1,15}")$/, 'cart ETag'),
});

/** The current password is only compared, so any length is accepted; the new one follows the registration rules. */
const currentPassword = Joi.string().min(1).max(PASSWORD_MAX_LENGTH).required();
export const ChangePasswordPayload = Joi.object({
  currentPassword,
  newPassword: password.invalid(Joi.ref('currentPassword')).messages({ 'any.invalid': '"newPassword" must differ from "currentPassword"' }),
}).required();
export const DeleteAccountPayload = Joi.object({ password: currentPassword }).required();

/** `POST /orders`: no body, or the price guard. Its numbers are checked against the cart, so joi only checks their shape. */
const expectedOrder = Joi.object({
  lines: Joi.array()
    .items(Joi.object({ sku, quantity: Joi.number().integer().strict().min(1).required(), unitPrice: Joi.number().integer().strict().min(0).required() }))
    .max(MAX_CART_LINES)
    .required(),
  subtotal: Joi.number().integer().strict().min(0).required(),
  currency: Joi.string().pattern(/^[A-Z]{3}$/, 'currency').required(),
});
export const CheckoutPayload = Joi.object({ expect: expectedOrder }).allow(null);
export const OrderQuery = Joi.object({
  limit: Joi.number().integer().min(1).max(MAX_ORDER_PAGE).default(DEFAULT_ORDER_PAGE),
  offset: Joi.number().integer().min(0).max(1_000_000).default(0),
});
export const OrderParams = Joi.object({ id: Joi.string().guid({ version: 'uuidv4' }).required() });

const preferenceValue = Joi.alternatives(Joi.string().allow(''), Joi.number(), Joi.boolean(), Joi.valid(null)).required();

/** One queued change: the shape of `ChangeOp` in shared/wire.ts. Limits (quantities, counts) are the rules' to refuse. */
const ChangeOpSchema = Joi.alternatives().conditional('.kind', {
  switch: [
    { is: 'cart.add', then: Joi.object({ kind: Joi.valid('cart.add').required(), sku, quantity }) },
    { is: 'cart.set', then: Joi.object({ kind: Joi.valid('cart.set').required(), sku, quantity }) },
    { is: 'cart.remove', then: Joi.object({ kind: Joi.valid('cart.remove').required(), sku }) },
    { is: 'cart.clear', then: Joi.object({ kind: Joi.valid('cart.clear').required() }) },
    { is: 'prefs.set', then: Joi.object({ kind: Joi.valid('prefs.set').required(), key: preferenceKey, value: preferenceValue }) },
    { is: 'prefs.unset', then: Joi.object({ kind: Joi.valid('prefs.unset').required(), key: preferenceKey }) },
    // Queued offline, an order always carries its price guard: the cart's version by then is unknown to the client.
    { is: 'order.place', then: Joi.object({ kind: Joi.valid('order.place').required(), expect: expectedOrder.required() }) },
  ],
  otherwise: Joi.object({ kind: Joi.valid('cart.add', 'cart.set', 'cart.remove', 'cart.clear', 'prefs.set', 'prefs.unset', 'order.place').required() }).unknown(true),
});

export const deviceId = Joi.string().pattern(DEVICE_ID_PATTERN, 'device id').required();

export const DeviceParams = Joi.object({ deviceId });

/** `POST /sync/push`. Sequences must rise strictly within a batch: the order they are applied in is the order sent. */
export const PushPayload = Joi.object({
  deviceId,
  firstPush: Joi.boolean().strict().required(),
  changes: Joi.array()
    .items(
      Joi.object({
        seq: Joi.number().integer().strict().min(1).max(MAX_CHANGE_SEQUENCE).required(),
        op: ChangeOpSchema.required(),
        key: Joi.string().pattern(IDEMPOTENCY_KEY_PATTERN, 'Idempotency-Key'),
      }),
    )
    .min(1)
    .max(MAX_PUSH_CHANGES)
    .required()
    .custom((changes: Array<{ seq: number }>, helpers) => {
      for (let index = 1; index < changes.length; index++) {
        if ((changes[index]?.seq ?? 0) <= (changes[index - 1]?.seq ?? 0)) {
          return helpers.message({ custom: '"changes" must be in strictly increasing "seq" order' });
        }
      }
      return changes;
    }),
}).required();
