package io.sessiond.http.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * One generated request and what the fuzzer may conclude from its answer.
 *
 * @param index    its number in the run: with the seed, it names the request exactly
 * @param kind     the generator's name for what makes it hostile ({@code valid} when nothing does)
 * @param template the route template it aims at ({@code /v1/sessions/:id/keys})
 * @param tenant   whose key it carries (the first, when it carries several)
 * @param target   the session (of {@code tenant}) a write aims at, when it is one the fuzzer tracks
 * @param uri      the request target as sent: path and query, raw bytes as ISO-8859-1 characters
 * @param mustReject whether any 2xx answer is a finding (the request breaks the documented contract)
 * @param known    the known finding (being fixed elsewhere) a failure of this kind belongs to, or null
 */
record HostileRequest(int index, String kind, String method, String template, String tenant, String target,
                      String uri, List<String[]> headers, byte[] body, boolean mustReject, String known) {

  private static final Set<String> WRITES = Set.of("PUT", "PATCH", "POST", "DELETE");

  /** A write aimed at a tracked session: the fuzzer snapshots that session around it. */
  boolean writesTarget() {
    return target != null && WRITES.contains(method) && !template.endsWith("/keys/query");
  }

  /** The whole request on the wire. */
  byte[] render() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(uri).append(" HTTP/1.1\r\n");
    for (String[] h : headers) {
      head.append(h[0]).append(": ").append(h[1]).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      out.writeBytes(body);
    }
    return out.toByteArray();
  }

  /** The request for a report: method, target, the headers that are not routine, the body abbreviated. */
  String describe() {
    StringBuilder b = new StringBuilder("#").append(index).append(' ').append(method).append(' ')
        .append(abbreviate(uri, 160));
    for (String[] h : headers) {
      if (!h[0].equalsIgnoreCase("Host")) {
        b.append(" | ").append(h[0]).append(": ").append(abbreviate(redactKey(h), 80));
      }
    }
    if (body != null) {
      b.append(" | body (").append(body.length).append(" bytes): ")
          .append(abbreviate(new String(body, StandardCharsets.UTF_8), 240));
    }
    return b.toString();
  }

  private static String redactKey(String[] h) {
    return h[0].equalsIgnoreCase("Authorization") && h[1].startsWith("Bearer test-")
        ? "Bearer test-…" + h[1].substring(h[1].length() - 4) : h[1];
  }

  /** At most {@code max} characters, control characters shown as escapes. */
  static String abbreviate(String s, int max) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < max; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || (c >= 0x7f && c < 0xa0) || Character.isSurrogate(c) ? String.format("\\u%04x", (int) c) : c);
    }
    return s.length() > max ? b + "…(" + s.length() + " chars)" : b.toString();
  }
}
