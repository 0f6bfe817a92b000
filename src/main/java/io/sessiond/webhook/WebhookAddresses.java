package io.sessiond.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which addresses a webhook may reach: public ones only, unless the operator allows private ones
 * ({@code WEBHOOKS_ALLOW_PRIVATE}). Refused: loopback, unspecified, private (RFC 1918), carrier-grade NAT,
 * link-local (with the cloud metadata address 169.254.169.254), unique-local IPv6, multicast, broadcast and
 * the reserved ranges; an IPv6 address that carries an IPv4 one (IPv4-mapped, IPv4-compatible, NAT64) is
 * judged by the IPv4 address it carries. A host made of digits, dots and hex but not written as four
 * decimal bytes ({@code 2130706433}, {@code 0177.0.0.1}, {@code 0x7f.1}, {@code 127.1}) is refused as
 * such: resolvers disagree on what it means.
 */
public final class WebhookAddresses {
  private static final Pattern NUMERIC_HOST = Pattern.compile("[0-9a-fA-FxX.]+");
  private static final Pattern DOTTED_QUAD =
      Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
  private static final Pattern HAS_DIGIT_ONLY_LABELS = Pattern.compile("[0-9xX.]+|0[xX][0-9a-fA-F.xX]*");

  private WebhookAddresses() {
  }

  /** Why a URL's host (as in the URL, brackets of an IPv6 literal removed) is refused before any lookup, or null. */
  static String refusedHost(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (!h.contains(":") && NUMERIC_HOST.matcher(h).matches() && HAS_DIGIT_ONLY_LABELS.matcher(h).matches()
        && !DOTTED_QUAD.matcher(h).matches()) {
      return "the host '" + abbreviated(host) + "' is a numeric address not written as four decimal bytes"
          + " (a.b.c.d); write it so, or use a name";
    }
    return null;
  }

  /** Why a webhook may not reach this address (naming its kind), or {@code null} when it may. */
  public static String refused(InetAddress a) {
    if (a instanceof Inet6Address v6) {
      byte[] b = v6.getAddress();
      InetAddress carried = carriedIpv4(b);
      if (carried != null) {
        String why = refused(carried);
        return why == null ? null : why + " (carried in the IPv6 address " + v6.getHostAddress() + ")";
      }
      if (a.isLoopbackAddress()) {
        return kind(a, "loopback");
      }
      if (a.isAnyLocalAddress()) {
        return kind(a, "unspecified");
      }
      if ((b[0] & 0xfe) == 0xfc) {
        return kind(a, "unique-local (fc00::/7)");
      }
      if (a.isLinkLocalAddress() || ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0)) {
        return kind(a, "link-local or site-local");
      }
      if (a.isMulticastAddress()) {
        return kind(a, "multicast");
      }
      if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
        return kind(a, "documentation (2001:db8::/32)");
      }
      return null;
    }
    byte[] b = a.getAddress();
    int x = b[0] & 0xff;
    int y = b[1] & 0xff;
    if (x == 169 && y == 254 && (b[2] & 0xff) == 169 && (b[3] & 0xff) == 254) {
      return kind(a, "the cloud metadata address");
    }
    if (x == 127) {
      return kind(a, "loopback");
    }
    if (x == 0) {
      return kind(a, "unspecified (0.0.0.0/8)");
    }
    if (x == 10 || (x == 172 && y >= 16 && y <= 31) || (x == 192 && y == 168)) {
      return kind(a, "private (RFC 1918)");
    }
    if (x == 100 && y >= 64 && y <= 127) {
      return kind(a, "shared (carrier-grade NAT, 100.64.0.0/10)");
    }
    if (x == 169 && y == 254) {
      return kind(a, "link-local");
    }
    if (x == 192 && y == 0 && (b[2] & 0xff) == 0) {
      return kind(a, "reserved (192.0.0.0/24)");
    }
    if (x == 198 && (y == 18 || y == 19)) {
      return kind(a, "benchmarking (198.18.0.0/15)");
    }
    if (x >= 224) {
      return kind(a, x < 240 ? "multicast" : "reserved or broadcast");
    }
    return null;
  }

  /** The IPv4 address an IPv6 one carries: IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96. */
  private static InetAddress carriedIpv4(byte[] b) {
    boolean zero80 = true;
    for (int i = 0; i < 10; i++) {
      zero80 &= b[i] == 0;
    }
    boolean mapped = zero80 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = zero80 && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] & 0xfe) == 0);
    boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
    for (int i = 4; nat64 && i < 12; i++) {
      nat64 = b[i] == 0;
    }
    if (!mapped && !compatible && !nat64) {
      return null;
    }
    try {
      return Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static String kind(InetAddress a, String kind) {
    return a.getHostAddress() + " is a " + kind + " address";
  }

  /** A checked destination: the address to connect to and the port. */
  record Destination(InetAddress address, int port) {
  }

  /**
   * Resolves the URL's host (on a worker: the system resolver blocks) and checks every address it has;
   * fails with a {@link WebhookException} REFUSED naming the first refused one, or when it does not
   * resolve. The destination is the first address: the one to connect to, checked.
   */
  static io.vertx.core.Future<Destination> check(io.vertx.core.Vertx vertx, String url) {
    java.net.URI uri = java.net.URI.create(url);
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String early = refusedHost(host);
    if (early != null) {
      return io.vertx.core.Future.failedFuture(refusal(early));
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    String name = host;
    return vertx.executeBlocking(() -> {
      InetAddress[] all;
      try {
        all = InetAddress.getAllByName(name);
      } catch (UnknownHostException e) {
        throw refusal("the host '" + abbreviated(name) + "' does not resolve");
      }
      for (InetAddress a : all) {
        String why = refused(a);
        if (why != null) {
          throw refusal("the host '" + abbreviated(name) + "' resolves to " + why);
        }
      }
      return new Destination(all[0], port);
    }, false);
  }

  private static WebhookException refusal(String why) {
    return new WebhookException(WebhookException.Kind.REFUSED, "'url' is refused: " + why + "; webhooks reach public"
        + " addresses only (the operator's WEBHOOKS_ALLOW_PRIVATE=true allows the others)");
  }

  private static String abbreviated(String s) {
    return s.length() <= 60 ? s : s.substring(0, 60) + "…";
  }
}
