package io.sessiond.config;

import java.nio.file.Path;
import java.util.Set;

/**
 * Which store holds sessions, and the rules every store applies.
 *
 * @param kind                  memory, file or redis
 * @param dataDir               the file store's directory
 * @param autoRestore           restore stored sessions at start-up
 * @param defaultTtlSeconds     TTL of a session created without one (0 = none)
 * @param maxMessages           rolling window size per session
 * @param snapshotEvery         journal records between file-store snapshots
 * @param sweepIntervalMs       how often expired sessions are removed
 * @param credsHistory          creds versions kept per session (0 = none)
 */
public record StoreConfig(String kind, Path dataDir, boolean autoRestore, long defaultTtlSeconds, int maxMessages,
                          int snapshotEvery, long sweepIntervalMs, int credsHistory) {
  public static final String MEMORY = "memory";
  public static final String FILE = "file";
  public static final String REDIS = "redis";

  static StoreConfig from(Settings s) {
    return new StoreConfig(
        s.choice("SESSION_STORE", MEMORY, Set.of(MEMORY, FILE, REDIS)),
        Path.of(s.string("DATA_DIR", "./data")),
        s.bool("AUTO_RESTORE_SESSIONS", true),
        s.longValue("SESSION_TTL_SECONDS", 3600, 0, 10L * 365 * 24 * 3600),
        s.intValue("MAX_MESSAGES_PER_SESSION", 1000, 1, 1_000_000),
        s.intValue("SNAPSHOT_EVERY", 10_000, 1, 100_000_000),
        s.longValue("EXPIRY_SWEEP_INTERVAL_MS", 1000, 10, 3_600_000),
        s.intValue("CREDS_HISTORY", 5, 0, 100));
  }
}
