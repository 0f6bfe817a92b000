package io.sessiond.tenant;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One declared tenant: its id, the SHA-256 digests (lower-case hex) of its API keys, and its limits.
 * Plain keys never outlive start-up.
 */
public record TenantSpec(String id, List<String> keyDigests, TenantLimits limits) {
  private static final Pattern TENANT_ID = Pattern.compile("[a-z0-9][a-z0-9\\-]{0,63}");
  private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");

  public static boolean isTenantId(String s) {
    return s != null && TENANT_ID.matcher(s).matches();
  }

  public static boolean isDigest(String s) {
    return s != null && DIGEST.matcher(s).matches();
  }
}
