/**
 * Tenants: their ids, API-key digests and limits, the registry the HTTP edge authenticates
 * against, and the per-tenant request-rate limiter. Plain API keys are hashed at start-up and dropped.
 */
package io.sessiond.tenant;
