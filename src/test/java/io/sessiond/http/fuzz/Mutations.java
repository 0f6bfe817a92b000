package io.sessiond.http.fuzz;

import static io.sessiond.http.fuzz.HostileValues.BIG_VERSION;
import static io.sessiond.http.fuzz.HostileValues.NON_FINITE;
import static io.sessiond.http.fuzz.HostileValues.NUL_SURROGATE;
import static io.sessiond.http.fuzz.HostileValues.REPEATED_AUTH;

import io.sessiond.http.fuzz.HostileRequests.Draft;
import io.sessiond.http.fuzz.HostileValues.Piece;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** The mutations: each takes a valid draft and makes it hostile in one way, saying whether it must be refused. */
final class Mutations {
  private Mutations() {
  }

  private interface Mutation {
    /** Mutates the draft; false when the mutation does not apply to its route (another is drawn). */
    boolean apply(Draft d, Random r, HostileRequests g);
  }

  private static final List<Mutation> ALL = List.of(Mutations::pathId, Mutations::blobName, Mutations::jobId,
      Mutations::method, Mutations::noAuth, Mutations::badAuth, Mutations::repeatedAuth, Mutations::ifMatch,
      Mutations::bigHeaders, Mutations::query, Mutations::contentType, Mutations::syntax, Mutations::oddValue,
      Mutations::oddMember, Mutations::keyId, Mutations::keyType, Mutations::fields, Mutations::fields,
      Mutations::oversize, Mutations::noHost);

  static void apply(Draft d, Random r, HostileRequests g) {
    for (int attempt = 0; attempt < 20; attempt++) {
      if (ALL.get(r.nextInt(ALL.size())).apply(d, r, g)) {
        return;
      }
    }
  }

  private static boolean pathId(Draft d, Random r, HostileRequests g) {
    if (!d.route.hasSession()) {
      return false;
    }
    Piece p = HostileRequests.pick(HostileValues.PATH_IDS, r);
    d.idSegment = p.text();
    d.target = null;
    d.hostile("path-id", p);
    return true;
  }

  private static boolean blobName(Draft d, Random r, HostileRequests g) {
    if (!d.route.template.endsWith(":name")) {
      return false;
    }
    Piece p = HostileRequests.pick(HostileValues.BLOB_NAMES, r);
    d.nameSegment = p.text();
    d.hostile("blob-name", p);
    return true;
  }

  private static boolean jobId(Draft d, Random r, HostileRequests g) {
    if (d.route != Route.JOB) {
      return false;
    }
    Piece p = HostileRequests.pick(HostileValues.PATH_IDS, r);
    d.jobSegment = p.text();
    d.hostile("job-id:" + p.name(), true, p.known()); // no job has such an id
    return true;
  }

