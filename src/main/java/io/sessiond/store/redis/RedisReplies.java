package io.sessiond.store.redis;

import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.session.SessionStatus;
import io.sessiond.session.StoredMessage;
import io.vertx.core.json.JsonObject;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decodes the Lua scripts' replies. A script answers {@code {'OK', ...}} or {@code {'E', failure,
 * detail...}}; the failure names come from the scripts, the details are numbers or a state.
 */
final class RedisReplies {
  /** The put and import scripts' answer when told the session must exist and it does not. */
  static final class Absent extends RuntimeException {
    Absent() {
      super("absent", null, false, false);
    }
  }

  /** The first element of a reply an idempotent write recorded earlier and now replays (see once.lua). */
  static final String REPLAY = "REPLAY";

  private RedisReplies() {
  }

  /** Whether the reply is a recorded one replayed. */
  static boolean replayed(Response reply) {
    return REPLAY.equals(text(reply.get(0)));
  }

  /** The reply itself when it is OK (or a recorded OK replayed); otherwise the store failure it names. */
  static Response ok(Response reply, String id, SessionState target) {
    if ("OK".equals(text(reply.get(0))) || REPLAY.equals(text(reply.get(0)))) {
      return reply;
    }
    String code = text(reply.get(1));
    throw switch (code) {
      case "ABSENT" -> new Absent();
      case "NOT_FOUND" -> StoreException.notFound(null, id);
      case "VERSION_MISMATCH" -> StoreException.staleVersion(number(reply.get(2)), number(reply.get(3)));
      case "TOO_LARGE" -> new StoreException(StoreFailure.TOO_LARGE, "the session would hold " + number(reply.get(2))
          + " bytes; the tenant's limit is " + number(reply.get(3)));
      case "ILLEGAL_TRANSITION" -> illegal(SessionState.parse(text(reply.get(2))), target);
      case "INVALID" -> new StoreException(StoreFailure.INVALID, text(reply.get(2)));
      case "FENCED" -> io.sessiond.store.LeaseRequests.fenced(number(reply.get(2)), number(reply.get(3)));
      case "LEASE_HELD" -> io.sessiond.store.LeaseRequests.held(text(reply.get(2)), number(reply.get(3)));
      case "KEY_REUSED" -> new StoreException(StoreFailure.KEY_REUSED, "the Idempotency-Key was used before with a"
          + " different request (method, path or body); use a new key for a new request");
      case "NO_SUCH_CREDS" -> new StoreException(StoreFailure.NOT_FOUND, "session '" + id + "' keeps no creds version "
          + text(reply.get(2)) + "; versions kept: [" + text(reply.get(3)).replace(",", ", ") + "]");
      case "BLOB_NOT_FOUND" -> new StoreException(StoreFailure.NOT_FOUND, "session '" + id + "' has no such blob");
      case "BLOB_REPLACED" -> new StoreException(StoreFailure.NOT_FOUND, "the blob was replaced while being read");
      default -> new StoreException(StoreFailure.UNAVAILABLE, "unexpected Redis script reply " + code);
    };
  }

  /** Whether a NOT_FOUND reply was for a session that exists but expired (the sweeper's job, not a stale index). */
  static boolean expiredNotFound(Response reply) {
    return "E".equals(text(reply.get(0))) && reply.size() > 2 && number(reply.get(2)) == 1;
  }

  static StoreException illegal(SessionState from, SessionState to) {
    return new StoreException(StoreFailure.ILLEGAL_TRANSITION, "a session cannot move from '" + from.wire()
        + "' to '" + to.wire() + "'; allowed: " + from.next().stream().map(SessionState::wire).toList());
  }

  /** A session from the fields ver, state, data, created, updated, activity, ttl, expires and the creds. */
  static Session session(String id, Response f, Response creds) {
    long ttl = number(f.get(6));
    Response data = f.get(2);
    // The data's bytes travel with its text: a response copies them as they are (Session#dataUtf8).
    Buffer utf8 = data != null && data.type() == ResponseType.BULK ? data.toBuffer() : null;
    return new Session(id, SessionState.parse(text(f.get(1))), text(data), text(creds), number(f.get(0)),
        number(f.get(3)), number(f.get(4)), number(f.get(5)), ttl, number(f.get(7)), utf8);
  }

