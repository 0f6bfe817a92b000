package io.sessiond.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Sessiond-Signature} header of a delivery: {@code t=<unix seconds>,v1=<hex>}, where the hex is
 * the HMAC-SHA256, keyed with the webhook's secret, of {@code "<t>.<body>"} (docs/events.md). Signing the
 * timestamp with the body lets a receiver refuse replays of an old delivery.
 */
public final class WebhookSignature {
  public static final String HEADER = "Sessiond-Signature";

  private WebhookSignature() {
  }

  /** The header's value for this body sent at {@code epochSeconds}. */
  public static String header(String secret, long epochSeconds, String body) {
    return "t=" + epochSeconds + ",v1=" + hmac(secret, epochSeconds + "." + body);
  }

  /** HMAC-SHA256 of {@code text} under {@code secret}, in lower-case hex. */
  public static String hmac(String secret, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JVM has no HmacSHA256", e);
    }
  }
}
