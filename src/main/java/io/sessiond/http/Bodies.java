package io.sessiond.http;

import io.sessiond.session.SessionIds;
import io.sessiond.session.SessionState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Validation of request bodies into the store's records. Each method either returns values the
 * store can apply as they are, or throws a 400 naming the field at fault.
 */
final class Bodies {
  static final long MAX_TTL_SECONDS = 10L * 365 * 24 * 3600;
  static final int MAX_QUERY_IDS = 10_000;
  static final int MAX_MESSAGES_PER_APPEND = 1000;
  /**
   * The largest version or message seq an import may set: 10^13 leaves every session 9·10^15 writes
   * below 2^53 (the Redis scripts count in doubles, exact only that far) and keeps seqs below 10^14,
   * the largest number Lua writes into a message's text without an exponent.
   */
  static final long MAX_IMPORTED_COUNT = 10_000_000_000_000L;
  /** Times a client may set: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, in epoch milliseconds. */
  static final long MAX_TIME_MS = 253_402_300_799_999L;
  static final String TIME_RANGE = "from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z";
  private static final Set<String> PUT_FIELDS = Set.of("data", "creds", "state", "ttlSeconds");
  private static final Set<String> MESSAGE_FIELDS = Set.of("id", "role", "content", "userId", "metadata", "timestamp");

  private Bodies() {
  }

