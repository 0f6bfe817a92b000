package io.sessiond.http;

/** What body a route reads: none, or JSON up to one of the configured size limits. */
enum BodyKind {
  /** No body is read. */
  NONE,
  /** JSON up to MAX_BODY_BYTES. */
  SMALL,
  /** JSON or merge-patch JSON up to MAX_BODY_BYTES. */
  MERGE_PATCH,
  /** JSON up to MAX_KEY_BATCH_BYTES. */
  KEY_BATCH,
  /** JSON up to MAX_IMPORT_BYTES. */
  IMPORT
}