  private static final String[] METHODS = {"GET", "PUT", "POST", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"};

  private static boolean method(Draft d, Random r, HostileRequests g) {
    List<String> allowed = d.route.methodsOfTemplate();
    String m = HostileRequests.pick(METHODS, r);
    if (allowed.contains(m)) {
      return false;
    }
    d.method = m;
    d.hostile("wrong-method:" + m, true, null);
    return true;
  }

  private static boolean noAuth(Draft d, Random r, HostileRequests g) {
    if (!d.route.needsAuth()) {
      return false;
    }
    d.removeHeader("Authorization");
    d.hostile("no-auth", true, null);
    return true;
  }

  private static boolean badAuth(Draft d, Random r, HostileRequests g) {
    if (!d.route.needsAuth()) {
      return false;
    }
    String key = g.key(d.tenant);
    List<Piece> values = List.of(Piece.bad("basic", "Basic dXNlcjpwYXNz"), Piece.bad("bearer-alone", "Bearer"),
        Piece.bad("bearer-empty", "Bearer "), Piece.any("double-space", "Bearer  " + key),
        Piece.any("lower-scheme", "bearer " + key), Piece.bad("key-plus-x", "Bearer " + key + "x"),
        Piece.bad("long-key", "Bearer " + "k".repeat(5000)), Piece.bad("nul-key", "Bearer test-\u0000"),
        Piece.bad("token-scheme", "Token " + key), Piece.bad("key-with-comma", "Bearer " + key + ", Bearer x"));
    Piece p = HostileRequests.pick(values, r);
    d.removeHeader("Authorization");
    d.header("Authorization", p.text());
    d.hostile("bad-auth", p);
    return true;
  }

  private static boolean repeatedAuth(Draft d, Random r, HostileRequests g) {
    if (!d.route.needsAuth()) {
      return false;
    }
    String own = "Bearer " + g.key(d.tenant);
    String other = "Bearer " + g.key(g.otherTenant(d.tenant));
    String[][] pairs = {{own, other}, {other, own}, {own, "Bearer not-a-key"}, {"Bearer not-a-key", own}, {own, own}};
    String[] names = {"own-then-other-tenant", "other-tenant-then-own", "own-then-unknown", "unknown-then-own", "own-twice"};
    int i = r.nextInt(pairs.length);
    d.removeHeader("Authorization");
    d.header("Authorization", pairs[i][0]).header("Authorization", pairs[i][1]);
    d.hostile("repeated-auth:" + names[i], i < 4, i < 4 ? REPEATED_AUTH : null);
    return true;
  }

  private static boolean ifMatch(Draft d, Random r, HostileRequests g) {
    if (!d.route.hasSession() || d.method.equals("GET")) {
      return false;
    }
    Piece p = HostileRequests.pick(HostileValues.IF_MATCH, r);
    d.header("If-Match", p.text());
    d.hostile("if-match", p);
    if (d.route == Route.KEYS_QUERY) {
      d.reject = p.name().equals("nul"); // a query reads: it has no precondition to check
      d.known = null;
    }
    return true;
  }

  private static boolean bigHeaders(Draft d, Random r, HostileRequests g) {
    int n = switch (r.nextInt(4)) {
      case 0 -> 7000;
      case 1 -> 9000;
      case 2 -> 20_000;
      default -> 0;
    };
    if (n == 0) {
      for (int i = 0; i < 100; i++) {
        d.header("X-Many-" + i, "v".repeat(40));
      }
      d.hostile("headers:100-small", false, null);
    } else {
      d.header("X-Padding", "p".repeat(n));
      d.hostile("headers:one-of-" + n, n > 8192, null);
    }
    return true;
  }

  private static boolean query(Draft d, Random r, HostileRequests g) {
    List<Piece> q = switch (d.route) {
      case LIST, STATUS_LIST -> List.of(Piece.bad("limit-0", "?limit=0"), Piece.bad("limit-negative", "?limit=-1"),
          Piece.bad("limit-1001", "?limit=1001"), Piece.bad("limit-abc", "?limit=abc"),
          Piece.bad("limit-huge", "?limit=99999999999999999999"), Piece.bad("limit-exponent", "?limit=1e3"),
          Piece.bad("limit-fraction", "?limit=1.5"), Piece.bad("limit-twice", "?limit=1&limit=2"),
          Piece.bad("state-bogus", "?state=bogus"), Piece.bad("state-upper", "?state=CONNECTED"),
          Piece.bad("cursor-garbage", "?cursor=!!!garbage"), Piece.any("cursor-nul", "?cursor=%00"),
          Piece.any("cursor-long", "?cursor=" + "A".repeat(3000)), Piece.bad("bad-escape", "?limit=%zz"),
          Piece.bad("lone-percent", "?limit=%"), Piece.any("empty-limit", "?limit="),
          Piece.any("cursor-star", "?cursor=*"));
      case MESSAGES -> List.of(Piece.bad("limit-0", "?limit=0"), Piece.bad("limit-1001", "?limit=1001"),
          Piece.bad("limit-negative", "?limit=-1"), Piece.bad("before-0", "?before=0"),
          Piece.bad("before-negative", "?before=-1"), Piece.bad("before-abc", "?before=abc"),
          Piece.bad("before-huge", "?before=99999999999999999999999"), Piece.any("before-long-max", "?before=9223372036854775807"),
          Piece.any("before-past-2^53", "?before=9007199254740993"), Piece.bad("order-sideways", "?order=sideways"),
          Piece.bad("order-twice", "?order=asc&order=desc"), Piece.bad("before-bad-escape", "?before=%zz"));
      default -> List.of(Piece.any("junk", "?limit=-1&x=%zz"), Piece.any("empty", "?"), Piece.any("long", "?q=" + "q".repeat(3000)));
    };
    Piece p = HostileRequests.pick(q, r);
    d.query = p.text();
    d.hostile("query", p);
    return true;
  }

  private static boolean contentType(Draft d, Random r, HostileRequests g) {
    if (d.route == Route.BLOB_PUT) {
      d.contentType = HostileRequests.pick(new String[] {null, "text/plain", "application/json"}, r);
      d.hostile("content-type:" + d.contentType, false, null);
      return true;
    }
    if (!d.route.hasJsonBody()) {
      return false;
    }
    List<Piece> types = List.of(Piece.bad("text/plain", "text/plain"), Piece.bad("xml", "application/xml"),
        Piece.bad("none", null), Piece.bad("form", "application/x-www-form-urlencoded"),
        Piece.bad("multipart", "multipart/form-data; boundary=x"), Piece.bad("jsonx", "application/jsonx"),
        Piece.any("charset", "application/json; charset=utf-8"), Piece.any("upper", "APPLICATION/JSON"),
        Piece.any("latin1", "application/json; charset=latin1"), Piece.bad("empty", ""));
    Piece p = HostileRequests.pick(types, r);
    boolean plainJsonOnPatch = d.route == Route.PATCH && p.text() != null && p.text().startsWith("application/json");
    d.contentType = p.text();
    d.hostile("content-type:" + p.name(), p.reject() && !plainJsonOnPatch, null);
    return true;
  }

  private static boolean syntax(Draft d, Random r, HostileRequests g) {
    if (!d.route.hasJsonBody()) {
      return false;
    }
    byte[] body = d.bodyText().getBytes(StandardCharsets.UTF_8);
    String text = new String(body, StandardCharsets.UTF_8);
    int last = text.lastIndexOf('"');
    switch (r.nextInt(10)) {
      case 0 -> raw(d, "truncated", Arrays.copyOf(body, 1 + r.nextInt(body.length - 1)), true);
      case 1 -> raw(d, "trailing-garbage", (text + " xyz").getBytes(StandardCharsets.UTF_8), true);
      case 2 -> raw(d, "two-documents", (text + text).getBytes(StandardCharsets.UTF_8), true);
      case 3 -> raw(d, "empty", new byte[0], true);
      case 4 -> raw(d, "whitespace", " \n\t ".getBytes(StandardCharsets.UTF_8), true);
      case 5 -> raw(d, "bom", ("\uFEFF" + text).getBytes(StandardCharsets.UTF_8), false);
      // Vert.x's JSON parser accepts comments (the key batch reader does not): the document is re-encoded without them.
      case 6 -> raw(d, "comment", ("/*c*/" + text).getBytes(StandardCharsets.UTF_8), false);
      case 7 -> raw(d, "invalid-utf8", insert(body, last, new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF}), true);
      case 8 -> raw(d, "raw-nul-byte", insert(body, last, new byte[] {0}), true);
      default -> {
        // Jackson decodes the CESU-8 bytes of U+D800 to a lone surrogate.
        raw(d, "cesu-surrogate", insert(body, last, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}), true);
        d.known = d.route == Route.KEYS_QUERY ? null : NUL_SURROGATE;
        d.reject = d.route != Route.KEYS_QUERY;
      }
    }
    return true;
  }

  private static void raw(Draft d, String name, byte[] body, boolean reject) {
    d.rawBody = body;
    d.hostile("json-syntax:" + name, reject, null);
  }

  /** {@code bytes} inserted at {@code at} (a position inside a string, before its closing quote). */
  private static byte[] insert(byte[] body, int at, byte[] bytes) {
    int where = Math.max(0, Math.min(at, body.length));
    byte[] out = new byte[body.length + bytes.length];
    System.arraycopy(body, 0, out, 0, where);
    System.arraycopy(bytes, 0, out, where, bytes.length);
    System.arraycopy(body, where, out, where + bytes.length, body.length - where);
    return out;
  }

  private static boolean oddValue(Draft d, Random r, HostileRequests g) {
    if (d.bodyTemplate == null || !d.bodyTemplate.contains("%V")) {
      return false;
    }
    Piece p = HostileRequests.pick(HostileValues.VALUES, r);
    d.slot("%V", p.text());
    d.hostile("odd-value", p);
    return true;
  }

  private static boolean oddMember(Draft d, Random r, HostileRequests g) {
    if (d.bodyTemplate == null || !d.bodyTemplate.contains("%K")) {
      return false;
    }
    Piece p = HostileRequests.pick(HostileValues.MEMBER_NAMES, r);
    d.slot("%K", p.text());
    d.hostile("member-name", p);
    return true;
  }

  private static boolean keyId(Draft d, Random r, HostileRequests g) {
    if (d.bodyTemplate == null || !d.bodyTemplate.contains("%I")) {
      return false;
    }
    Piece p = HostileRequests.pick(HostileValues.KEY_IDS, r);
    d.slot("%I", p.text());
    boolean read = d.route == Route.KEYS_QUERY;
    d.hostile("key-id:" + p.name(), p.reject() && !(read && p.known() != null), read ? null : p.known());
    return true;
  }

  private static boolean keyType(Draft d, Random r, HostileRequests g) {
    if (d.route != Route.KEYS && d.route != Route.KEYS_QUERY && d.route != Route.IMPORT) {
      return false;
    }
    Piece p = HostileRequests.pick(HostileValues.KEY_TYPES, r);
    d.bodyTemplate = switch (d.route) {
      case KEYS -> "{\"" + p.text() + "\":{\"1\":{\"type\":\"Buffer\",\"data\":\"BQ==\"}}}";
      case KEYS_QUERY -> "{\"type\":\"" + p.text() + "\",\"ids\":[\"1\"]}";
      default -> "{\"id\":\"%N\",\"keys\":{\"" + p.text() + "\":{\"1\":1}}}";
    };
    d.hostile("key-type", p);
    return true;
  }

  private static boolean fields(Draft d, Random r, HostileRequests g) {
    List<Piece> bodies = FieldBodies.of(d.route);
    if (bodies.isEmpty()) {
      return false;
    }
    Piece p = HostileRequests.pick(bodies, r);
    d.bodyTemplate = p.text();
    d.hostile("fields", p);
    return true;
  }

  private static boolean oversize(Draft d, Random r, HostileRequests g) {
    int limit = g.limit(d.route.limit);
    if (limit == 0) {
      return false;
    }
    int[] deltas = {-200, -10, 0, 1, 100, 5000};
    int delta = deltas[r.nextInt(deltas.length)];
    int size = limit + delta;
    if (d.route == Route.BLOB_PUT) {
      byte[] bytes = new byte[size];
      r.nextBytes(bytes);
      d.rawBody = bytes;
    } else {
      if (!d.bodyTemplate.contains("%V")) {
        return false;
      }
      d.slot("%V", "\"\"");
      int base = d.bodyText().getBytes(StandardCharsets.UTF_8).length;
      d.slot("%V", "\"" + "x".repeat(Math.max(0, size - base)) + "\"");
    }
    d.hostile("oversize:limit" + (delta >= 0 ? "+" : "") + delta, delta > 0, null);
    return true;
  }

  private static boolean noHost(Draft d, Random r, HostileRequests g) {
    d.removeHeader("Host");
    d.hostile("no-host", false, null);
    return true;
  }

  /** Whole bodies of the wrong shape, per route. */
  private static final class FieldBodies {
    static List<Piece> of(Route route) {
      List<Piece> out = new ArrayList<>();
      switch (route) {
        case PUT -> {
          for (Piece ttl : ttls()) {
            out.add(new Piece("ttlSeconds-" + ttl.name(), "{\"data\":{},\"ttlSeconds\":" + ttl.text() + "}", ttl.reject(), ttl.known()));
          }
          out.add(Piece.bad("state-bogus", "{\"state\":\"asleep\"}"));
          out.add(Piece.bad("state-nul", "{\"state\":\"\\u0000\"}"));
          out.add(Piece.bad("data-array", "{\"data\":[]}"));
          out.add(Piece.bad("creds-string", "{\"creds\":\"x\"}"));
          out.add(Piece.bad("unknown-field", "{\"owner\":1}"));
          out.add(Piece.bad("array", "[]"));
          out.add(Piece.any("empty-object", "{}"));
        }
        case PATCH -> out.addAll(List.of(Piece.bad("array", "[1]"), Piece.bad("null", "null"),
            Piece.bad("string", "\"x\""), Piece.any("delete-member", "{\"k0\":null}")));
        case STATE -> out.addAll(List.of(Piece.bad("bogus", "{\"state\":\"asleep\"}"), Piece.bad("number", "{\"state\":1}"),
            Piece.bad("missing", "{}"), Piece.bad("null", "{\"state\":null}"),
            Piece.bad("extra-field", "{\"state\":\"registering\",\"why\":1}"), Piece.bad("nul", "{\"state\":\"\\u0000\"}"),
            Piece.bad("upper", "{\"state\":\"REGISTERING\"}")));
        case CREDS_PUT -> out.addAll(List.of(Piece.bad("array", "[]"), Piece.bad("string", "\"x\""), Piece.bad("null", "null")));
        case KEYS -> out.addAll(List.of(Piece.bad("type-array", "{\"pre-key\":[1]}"), Piece.bad("type-string", "{\"pre-key\":\"x\"}"),
            Piece.bad("type-null", "{\"pre-key\":null}"), Piece.bad("array", "[]"), Piece.any("empty", "{}"),
            Piece.any("delete-one", "{\"pre-key\":{\"1\":null}}")));
        case KEYS_QUERY -> out.addAll(List.of(Piece.bad("ids-10001", "{\"type\":\"pre-key\",\"ids\":[" + "\"1\",".repeat(10_000) + "\"1\"]}"),
            Piece.bad("ids-string", "{\"type\":\"pre-key\",\"ids\":\"1\"}"), Piece.bad("ids-number", "{\"type\":\"pre-key\",\"ids\":[1]}"),
            Piece.bad("ids-null", "{\"type\":\"pre-key\",\"ids\":null}"), Piece.bad("no-type", "{\"ids\":[\"1\"]}"),
            Piece.bad("extra-field", "{\"type\":\"pre-key\",\"ids\":[],\"all\":true}")));
        case APPEND -> out.addAll(messages());
        case IMPORT -> out.addAll(imports());
        default -> {
          return List.of();
        }
      }
      return out;
    }

    private static List<Piece> ttls() {
      return List.of(Piece.bad("negative", "-1"), Piece.bad("over-ten-years", "315360001"), Piece.bad("fraction", "1.5"),
          Piece.bad("string", "\"60\""), Piece.known("huge-exponent", "1e999999999", NON_FINITE),
          Piece.bad("past-long", "9223372036854775808"), Piece.bad("exponent", "1e30"), Piece.any("ten-years", "315360000"),
          Piece.any("zero", "0"), Piece.any("null", "null"));
    }

    private static List<Piece> messages() {
      List<Piece> out = new ArrayList<>();
      for (Piece ts : HostileValues.TIMESTAMPS) {
        out.add(new Piece("timestamp-" + ts.name(), "{\"role\":\"user\",\"content\":1,\"timestamp\":" + ts.text() + "}",
            ts.reject(), ts.known()));
      }
      out.addAll(List.of(Piece.bad("role-empty", "{\"role\":\"\",\"content\":1}"),
          Piece.bad("role-65", "{\"role\":\"" + "r".repeat(65) + "\",\"content\":1}"),
          Piece.known("role-nul", "{\"role\":\"a\\u0000\",\"content\":1}", NUL_SURROGATE),
          Piece.known("id-surrogate", "{\"id\":\"\\ud800\",\"role\":\"u\",\"content\":1}", NUL_SURROGATE),
          Piece.known("userId-nul", "{\"userId\":\"\\u0000\",\"role\":\"u\",\"content\":1}", NUL_SURROGATE),
          Piece.bad("content-null", "{\"role\":\"user\",\"content\":null}"),
          Piece.bad("id-257", "{\"id\":\"" + "i".repeat(257) + "\",\"role\":\"u\",\"content\":1}"),
          Piece.bad("userId-number", "{\"role\":\"u\",\"content\":1,\"userId\":7}"),
          Piece.bad("extra-field", "{\"role\":\"u\",\"content\":1,\"text\":\"x\"}"),
          Piece.bad("empty-array", "[]"), Piece.bad("array-with-number", "[{\"role\":\"u\",\"content\":1},2]"),
          Piece.bad("string", "\"hello\"")));
      return out;
    }

    private static List<Piece> imports() {
      List<Piece> out = new ArrayList<>();
      String id = "\"id\":\"%N\"";
      List<Piece> versions = List.of(Piece.known("past-2^53", "9007199254740993", BIG_VERSION),
          Piece.known("long-max", "9223372036854775807", BIG_VERSION), Piece.known("huge-exponent", "1e999999999", NON_FINITE),
          Piece.bad("exponent", "1e20"), Piece.bad("negative", "-1"), Piece.bad("string", "\"5\""), Piece.bad("fraction", "1.5"),
          Piece.bad("past-long", "9223372036854775808"));
      for (Piece v : versions) {
        out.add(new Piece("version-" + v.name(), "{" + id + ",\"version\":" + v.text() + "}", v.reject(), v.known()));
      }
      for (Piece ts : HostileValues.TIMESTAMPS) {
        if (ts.reject()) {
          out.add(new Piece("createdAt-" + ts.name(), "{" + id + ",\"createdAt\":" + ts.text() + "}", true, ts.known()));
          out.add(new Piece("updatedAt-" + ts.name(), "{" + id + ",\"updatedAt\":" + ts.text() + "}", true, ts.known()));
        }
        out.add(new Piece("message-timestamp-" + ts.name(), "{" + id + ",\"messages\":[{\"role\":\"u\",\"content\":1,\"timestamp\":"
            + ts.text() + "}]}", ts.reject(), ts.known()));
      }
      for (Piece ttl : ttls()) {
        if (ttl.reject() || ttl.name().equals("null")) {
          out.add(new Piece("ttlSeconds-" + ttl.name(), "{" + id + ",\"ttlSeconds\":" + ttl.text() + "}", ttl.reject(), ttl.known()));
        }
      }
      out.addAll(List.of(Piece.bad("seq-0", "{" + id + ",\"messages\":[{\"seq\":0,\"role\":\"u\",\"content\":1}]}"),
          Piece.any("seq-long-max", "{" + id + ",\"messages\":[{\"seq\":9223372036854775807,\"role\":\"u\",\"content\":1}]}"),
          Piece.any("seq-past-2^53", "{" + id + ",\"messages\":[{\"seq\":9007199254740993,\"role\":\"u\",\"content\":1}]}"),
          Piece.known("seq-huge-exponent", "{" + id + ",\"messages\":[{\"seq\":1e999999999,\"role\":\"u\",\"content\":1}]}", NON_FINITE),
          Piece.known("id-nul", "{\"id\":\"a\\u0000b\"}", NUL_SURROGATE),
          Piece.known("id-surrogate", "{\"id\":\"\\ud800\"}", NUL_SURROGATE),
          Piece.bad("id-empty", "{\"id\":\"\"}"), Piece.bad("id-129", "{\"id\":\"" + "a".repeat(129) + "\"}"),
          Piece.bad("id-reserved", "{\"id\":\"status\"}"), Piece.bad("id-space", "{\"id\":\"a b\"}"),
          Piece.bad("id-braces", "{\"id\":\"{}\"}"), Piece.bad("id-missing", "{\"format\":\"sessiond.session.v1\"}"),
          Piece.bad("key-null", "{" + id + ",\"keys\":{\"pre-key\":{\"1\":null}}}"),
          Piece.bad("format-v2", "{\"format\":\"sessiond.session.v2\"," + id + "}"),
          Piece.bad("state-bogus", "{" + id + ",\"state\":\"asleep\"}"), Piece.bad("unknown-field", "{" + id + ",\"owner\":1}"),
          Piece.bad("keys-array", "{" + id + ",\"keys\":[]}"), Piece.bad("messages-object", "{" + id + ",\"messages\":{}}")));
      return out;
    }
  }
}
