'use strict'
// SessiondLease: one process's exclusive, renewed ownership of a session (POST /v1/sessions/{id}/lease).
// acquire() waits while another holder's lease is live; once granted the lease is renewed in the
// background, naming its token, and every write of the owner carries the token as its Fence. A renewal
// refused (the lease lapsed and another holder took it) ends it for good: `lost` turns true, onLost is
// called, and the owner's later writes are refused by sessiond (409 fenced) instead of overwriting the
// new owner's state.
const { hostname } = require('node:os')
const { randomBytes } = require('node:crypto')
const { setTimeout: sleep } = require('node:timers/promises')

class SessiondLease {
  /**
   * @param {import('./client.cjs').SessiondClient} client
   * @param {string} sessionId
   * @param {object} [o]
   * @param {string} [o.holder] unique per process (default host:pid:random)
   * @param {number} [o.ttlSeconds=30] how long the lease lasts unless renewed
   * @param {number} [o.renewEveryMs] default a third of the TTL
   * @param {number} [o.pollMs] how often a waiting process asks again (default a third of the TTL, at most 5 s)
   * @param {AbortSignal} [o.signal] stops waiting (acquire rejects) and renewing
   * @param {(error: Error) => void} [o.onLost] called once when the lease is lost
   */
  constructor (client, sessionId, { holder, ttlSeconds = 30, renewEveryMs, pollMs, signal, onLost } = {}) {
    this.client = client
    this.sessionId = sessionId
    this.holder = holder || `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
    this.ttlSeconds = ttlSeconds
    this.renewEveryMs = renewEveryMs ?? Math.max(100, ttlSeconds * 1000 / 3)
    this.pollMs = pollMs ?? Math.min(5000, Math.max(100, ttlSeconds * 1000 / 3))
    this.signal = signal
    this.onLost = onLost
    this.token = undefined
    this.expiresAt = 0
    this.lost = false
    this.stopped = false
    this.timer = null
  }

  /** Waits until this holder is granted the lease (while another holds it, asks again every pollMs). */
  async acquire () {
    this.stopped = false
    for (;;) {
      this.signal?.throwIfAborted()
      try {
        this.#granted(await this.client.acquireLease(this.sessionId, { holder: this.holder, ttlSeconds: this.ttlSeconds }))
        this.#schedule()
        return this
      } catch (e) {
        if (!e.leaseHeld) throw e
      }
      await sleep(this.pollMs, undefined, { signal: this.signal })
    }
  }

  /** Stops renewing and releases the lease at once, so a waiting process takes over without delay. */
  async release () {
    this.stop()
    if (this.token == null || this.lost) return false
    this.lost = true
    return this.client.releaseLease(this.sessionId, this.token)
  }

  /** Stops renewing, without releasing: the lease runs out by itself. */
  stop () {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  #granted (grant) {
    this.token = grant.token
    this.expiresAt = Date.parse(grant.expiresAt)
  }

  #schedule () {
    if (this.lost || this.stopped || this.signal?.aborted) return
    this.timer = setTimeout(() => this.#renew(), this.renewEveryMs)
    this.timer.unref?.()
  }

  async #renew () {
    this.timer = null
    try {
      const grant = await this.client.acquireLease(this.sessionId, { holder: this.holder, ttlSeconds: this.ttlSeconds, fence: this.token })
      if (this.stopped) return // stopped while the renewal was in flight: no more renewals
      this.#granted(grant)
    } catch (e) {
      // A renewal in flight when stop() was called reports nothing: the owner gave the lease up.
      if (this.stopped) return
      // A refusal is final: the lease lapsed (and maybe passed on). A failure to reach sessiond is
      // retried at the next tick until the lease has run out.
      if (e.status === 409 || Date.now() >= this.expiresAt) {
        this.#lose(e)
        return
      }
    }
    this.#schedule()
  }

  #lose (error) {
    if (this.lost) return
    this.lost = true
    this.stop()
    try {
      this.onLost?.(error)
    } catch {}
  }
}

module.exports = { SessiondLease }
