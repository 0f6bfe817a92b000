package io.sessiond.webhook;

import io.sessiond.config.WebhooksConfig;
import io.sessiond.store.EventType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A tenant's webhooks: registration (with every input checked), listing, removal and dead letters. The
 * deliveries themselves are {@link WebhookDispatcher}'s.
 */
public final class Webhooks {
  public static final int MAX_URL_LENGTH = 2048;
  public static final int MIN_SECRET_LENGTH = 16;
  public static final int MAX_SECRET_LENGTH = 256;
  private static final Set<String> FIELDS = Set.of("url", "types", "secret");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final io.vertx.core.Vertx vertx;
  private final WebhookStore store;
  private final WebhooksConfig config;

  public Webhooks(io.vertx.core.Vertx vertx, WebhookStore store, WebhooksConfig config) {
    this.vertx = vertx;
    this.store = store;
    this.config = config;
  }

  /** Why webhooks are off on this instance ({@code WebhooksConfig#unavailable}), or {@code null} when they are on. */
  public String unavailable() {
    return store == null ? config.unavailable() : null;
  }

  /**
   * Registers a webhook from a request body {@code {url, types?, secret?}}; answers it with its secret
   * (generated when none was given), the only time the secret is shown.
   */
  public Future<JsonObject> create(String tenant, JsonObject body) {
    Webhook w;
    try {
      w = parse(tenant, body, System.currentTimeMillis());
    } catch (WebhookException e) {
      return Future.failedFuture(e);
    }
    Future<?> checked = config.allowPrivate() ? Future.succeededFuture() : WebhookAddresses.check(vertx, w.url());
    return checked.compose(ok -> store.create(w, config.maxPerTenant()))
        .map(created -> created.view().put("secret", created.secret()));
  }

  public Future<List<Webhook>> list(String tenant) {
    return store.list(tenant);
  }

  public Future<Webhook> get(String tenant, String id) {
    if (!validId(id)) {
      return notFound(id);
    }
    return store.get(tenant, id).compose(w -> w == null ? notFound(id) : Future.succeededFuture(w));
  }

  public Future<Void> delete(String tenant, String id) {
    if (!validId(id)) {
      return notFound(id);
    }
    return store.delete(tenant, id).compose(found -> found ? Future.succeededFuture() : notFound(id));
  }

  /** The webhook's newest dead letters, at most {@code max}. */
  public Future<List<JsonObject>> deadLetters(String tenant, String id, int max) {
    return get(tenant, id).compose(w -> store.deadLetters(w, max));
  }

  private static <T> Future<T> notFound(String id) {
    return Future.failedFuture(new WebhookException(WebhookException.Kind.NOT_FOUND, "no webhook '" + abbreviated(id) + "'"));
  }

  private static boolean validId(String id) {
    return id != null && id.matches("wh_[A-Za-z0-9_-]{1,64}");
  }

  static Webhook parse(String tenant, JsonObject body, long now) {
    if (body == null) {
      throw invalid("the body must be a JSON object {\"url\", \"types\", \"secret\"}");
    }
    for (String field : body.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw invalid("unknown field '" + abbreviated(field) + "'; a webhook has url, types and secret");
      }
    }
    String url = url(body.getValue("url"));
    Set<EventType> types = types(body.getValue("types"));
    Object s = body.getValue("secret");
    String secret;
    if (s == null) {
      secret = "whsec_" + random(32);
    } else if (s instanceof String given && given.length() >= MIN_SECRET_LENGTH && given.length() <= MAX_SECRET_LENGTH
        && given.chars().allMatch(c -> c > 32 && c < 127)) {
      secret = given;
    } else {
      throw invalid("'secret' must be " + MIN_SECRET_LENGTH + "-" + MAX_SECRET_LENGTH
          + " printable ASCII characters without spaces (leave it out to have one generated)");
    }
    return new Webhook("wh_" + random(16), tenant, url, types, secret, now);
  }

  private static String url(Object v) {
    if (!(v instanceof String s) || s.isEmpty()) {
      throw invalid("'url' is required: the http(s) URL the events are POSTed to");
    }
    if (s.length() > MAX_URL_LENGTH) {
      throw invalid("'url' is longer than " + MAX_URL_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw invalid("'url' is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw invalid("'url' must be an http or https URL, not '" + abbreviated(scheme) + ":'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw invalid("'url' must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      throw invalid("'url' may not carry credentials (user:password@); authenticate deliveries by their signature");
    }
    if (uri.getRawFragment() != null) {
      throw invalid("'url' may not have a fragment (#…)");
    }
    return s;
  }

  private static Set<EventType> types(Object v) {
    if (v == null) {
      return EnumSet.allOf(EventType.class);
    }
    if (!(v instanceof JsonArray a) || a.isEmpty()) {
      throw invalid("'types' must be a non-empty array of event types (leave it out for every type): " + allTypes());
    }
    Set<EventType> types = EnumSet.noneOf(EventType.class);
    for (Object t : a) {
      EventType type = t instanceof String name ? EventType.fromWire(name) : null;
      if (type == null) {
        throw invalid("'" + abbreviated(String.valueOf(t)) + "' is not an event type; known types: " + allTypes());
      }
      types.add(type);
    }
    return types;
  }

  private static String allTypes() {
    return Arrays.stream(EventType.values()).map(EventType::wire).collect(Collectors.joining(", "));
  }

  private static WebhookException invalid(String detail) {
    return new WebhookException(WebhookException.Kind.INVALID, detail);
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static String abbreviated(String s) {
    if (s == null) {
      return "";
    }
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
