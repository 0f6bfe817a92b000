/**
 * Encryption at rest: every value a client stores (creds, key values, session data, messages, blob
 * chunks) is sealed with AES-256-GCM between the HTTP edge and the store ({@link
 * io.sessiond.encryption.SealingStoreClient}), bound to its tenant, session and field, under per-tenant
 * data keys that the master key wraps and that live in the store itself ({@link
 * io.sessiond.encryption.Keyring}). Also the start-up check of the master key and the online
 * re-encryption after a data-key rotation. docs/encryption.md describes the formats.
 */
package io.sessiond.encryption;
