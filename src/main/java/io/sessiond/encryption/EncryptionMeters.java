package io.sessiond.encryption;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code sessiond_encryption_rejected_total{field}}: stored values that failed to open and were not
 * served (tampered, copied from another session or field, or sealed under a key this daemon lacks).
 * {@code field} is one of data, creds, key, message, blob, answer (recorded under an Idempotency-Key),
 * unknown-key (bounded). Each is also logged at WARN with its tenant and session.
 */
final class EncryptionMeters {
  private final MeterRegistry registry;
  private final Map<String, Counter> rejected = new ConcurrentHashMap<>();

  EncryptionMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  void rejected(String field) {
    rejected.computeIfAbsent(field, f -> Counter.builder("sessiond.encryption.rejected")
        .description("Stored values that failed to open (encryption at rest) and were refused, never served")
        .tag("field", f).register(registry)).increment();
  }
}
