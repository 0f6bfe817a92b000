package io.sessiond.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A connection URL such as {@code postgres://user:password@host:5432/db?sslmode=require} or
 * {@code rediss://:password@[::1]:6380/0}, split once for every setting that takes one
 * ({@code PG_URL}, {@code REDIS_URL}, {@code REDIS_NODES}). What each part means (a database name, a
 * database number, a password-only user info) is the caller's business; this only splits and decodes.
 * Errors are {@link ConfigException}s naming the setting, and never echo the value (it may hold a
 * password). {@link #toString()} hides the password.
 *
 * @param scheme    the scheme, lower case
 * @param user      the user info before its first colon, percent-decoded; {@code null} when there is no
 *                  user info (an empty user, as in {@code redis://:pw@h}, is {@code ""})
 * @param password  the user info after its first colon, percent-decoded; {@code null} when there is no colon
 * @param host      the host; an IPv6 literal without its brackets
 * @param port      the port, 1..65535, or -1 when the URL names none
 * @param path      the path, percent-decoded, with its leading slash ({@code ""} when there is none)
 * @param query     the query parameters in order, names and values percent-decoded ({@code ?a} gives a = "")
 */
public record ConnectionUrl(String scheme, String user, String password, String host, int port, String path,
                            Map<String, String> query) {
  public ConnectionUrl {
    query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
  }

  /**
   * Parses {@code value}, which must use one of {@code schemes} (compared case-insensitively).
   *
   * @param setting the setting's name, for error messages
   */
  public static ConnectionUrl parse(String setting, String value, Set<String> schemes) {
    String v = value.trim();
    int sep = v.indexOf("://");
    String scheme = sep < 0 ? null : v.substring(0, sep).toLowerCase(Locale.ROOT);
    if (scheme == null || !schemes.contains(scheme)) {
      throw new ConfigException(setting, "must start with one of "
          + String.join(", ", schemes.stream().sorted().map(s -> s + "://").toList()));
    }
    String rest = v.substring(sep + 3);
    if (rest.indexOf('#') >= 0) {
      throw new ConfigException(setting, "may not have a #fragment");
    }
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c <= ' ' || c == 0x7f || Character.isISOControl(c) || Character.isSpaceChar(c)) {
        throw new ConfigException(setting, "may not contain spaces or control characters (percent-encode them)");
      }
    }
    int q = rest.indexOf('?');
    String beforeQuery = q < 0 ? rest : rest.substring(0, q);
    Map<String, String> query = q < 0 ? Map.of() : query(setting, rest.substring(q + 1));
    int slash = beforeQuery.indexOf('/');
    String authority = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
    String path = slash < 0 ? "" : decode(setting, "path", beforeQuery.substring(slash));

    // The last '@' ends the user info, so an unencoded '@' in a password still works.
    int at = authority.lastIndexOf('@');
    String user = null;
    String password = null;
    if (at >= 0) {
      String info = authority.substring(0, at);
      int colon = info.indexOf(':');
      user = decode(setting, "user", colon < 0 ? info : info.substring(0, colon));
      password = colon < 0 ? null : decode(setting, "password", info.substring(colon + 1));
    }
    String hostPort = authority.substring(at + 1);
    String host;
    String portText;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0) {
        throw new ConfigException(setting, "has an IPv6 address without its closing ']'");
      }
      host = hostPort.substring(1, close);
      if (host.isEmpty() || !host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')
          || host.indexOf(':') < 0) {
        throw new ConfigException(setting, "has an invalid IPv6 address in brackets");
      }
      String after = hostPort.substring(close + 1);
      if (!after.isEmpty() && !after.startsWith(":")) {
        throw new ConfigException(setting, "has something other than :port after the IPv6 address");
      }
      portText = after.isEmpty() ? null : after.substring(1);
    } else {
      int colon = hostPort.indexOf(':');
      host = colon < 0 ? hostPort : hostPort.substring(0, colon);
      portText = colon < 0 ? null : hostPort.substring(colon + 1);
      if (!host.isEmpty() && !host.chars().allMatch(c -> c < 0x80 && (Character.isLetterOrDigit(c) || c == '.' || c == '-'))) {
        throw new ConfigException(setting, "has an invalid host name (letters, digits, '.' and '-'; IPv6 in brackets)");
      }
    }
    if (host.isEmpty()) {
      throw new ConfigException(setting, "names no host");
    }
    return new ConnectionUrl(scheme, user, password, host, port(setting, portText), path, query);
  }

  /** The port, or {@code fallback} when the URL names none. */
  public int portOr(int fallback) {
    return port < 0 ? fallback : port;
  }

  /** {@code host[:port]} as written in a URL: an IPv6 host in brackets. */
  public String authority() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return port < 0 ? h : h + ":" + port;
  }

  /** The URL without user info and query parameters ({@code scheme://host[:port]path}), safe to log. */
  public String redacted() {
    return scheme + "://" + authority() + path;
  }

  @Override
  public String toString() {
    return "ConnectionUrl[" + redacted() + ", user=" + user + ", password=" + (password == null ? "none" : "***")
        + ", query=" + query.keySet() + "]";
  }

  private static int port(String setting, String text) {
    if (text == null || text.isEmpty()) {
      return -1; // "host:" names no port, as java.net.URI reads it
    }
    if (text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new ConfigException(setting, "port must be a number 1..65535");
    }
    int port = Integer.parseInt(text);
    if (port < 1 || port > 65535) {
      throw new ConfigException(setting, "port must be 1..65535");
    }
    return port;
  }

  private static Map<String, String> query(String setting, String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(setting, "query parameter", eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(setting, "query parameter", pair.substring(eq + 1));
      if (name.isEmpty()) {
        throw new ConfigException(setting, "has a query parameter without a name");
      }
      if (out.put(name, value) != null) {
        throw new ConfigException(setting, "names query parameter '" + name + "' twice");
      }
    }
    return out;
  }

  /** Percent-decoding as in RFC 3986: '+' stays '+' (it is form encoding's space, not a URL's). */
  private static String decode(String setting, String part, String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    ByteArrayOutputStream run = new ByteArrayOutputStream();
    int i = 0;
    while (i < s.length()) {
      if (s.charAt(i) != '%') {
        out.append(s.charAt(i++));
        continue;
      }
      // A run of %XX escapes is one UTF-8 sequence (a multi-byte character spans several escapes).
      run.reset();
      while (i < s.length() && s.charAt(i) == '%') {
        int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
        int lo = hi < 0 ? -1 : Character.digit(s.charAt(i + 2), 16);
        if (lo < 0) {
          throw new ConfigException(setting, "has a malformed %-escape in the " + part);
        }
        run.write(hi * 16 + lo);
        i += 3;
      }
      out.append(run.toString(StandardCharsets.UTF_8));
    }
    return out.toString();
  }
}
