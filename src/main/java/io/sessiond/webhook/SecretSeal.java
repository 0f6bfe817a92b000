package io.sessiond.webhook;

/**
 * How a webhook's secret is kept at rest: sealed under the master key when encryption at rest is on
 * ({@code ENCRYPTION_KEY}), bound to its tenant and webhook id; as given otherwise. A stored secret that
 * is not sealed (written before encryption was turned on) is read as it is.
 */
public interface SecretSeal {
  /** The prefix of a sealed secret as stored. */
  String SEALED = "sealed:";

  SecretSeal PLAIN = new SecretSeal() {
    @Override
    public String seal(String tenant, String webhookId, String secret) {
      return secret;
    }

    @Override
    public String open(String tenant, String webhookId, String stored) {
      return stored;
    }
  };

  String seal(String tenant, String webhookId, String secret);

  /** The secret; throws {@link IllegalStateException} when a sealed one does not open with this daemon's keys. */
  String open(String tenant, String webhookId, String stored);
}
