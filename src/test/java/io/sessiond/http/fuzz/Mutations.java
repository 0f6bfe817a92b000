package io.sessiond.http.fuzz;

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

  /** The mutations that put one catalogue piece into a request (the sweep applies each piece once). */
  enum Family { PATH_ID, BLOB_NAME, IF_MATCH, VALUE, MEMBER_NAME, KEY_ID, KEY_TYPE, FIELDS }

  /** One piece of the catalogues on one route: the sweep at the start of every run sends each once. */
  record Sweep(Route route, Family family, Piece piece) {
  }

  /** Every piece of every catalogue, each on a route it applies to (the routes taken in turn). */
  static List<Sweep> sweep() {
    List<Sweep> out = new ArrayList<>();
    List<Route> sessionRoutes = Arrays.stream(Route.values()).filter(Route::hasSession).toList();
    List<Route> writes = sessionRoutes.stream().filter(r -> !r.method.equals("GET")).toList();
    add(out, Family.PATH_ID, HostileValues.PATH_IDS, sessionRoutes);
    add(out, Family.BLOB_NAME, HostileValues.BLOB_NAMES, List.of(Route.BLOB_PUT, Route.BLOB_GET, Route.BLOB_DELETE));
    add(out, Family.IF_MATCH, HostileValues.IF_MATCH, writes);
    add(out, Family.VALUE, HostileValues.VALUES, List.of(Route.PUT, Route.PATCH, Route.CREDS_PUT, Route.KEYS, Route.APPEND,
        Route.IMPORT));
    add(out, Family.MEMBER_NAME, HostileValues.MEMBER_NAMES, List.of(Route.PUT, Route.PATCH, Route.CREDS_PUT, Route.APPEND,
        Route.IMPORT));
    add(out, Family.KEY_ID, HostileValues.KEY_IDS, List.of(Route.KEYS, Route.KEYS_QUERY, Route.IMPORT));
    add(out, Family.KEY_TYPE, HostileValues.KEY_TYPES, List.of(Route.KEYS, Route.KEYS_QUERY, Route.IMPORT));
    for (Route route : Route.values()) {
      for (Piece p : FieldBodies.of(route)) {
        out.add(new Sweep(route, Family.FIELDS, p));
      }
    }
    return List.copyOf(out);
  }

  private static void add(List<Sweep> out, Family family, List<Piece> pieces, List<Route> routes) {
    for (int i = 0; i < pieces.size(); i++) {
      out.add(new Sweep(routes.get(i % routes.size()), family, pieces.get(i)));
    }
  }

  /** Puts {@code p} into the draft as its family does. */
  static void apply(Draft d, Family family, Piece p) {
    switch (family) {
      case PATH_ID -> {
        d.idSegment = p.text();
        d.target = null;
        d.hostile("path-id", p);
      }
      case BLOB_NAME -> {
        d.nameSegment = p.text();
        d.hostile("blob-name", p);
      }
      case IF_MATCH -> {
        d.header("If-Match", p.text());
        d.hostile("if-match", p);
        if (d.route == Route.KEYS_QUERY) {
          d.reject = p.name().equals("nul"); // a query reads: it has no precondition to check
          d.known = null;
        }
      }
      case VALUE -> {
        d.slot("%V", p.text());
        d.hostile("odd-value", p);
      }
      case MEMBER_NAME -> {
        d.slot("%K", p.text());
        d.hostile("member-name", p);
      }
      case KEY_ID -> {
        d.slot("%I", p.text());
        boolean read = d.route == Route.KEYS_QUERY;
        d.hostile("key-id:" + p.name(), p.reject() && !(read && p.known() != null), read ? null : p.known());
      }
      case KEY_TYPE -> {
        d.bodyTemplate = switch (d.route) {
          case KEYS -> "{\"" + p.text() + "\":{\"1\":{\"type\":\"Buffer\",\"data\":\"BQ==\"}}}";
          case KEYS_QUERY -> "{\"type\":\"" + p.text() + "\",\"ids\":[\"1\"]}";
          default -> "{\"id\":\"%N\",\"keys\":{\"" + p.text() + "\":{\"1\":1}}}";
        };
        d.hostile("key-type", p);
      }
      case FIELDS -> {
        d.bodyTemplate = p.text();
        d.hostile("fields", p);
      }
      default -> throw new IllegalArgumentException(family.name());
    }
  }

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
    apply(d, Family.PATH_ID, HostileRequests.pick(HostileValues.PATH_IDS, r));
    return true;
  }

  private static boolean blobName(Draft d, Random r, HostileRequests g) {
    if (!d.route.template.endsWith(":name")) {
      return false;
    }
    apply(d, Family.BLOB_NAME, HostileRequests.pick(HostileValues.BLOB_NAMES, r));
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
    apply(d, Family.IF_MATCH, HostileRequests.pick(HostileValues.IF_MATCH, r));
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
    apply(d, Family.VALUE, HostileRequests.pick(HostileValues.VALUES, r));
    return true;
  }

  private static boolean oddMember(Draft d, Random r, HostileRequests g) {
    if (d.bodyTemplate == null || !d.bodyTemplate.contains("%K")) {
      return false;
    }
    apply(d, Family.MEMBER_NAME, HostileRequests.pick(HostileValues.MEMBER_NAMES, r));
    return true;
  }

  private static boolean keyId(Draft d, Random r, HostileRequests g) {
    if (d.bodyTemplate == null || !d.bodyTemplate.contains("%I")) {
      return false;
    }
    apply(d, Family.KEY_ID, HostileRequests.pick(HostileValues.KEY_IDS, r));
    return true;
  }

  private static boolean keyType(Draft d, Random r, HostileRequests g) {
    if (d.route != Route.KEYS && d.route != Route.KEYS_QUERY && d.route != Route.IMPORT) {
      return false;
    }
    apply(d, Family.KEY_TYPE, HostileRequests.pick(HostileValues.KEY_TYPES, r));
    return true;
  }

  private static boolean fields(Draft d, Random r, HostileRequests g) {
    List<Piece> bodies = FieldBodies.of(d.route);
    if (bodies.isEmpty()) {
      return false;
    }
    apply(d, Family.FIELDS, HostileRequests.pick(bodies, r));
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
}
