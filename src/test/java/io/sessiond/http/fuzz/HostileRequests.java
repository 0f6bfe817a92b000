package io.sessiond.http.fuzz;

import io.sessiond.http.fuzz.HostileValues.Piece;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The generator: request {@code i} of a run is a pure function of the seed and {@code i} (its own
 * {@link Random}), so a run is reproduced by its seed whatever the order the requests were sent in.
 * The first requests sweep the catalogues ({@link HostileValues}, {@link FieldBodies}): each piece
 * once, on a route it applies to. After them each request starts valid (a random route, tenant,
 * tracked session and valid body); most get one random mutation ({@link Mutations}), the rest stay
 * valid so that there is state to damage.
 */
final class HostileRequests {
  private static final String[] STATES = {"unregistered", "registering", "registered", "connected", "disconnected",
      "expired", "logged-out"};
  private static final String[] VALID_VALUES = {"1", "\"text\"", "{\"type\":\"Buffer\",\"data\":\"AQID\"}", "[1,2,3]",
      "true", "{\"nested\":{\"a\":[1,{\"b\":null}]}}", "\"é✓\"", "12.5", "null"};
  private static final int VALID_PERCENT = 30;
  /** {@code -Dfuzz.skipKnown=true}: requests of a known finding are sent valid instead. */
  private static final boolean SKIP_KNOWN = Boolean.getBoolean("fuzz.skipKnown");
  /** The first requests of every run: each catalogue piece once, so no run misses one by chance. */
  private static final List<Mutations.Sweep> SWEEP = Mutations.sweep();

  private final long seed;
  private final List<String> tenants;
  private final Map<String, String> keys;
  private final List<String> pool;
  private final Map<Route.Limit, Integer> limits;

  /**
   * @param tenants two tenant ids; requests go to the first 70 % of the time
   * @param keys    tenant → API key
   * @param pool    the session ids requests aim at (the same ids in both tenants)
   * @param limits  the daemon's body limits
   */
  HostileRequests(long seed, List<String> tenants, Map<String, String> keys, List<String> pool,
                  Map<Route.Limit, Integer> limits) {
    this.seed = seed;
    this.tenants = tenants;
    this.keys = keys;
    this.pool = pool;
    this.limits = limits;
  }

  HostileRequest next(int index) {
    HostileRequest request = draw(index);
    if (SKIP_KNOWN && request.known() != null) {
      // Diagnostic: the same request without its known trigger, to see whether all else is green.
      Random r = new Random(seed ^ (0x9E3779B97F4A7C15L * (index + 1)));
      return valid(r, Route.DRAW.get(r.nextInt(Route.DRAW.size()))).build(index);
    }
    return request;
  }

  private HostileRequest draw(int index) {
    Random r = new Random(seed ^ (0x9E3779B97F4A7C15L * (index + 1)));
    if (index < SWEEP.size()) {
      Mutations.Sweep s = SWEEP.get(index);
      Draft d = valid(r, s.route());
      Mutations.apply(d, s.family(), s.piece());
      return d.build(index);
    }
    int rare = r.nextInt(1000);
    Route route = rare < 2 ? Route.RESTORE : rare < 4 ? Route.METRICS : rare < 6 ? Route.OPENAPI
        : Route.DRAW.get(r.nextInt(Route.DRAW.size()));
    Draft d = valid(r, route);
    if (r.nextInt(100) >= VALID_PERCENT) {
      Mutations.apply(d, r, this);
    }
    return d.build(index);
  }

