package io.sessiond.encryption;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import javax.crypto.SecretKey;

/**
 * One tenant's data keys as read from its keyring: the key new values are sealed with, every key
 * that may still open a value (keys are never dropped: a sealed backup may need them), the keyring's
 * stored document and version (for compare-and-set updates), and when it was read.
 */
record TenantKeys(String tenant, String current, Map<String, SecretKey> keys, JsonObject document, long version,
                  long loadedAt) {

  SecretKey currentKey() {
    return keys.get(current);
  }

  /** The next key id: {@code k<n+1>} after the highest {@code k<n>}. */
  String nextKeyId() {
    int max = 0;
    for (String id : keys.keySet()) {
      try {
        max = Math.max(max, Integer.parseInt(id.substring(1)));
      } catch (NumberFormatException | IndexOutOfBoundsException e) {
        // not one of ours: ignored
      }
    }
    return "k" + (max + 1);
  }
}
