'use strict'
// Verifying a webhook delivery: `Sessiond-Signature: t=<unix seconds>,v1=<hex>` where <hex> is the
// HMAC-SHA256, keyed with the webhook's secret, of `${t}.` followed by the body's raw bytes.
const { createHmac, timingSafeEqual } = require('node:crypto')

const HEADER = /^t=(\d{1,15}),v1=([0-9a-f]{64})$/

/**
 * True when `header` (the Sessiond-Signature value) signs `rawBody` (the bytes as received, before any
 * JSON parsing: a Buffer, Uint8Array or string) with `secret`, and its timestamp is within
 * `toleranceSeconds` of `now` (a recorded delivery cannot be replayed later). Constant-time compare.
 */
function verifyWebhookSignature (secret, header, rawBody, { toleranceSeconds = 300, now = Date.now() } = {}) {
  if (typeof secret !== 'string' || secret === '') throw new TypeError('verifyWebhookSignature needs the webhook secret')
  if (rawBody == null) return false
  const m = HEADER.exec(typeof header === 'string' ? header.trim() : '')
  if (!m) return false
  if (Math.abs(now / 1000 - Number(m[1])) > toleranceSeconds) return false
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody
  const expected = createHmac('sha256', secret).update(`${m[1]}.`).update(body).digest()
  return timingSafeEqual(expected, Buffer.from(m[2], 'hex'))
}

module.exports = { verifyWebhookSignature }
