/** Limits both sides enforce; the server is the authority, the CLI checks early to give a better message. */

/** Most units of one SKU in a cart. */
export const MAX_LINE_QUANTITY = 99;
/** Most distinct lines in one cart. */
export const MAX_CART_LINES = 100;
/** Most preferences one user may keep. */
export const MAX_PREFERENCES = 100;
/** Preference keys: a lower-case letter, then up to 63 of `a-z 0-9 . _ -`. */
export const PREFERENCE_KEY_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;
/** Largest preference value, measured as UTF-8 bytes of its JSON encoding. */
export const MAX_PREFERENCE_VALUE_BYTES = 1024;
/** Password length bounds, in characters. The upper bound keeps scrypt input bounded. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
/** Longest email address accepted (RFC 5321 path limit). */
export const EMAIL_MAX_LENGTH = 254;
/** SKUs: upper-case letters, digits and dashes. */
export const SKU_PATTERN = /^[A-Z0-9][A-Z0-9-]{0,63}$/;
/** Product listing page size. */
export const DEFAULT_PRODUCT_PAGE = 20;
export const MAX_PRODUCT_PAGE = 100;
/** Longest product search query. */
export const MAX_QUERY_LENGTH = 100;
/** Largest JSON request body the server reads, in bytes. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
/** Idempotency keys: 1–255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Order listing page size. */
export const DEFAULT_ORDER_PAGE = 20;
export const MAX_ORDER_PAGE = 100;
/** Most changes one `POST /sync/push` carries; `shop sync` sends longer queues in batches of this size. */
export const MAX_PUSH_CHANGES = 100;
/** Largest `POST /sync/push` body, in bytes: a full batch of preference changes at their largest fits. */
export const MAX_PUSH_PAYLOAD_BYTES = 256 * 1024;
/** Device ids: 16–64 characters of `A-Z a-z 0-9 _ -` (the CLI makes 22-character random ones). */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
/** Change sequence numbers are positive safe integers. */
export const MAX_CHANGE_SEQUENCE = Number.MAX_SAFE_INTEGER;