  /** A valid request to {@code route}. */
  private Draft valid(Random r, Route route) {
    Draft d = new Draft(route, tenants.get(r.nextInt(10) < 7 ? 0 : 1));
    String id = pool.get(r.nextInt(pool.size()));
    if (route.hasSession() || route == Route.IMPORT) {
      d.target = id;
      d.idSegment = id;
    }
    d.nameSegment = r.nextBoolean() ? "RemoteAuth.zip" : "b" + r.nextInt(3);
    d.jobSegment = "00000000-0000-0000-0000-00000000000" + r.nextInt(10);
    d.query = validQuery(route, r);
    d.header("Host", "127.0.0.1");
    if (route.needsAuth()) {
      d.header("Authorization", "Bearer " + keys.get(d.tenant));
    }
    if (route.hasJsonBody()) {
      d.contentType = route == Route.PATCH ? "application/merge-patch+json" : "application/json";
      d.bodyTemplate = route.body;
      d.slot("%K", "k" + r.nextInt(5)).slot("%V", pick(VALID_VALUES, r)).slot("%I", Integer.toString(r.nextInt(20)))
          .slot("%S", pick(STATES, r)).slot("%N", id);
      if (route == Route.KEYS && r.nextInt(4) == 0) {
        d.slot("%V", "null"); // null deletes that key
      }
    } else if (route == Route.BLOB_PUT) {
      d.contentType = "application/octet-stream";
      byte[] bytes = new byte[r.nextInt(3000)];
      r.nextBytes(bytes);
      d.rawBody = bytes;
    }
    if (route == Route.APPEND && "null".equals(d.slots.get("%V"))) {
      d.slot("%V", "1"); // message content may not be null
    }
    return d;
  }

  private static String validQuery(Route route, Random r) {
    return switch (route) {
      case LIST, STATUS_LIST -> switch (r.nextInt(3)) {
        case 0 -> "";
        case 1 -> "?limit=" + (1 + r.nextInt(50));
        default -> "?limit=" + (1 + r.nextInt(50)) + "&state=" + pick(STATES, r);
      };
      case MESSAGES -> switch (r.nextInt(3)) {
        case 0 -> "";
        case 1 -> "?limit=" + (1 + r.nextInt(20)) + "&order=asc";
        default -> "?before=" + (1 + r.nextInt(40));
      };
      default -> "";
    };
  }

  int limit(Route.Limit limit) {
    return limits.getOrDefault(limit, 0);
  }

  String key(String tenant) {
    return keys.get(tenant);
  }

  String otherTenant(String tenant) {
    return tenants.get(0).equals(tenant) ? tenants.get(1) : tenants.get(0);
  }

  static String pick(String[] values, Random r) {
    return values[r.nextInt(values.length)];
  }

  static Piece pick(List<Piece> pieces, Random r) {
    return pieces.get(r.nextInt(pieces.size()));
  }

  /** A request being built: valid at first, then mutated in place. */
  static final class Draft {
    final Route route;
    final String tenant;
    String method;
    String target;
    String idSegment;
    String nameSegment;
    String jobSegment;
    String query = "";
    final List<String[]> headers = new ArrayList<>();
    String contentType;
    String bodyTemplate;
    final LinkedHashMap<String, String> slots = new LinkedHashMap<>();
    byte[] rawBody;
    String kind = "valid";
    boolean reject;
    String known;

    Draft(Route route, String tenant) {
      this.route = route;
      this.tenant = tenant;
      this.method = route.method;
    }

    Draft header(String name, String value) {
      headers.add(new String[] {name, value});
      return this;
    }

    Draft slot(String name, String value) {
      slots.put(name, value);
      return this;
    }

    void removeHeader(String name) {
      headers.removeIf(h -> h[0].equalsIgnoreCase(name));
    }

    /** Marks the draft with what made it hostile. */
    void hostile(String kind, Piece piece) {
      hostile(kind + ":" + piece.name(), piece.reject(), piece.known());
    }

    void hostile(String kind, boolean reject, String known) {
      this.kind = kind;
      this.reject = reject;
      this.known = known;
    }

    String bodyText() {
      String text = bodyTemplate;
      for (Map.Entry<String, String> s : slots.entrySet()) {
        if (!s.getKey().equals("%V")) {
          text = text.replace(s.getKey(), s.getValue());
        }
      }
      return slots.containsKey("%V") ? text.replace("%V", slots.get("%V")) : text;
    }

    HostileRequest build(int index) {
      String path = route.template.replace(":id", idSegment == null ? "" : idSegment)
          .replace(":name", nameSegment).replace(":jobId", jobSegment);
      List<String[]> all = new ArrayList<>(headers);
      if (contentType != null) {
        all.add(new String[] {"Content-Type", contentType});
      }
      byte[] body = rawBody != null ? rawBody
          : bodyTemplate != null ? bodyText().getBytes(StandardCharsets.UTF_8) : null;
      return new HostileRequest(index, kind, method, route.template, tenant, target, path + query, List.copyOf(all),
          body, reject, known);
    }
  }
}