  static void onlyFields(JsonObject o, Set<String> allowed, String what) {
    for (String name : o.fieldNames()) {
      if (!allowed.contains(name)) {
        throw ApiException.badRequest(what + " has an unknown field '" + name + "'; allowed: " + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
  }

  /** A PUT body: {@code data} object, {@code creds} object or null, {@code state}, {@code ttlSeconds}. */
  record SessionBody(String dataJson, String credsJson, SessionState state, Long ttlSeconds) {
    static SessionBody parse(JsonObject body) {
      onlyFields(body, PUT_FIELDS, "the session");
      Object data = body.getValue("data");
      if (data != null && !(data instanceof JsonObject)) {
        throw ApiException.badRequest("'data' must be a JSON object");
      }
      String credsJson = null;
      if (body.containsKey("creds")) {
        Object creds = body.getValue("creds");
        if (creds != null && !(creds instanceof JsonObject)) {
          throw ApiException.badRequest("'creds' must be a JSON object or null");
        }
        credsJson = creds == null ? "null" : ((JsonObject) creds).encode();
      }
      return new SessionBody(data == null ? "{}" : ((JsonObject) data).encode(), credsJson,
          optionalState(body), optionalTtl(body));
    }
  }

  static SessionState optionalState(JsonObject body) {
    Object v = body.getValue("state");
    if (v == null) {
      return null;
    }
    return state(v);
  }

  static SessionState state(Object v) {
    SessionState s = v instanceof String str ? SessionState.parse(str) : null;
    if (s == null) {
      throw ApiException.badRequest("'state' must be one of " + allStates());
    }
    return s;
  }

  static String allStates() {
    List<String> names = new ArrayList<>();
    for (SessionState s : SessionState.values()) {
      names.add(s.wire());
    }
    return String.join(", ", names);
  }

  static Long optionalTtl(JsonObject body) {
    Object v = body.getValue("ttlSeconds");
    if (v == null) {
      return null;
    }
    return wholeNumber(v, "ttlSeconds", 0, MAX_TTL_SECONDS);
  }

  static long wholeNumber(Object v, String field, long min, long max) {
    if (v instanceof Integer || v instanceof Long) {
      long n = ((Number) v).longValue();
      if (n >= min && n <= max) {
        return n;
      }
    }
    throw ApiException.badRequest("'" + field + "' must be a whole number from " + min + " to " + max);
  }

  static String keyType(Object v) {
    if (!(v instanceof String s) || !SessionIds.isKeyType(s)) {
      throw ApiException.badRequest("key type must be 1-64 characters of a-z 0-9 -");
    }
    return s;
  }

  static String keyId(Object v) {
    return keyId(v, null);
  }

  /** A key id; {@code where} (a JSON pointer, or null) names what holds it, for the 400. */
  static String keyId(Object v, String where) {
    if (v instanceof String s && SessionIds.isKeyId(s)) {
      return s;
    }
    String reason = v instanceof String s && !s.isEmpty() && s.length() <= SessionIds.MAX_KEY_ID_LENGTH
        ? StorableText.check(s) : null;
    if (reason != null) {
      throw ApiException.badRequest("a key id" + (where == null ? "" : " in " + where) + " " + reason);
    }
    throw ApiException.badRequest("key ids must be strings of 1-" + SessionIds.MAX_KEY_ID_LENGTH + " characters");
  }

  /** A key query: {@code {type, ids: [..]}}. */
  record KeyQuery(String type, List<String> ids) {
    static KeyQuery parse(JsonObject body) {
      onlyFields(body, Set.of("type", "ids"), "the key query");
      String type = keyType(body.getValue("type"));
      Object ids = body.getValue("ids");
      if (!(ids instanceof JsonArray array)) {
        throw ApiException.badRequest("'ids' must be an array of key ids");
      }
      if (array.size() > MAX_QUERY_IDS) {
        throw ApiException.badRequest("'ids' may hold at most " + MAX_QUERY_IDS + " ids");
      }
      List<String> list = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        list.add(keyId(array.getValue(i), "/ids"));
      }
      return new KeyQuery(type, list);
    }
  }

  /** A key batch: {@code {type: {keyId: value or null}}}; values become compact JSON, null stays null. */
  static Map<String, Map<String, String>> keyBatch(JsonObject body) {
    Map<String, Map<String, String>> batch = new LinkedHashMap<>();
    for (Map.Entry<String, Object> typeEntry : body) {
      String type = keyType(typeEntry.getKey());
      if (!(typeEntry.getValue() instanceof JsonObject values)) {
        throw ApiException.badRequest("keys of type '" + type + "' must be an object of keyId → value or null");
      }
      Map<String, String> encoded = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : values) {
        encoded.put(keyId(e.getKey()), e.getValue() == null ? null : encodeValue(e.getValue()));
      }
      batch.put(type, encoded);
    }
    return batch;
  }

  /** Compact JSON text of a decoded JSON value. */
  static String encodeValue(Object v) {
    return io.vertx.core.json.Json.encode(v);
  }

  /** Messages to append: one message object or an array of 1..1000. */
  static List<String> messages(Object body, long now) {
    if (body instanceof JsonObject one) {
      return List.of(message(one, now, "the message"));
    }
    if (!(body instanceof JsonArray array)) {
      throw ApiException.badRequest("the body must be a message object or an array of messages");
    }
    if (array.isEmpty() || array.size() > MAX_MESSAGES_PER_APPEND) {
      throw ApiException.badRequest("an append takes 1 to " + MAX_MESSAGES_PER_APPEND + " messages");
    }
    List<String> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject m)) {
        throw ApiException.badRequest("message [" + i + "] must be a JSON object");
      }
      out.add(message(m, now, "message [" + i + "]"));
    }
    return out;
  }

  /**
   * A random (version 4) UUID from {@link ThreadLocalRandom}: a message id must be unique, not
   * unguessable, and {@link UUID#randomUUID()} takes SecureRandom's lock for every message.
   */
  private static String newMessageId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
    return new UUID(high, low).toString();
  }

  /** One message, normalised to {@code {id, role, content, userId?, metadata?, timestamp}}. */
  static String message(JsonObject m, long now, String where) {
    onlyFields(m, MESSAGE_FIELDS, where);
    JsonText j = new JsonText().open();
    Object id = m.getValue("id");
    if (id != null && !(id instanceof String s && !s.isEmpty() && s.length() <= 256)) {
      throw ApiException.badRequest(where + ": 'id' must be a string of 1-256 characters");
    }
    j.string("id", id == null ? newMessageId() : (String) id);
    if (!(m.getValue("role") instanceof String role) || role.isEmpty() || role.length() > 64) {
      throw ApiException.badRequest(where + ": 'role' is required, a string of 1-64 characters");
    }
    j.string("role", role);
    if (m.getValue("content") == null) {
      throw ApiException.badRequest(where + ": 'content' is required and may not be null");
    }
    j.raw("content", encodeValue(m.getValue("content")));
    Object userId = m.getValue("userId");
    if (userId != null) {
      if (!(userId instanceof String u) || u.isEmpty() || u.length() > 256) {
        throw ApiException.badRequest(where + ": 'userId' must be a string of 1-256 characters");
      }
      j.string("userId", u);
    }
    Object metadata = m.getValue("metadata");
    if (metadata != null) {
      if (!(metadata instanceof JsonObject meta)) {
        throw ApiException.badRequest(where + ": 'metadata' must be a JSON object");
      }
      j.raw("metadata", meta.encode());
    }
    return j.time("timestamp", timestamp(m.getValue("timestamp"), now, where), false).close().toString();
  }

  private static long timestamp(Object v, long now, String where) {
    if (v == null) {
      return now;
    }
    if (v instanceof Integer || v instanceof Long) {
      long ms = ((Number) v).longValue();
      if (ms >= 0 && ms <= MAX_TIME_MS) {
        return ms;
      }
    } else if (v instanceof String s) {
      long ms = instant(s);
      if (ms >= 0) {
        return ms;
      }
    }
    throw ApiException.badRequest(where + ": 'timestamp' must be an ISO-8601 instant or epoch milliseconds " + TIME_RANGE);
  }

  /** An ISO-8601 instant in epoch milliseconds, or -1 when it is not one or lies outside {@link #TIME_RANGE}. */
  static long instant(String s) {
    try {
      java.time.Instant t = java.time.Instant.parse(s);
      // Checked before toEpochMilli, which overflows for instants near Instant.MAX.
      if (t.getEpochSecond() >= 0 && t.getEpochSecond() <= MAX_TIME_MS / 1000) {
        return t.toEpochMilli();
      }
    } catch (java.time.format.DateTimeParseException e) {
      // answered by the caller
    }
    return -1;
  }
}