  /** A status from {@code OK, ver, state, created, updated, activity, ttl, expires, hasCreds, messages, counts, bytes}. */
  static SessionStatus status(String id, Response r) {
    Map<String, Long> counts = new TreeMap<>();
    Response c = r.get(10);
    for (int i = 0; c != null && i + 1 < c.size(); i += 2) {
      counts.put(text(c.get(i)), number(c.get(i + 1)));
    }
    return new SessionStatus(id, SessionState.parse(text(r.get(2))), number(r.get(1)), number(r.get(3)),
        number(r.get(4)), number(r.get(5)), number(r.get(6)), number(r.get(7)), number(r.get(8)) == 1, counts,
        number(r.get(9)), r.size() > 11 ? number(r.get(11)) : 0);
  }

  /**
   * An export from {@code OK, session fields, creds, {type, {keyId, value, ...}, ...}, messages}. Redis
   * hashes keep no order once they outgrow their compact encoding, so keys are sorted by id: an export
   * is deterministic, and export → import → export is byte-for-byte equal.
   */
  static SessionExport export(String id, Response r) {
    Map<String, Map<String, String>> keys = new TreeMap<>();
    Response types = r.get(3);
    for (int i = 0; i + 1 < types.size(); i += 2) {
      Map<String, String> values = new TreeMap<>();
      Response flat = types.get(i + 1);
      for (int j = 0; j + 1 < flat.size(); j += 2) {
        values.put(flat.get(j).toString(), flat.get(j + 1).toString());
      }
      keys.put(types.get(i).toString(), values);
    }
    return new SessionExport(session(id, r.get(1), r.get(2)), keys, messages(r.get(4)), history(r.get(5)));
  }

  /** Creds history entries {@code '<version> <at> <creds>'}, newest first. */
  static List<CredsVersion> history(Response list) {
    List<CredsVersion> out = new ArrayList<>(list == null ? 0 : list.size());
    if (list != null) {
      for (Response item : list) {
        String e = item.toString();
        int a = e.indexOf(' ');
        int b = e.indexOf(' ', a + 1);
        out.add(new CredsVersion(Long.parseLong(e.substring(0, a)), Long.parseLong(e.substring(a + 1, b)), e.substring(b + 1)));
      }
    }
    return out;
  }

  /** A creds history entry as the scripts store it. */
  static String historyEntry(CredsVersion v) {
    return v.version() + " " + v.writtenAt() + " " + v.credsJson();
  }

  static List<StoredMessage> messages(Response list) {
    List<StoredMessage> messages = new ArrayList<>(list == null ? 0 : list.size());
    if (list != null) {
      for (Response item : list) {
        String json = item.toString();
        messages.add(new StoredMessage(seqOf(json), json));
      }
    }
    return messages;
  }

  /** The seq a stored message carries as its first member. */
  static long seqOf(String json) {
    String head = "{\"seq\":";
    if (json.startsWith(head)) {
      int end = head.length();
      while (end < json.length() && Character.isDigit(json.charAt(end))) {
        end++;
      }
      if (end > head.length()) {
        return Long.parseLong(json.substring(head.length(), end));
      }
    }
    return new JsonObject(json).getLong("seq", 0L);
  }

  /** A reply as text; a bulk string is decoded from its buffer as it is (its {@code toString()} copies the bytes first). */
  static String text(Response r) {
    if (r == null) {
      return null;
    }
    return r.type() == ResponseType.BULK ? r.toBuffer().toString(StandardCharsets.UTF_8) : r.toString();
  }

  /**
   * A number Redis answered as an integer or as a bulk string of digits. Bulk digits are read from the
   * reply's bytes: {@code toString()} copies and decodes them into a String first (a GET reads eight).
   */
  static long number(Response r) {
    if (r == null) {
      return 0;
    }
    if (r.type() == ResponseType.BULK) {
      Buffer b = r.toBuffer();
      int n = b.length();
      boolean negative = n > 1 && b.getByte(0) == '-';
      // Up to 18 digits cannot overflow; anything else (a sign alone, '+', a letter) is Long.parseLong's to judge.
      if (n > 0 && n <= 18) {
        long value = 0;
        int i = negative ? 1 : 0;
        for (; i < n; i++) {
          int digit = b.getByte(i) - '0';
          if (digit < 0 || digit > 9) {
            break;
          }
          value = value * 10 + digit;
        }
        if (i == n) {
          return negative ? -value : value;
        }
      }
    }
    return Long.parseLong(r.toString());
  }
}
