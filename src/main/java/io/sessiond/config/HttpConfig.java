package io.sessiond.config;

/**
 * The HTTP edge.
 *
 * @param host             interface to bind
 * @param port             port to listen on
 * @param instances        HTTP verticle instances (one per core by default)
 * @param maxBodyBytes     largest session, creds, message or query body
 * @param maxKeyBatchBytes largest key batch body
 * @param maxImportBytes   largest import body
 * @param requestTimeoutMs how long the edge waits for the store before answering 503
 * @param maxBlobBytes     largest blob upload (streamed in chunks, never held whole)
 * @param headerTimeoutMs  how long a new connection may take to send a request's headers
 * @param idleTimeoutMs    how long a connection may go without starting its next request (keep-alive)
 * @param tlsCertFile      PEM certificate chain of the HTTPS server, or {@code null} for plain HTTP
 * @param tlsKeyFile       PEM private key of that certificate, or {@code null}
 * @param tlsReloadIntervalMs how often the two files are checked for a new certificate (0 = never)
 * @param maxKeysPerBatch  most keys one key batch may name (one bounded Redis call)
 * @param idempotencyTtlSeconds how long the outcome of a request with an {@code Idempotency-Key} is kept
 */
public record HttpConfig(String host, int port, int instances, long maxBodyBytes, long maxKeyBatchBytes,
                         long maxImportBytes, long requestTimeoutMs, long maxBlobBytes, long headerTimeoutMs,
                         long idleTimeoutMs, String tlsCertFile, String tlsKeyFile, long tlsReloadIntervalMs,
                         int maxKeysPerBatch, long idempotencyTtlSeconds) {

  static HttpConfig from(Settings s) {
    String cert = readableFile(s, "TLS_CERT_FILE");
    String key = readableFile(s, "TLS_KEY_FILE");
    if ((cert == null) != (key == null)) {
      throw new ConfigException(cert == null ? "TLS_CERT_FILE" : "TLS_KEY_FILE",
          "is required with " + (cert == null ? "TLS_KEY_FILE" : "TLS_CERT_FILE") + " (HTTPS needs both, PEM)");
    }
    return new HttpConfig(
        s.string("HTTP_HOST", "0.0.0.0"),
        s.intValue("HTTP_PORT", 8080, 0, 65535),
        s.intValue("HTTP_INSTANCES", Runtime.getRuntime().availableProcessors(), 1, 256),
        s.longValue("MAX_BODY_BYTES", 1L << 20, 1024, 1L << 30),
        s.longValue("MAX_KEY_BATCH_BYTES", 8L << 20, 1024, 1L << 30),
        s.longValue("MAX_IMPORT_BYTES", 32L << 20, 1024, 1L << 31),
        s.longValue("REQUEST_TIMEOUT_MS", 5000, 100, 600_000),
        s.longValue("MAX_BLOB_BYTES", 64L << 20, 0, 1L << 40),
        s.longValue("HTTP_HEADER_TIMEOUT_MS", 10_000, 100, 600_000),
        // Longer than a load balancer's idle keep-alive (nginx: 60 s), so the balancer closes first.
        s.longValue("HTTP_IDLE_TIMEOUT_MS", 75_000, 1_000, 3_600_000),
        cert, key,
        s.longValue("TLS_RELOAD_INTERVAL_MS", 60_000, 0, 86_400_000),
        s.intValue("MAX_KEYS_PER_BATCH", 10_000, 1, 1_000_000),
        s.longValue("IDEMPOTENCY_TTL_SECONDS", 86_400, 1, 30L * 86_400));
  }

  /** Whether the API port speaks HTTPS. */
  public boolean tls() {
    return tlsCertFile != null;
  }

  private static String readableFile(Settings s, String name) {
    String path = s.optional(name);
    if (path != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(path))) {
      throw new ConfigException(name, "file " + path + " does not exist or cannot be read");
    }
    return path;
  }
}
