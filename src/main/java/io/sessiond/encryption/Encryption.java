package io.sessiond.encryption;

import io.micrometer.core.instrument.MeterRegistry;
import io.sessiond.config.EncryptionConfig;
import io.sessiond.store.StoreAccess;
import io.sessiond.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.function.Function;

/**
 * Encryption at rest as the daemon's assembly sees it: how the HTTP edge's store access is wrapped
 * so that values are sealed, and the start-up check of the master key. Off when no master key is
 * configured; the check still runs then, and refuses a store that holds encrypted data.
 */
public final class Encryption {
  private final EncryptionConfig config;
  private final MasterKeys master;
  private final EncryptionMeters meters;

  public Encryption(EncryptionConfig config, MeterRegistry registry) {
    this.config = config;
    this.master = config.enabled() ? new MasterKeys(config.masterKey(), config.previousMasterKey()) : null;
    this.meters = new EncryptionMeters(registry);
  }

  /** The reserved tenant that holds the canary, every tenant's keyring and rotation progress. */
  public static final String RESERVED_TENANT = Keyring.TENANT;

  /**
   * The sessions of {@link #RESERVED_TENANT} that hold {@code tenant}'s key material (its keyring of
   * wrapped data keys) and its rotation progress: deleting them makes every value sealed for that
   * tenant unreadable, wherever a copy of it is left (crypto-shredding).
   */
  public static List<String> keyMaterialOf(String tenant) {
    return List.of(Keyring.PREFIX + tenant, KeyRotation.PREFIX + tenant);
  }

  public boolean enabled() {
    return master != null;
  }

  /** The edge's access: each client it opens seals and opens values ({@code raw} itself when off). */
  public StoreAccess seal(StoreAccess raw) {
    if (!enabled()) {
      return raw;
    }
    return vertx -> raw.open(vertx).map(client -> new SealingStoreClient(vertx, client,
        new Keyring(master, config.keyringRefreshMs()), config.keyringRefreshMs(), config.rotationLeaseMs(),
        config.acceptPlaintext(), meters));
  }

  /**
   * The verticle that resumes, on this replica, data-key rotations whose runner stopped: at start and
   * then every half lease; {@code null} when encryption is off.
   */
  public VerticleBase rotationWatch(StoreAccess raw) {
    return enabled() ? new RotationWatch(seal(raw), config.rotationLeaseMs() / 2) : null;
  }

  /**
   * How webhook secrets are kept at rest: sealed under the master key, bound to tenant and webhook id,
   * when encryption is on; as given when it is off.
   */
  public io.sessiond.webhook.SecretSeal webhookSecrets() {
    if (!enabled()) {
      return io.sessiond.webhook.SecretSeal.PLAIN;
    }
    return new io.sessiond.webhook.SecretSeal() {
      @Override
      public String seal(String tenant, String webhookId, String secret) {
        return SEALED + master.seal(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            Aad.webhookSecret(tenant, webhookId));
      }

      @Override
      public String open(String tenant, String webhookId, String stored) {
        byte[] plain = master.open(stored.substring(SEALED.length()), Aad.webhookSecret(tenant, webhookId));
        if (plain == null) {
          throw new IllegalStateException("the secret of webhook " + webhookId + " does not open with this master key");
        }
        return new String(plain, java.nio.charset.StandardCharsets.UTF_8);
      }
    };
  }

  /**
   * Checks the master key against the store (after the restore, before serving); fails with one line
   * when the store holds encrypted data this daemon cannot open. Rotates the master key when the
   * store's data keys are wrapped by {@code ENCRYPTION_KEY_PREVIOUS}. A store without encryption
   * metadata first gets PostgreSQL's back through {@code durable} (one tenant restored from it, the
   * number of sessions imported; {@code null} without PostgreSQL).
   */
  public Future<Void> checkStore(StoreClient store, Function<String, Future<Long>> durable) {
    return new MasterKeyCheck(store, master, durable).run();
  }
}
