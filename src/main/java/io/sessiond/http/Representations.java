package io.sessiond.http;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.session.SessionStatus;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.StoreRequests.AppendResult;
import io.sessiond.store.StoreRequests.MessagePage;
import java.util.List;
import java.util.Map;

/** The JSON documents the API answers with; field names and shapes are those of docs/openapi.yaml. */
final class Representations {
  static final String EXPORT_FORMAT = "sessiond.session.v1";
  /** An export whose values are sealed under the tenant's data key (encryption at rest, for backups). */
  static final String SEALED_EXPORT_FORMAT = "sessiond.session.v1.sealed";

  private Representations() {
  }

  static String session(Session s) {
    return writeSession(new JsonText(s.dataJson().length() + 512), s).toString();
  }

  static String status(SessionStatus s) {
    return writeStatus(new JsonText(), s).toString();
  }

  /**
   * A status with its sync state: {@code quarantineJson} is the quarantine detail when PostgreSQL
   * refuses the session's changes (shown as {@code "sync":{"quarantined":true,…}}), else {@code null}.
   */
  static String status(SessionStatus s, String quarantineJson) {
    String plain = status(s);
    if (quarantineJson == null) {
      return plain;
    }
    io.vertx.core.json.JsonObject q = new io.vertx.core.json.JsonObject(quarantineJson);
    io.vertx.core.json.JsonObject sync = new io.vertx.core.json.JsonObject().put("quarantined", true)
        .put("error", q.getString("error")).put("attempts", q.getInteger("attempts"))
        .put("since", java.time.Instant.ofEpochMilli(q.getLong("since", 0L)).toString())
        .put("nextRetryAt", java.time.Instant.ofEpochMilli(q.getLong("nextRetryAt", 0L)).toString());
    return plain.substring(0, plain.length() - 1) + ",\"sync\":" + sync.encode() + "}";
  }

  static String sessionPage(List<Session> sessions, String nextCursor) {
    JsonText j = new JsonText().open().openArray("sessions");
    sessions.forEach(s -> writeSession(j.element(), s));
    return j.closeArray().string("nextCursor", nextCursor).close().toString();
  }

  static String statusPage(List<SessionStatus> statuses, String nextCursor) {
    JsonText j = new JsonText().open().openArray("sessions");
    statuses.forEach(s -> writeStatus(j.element(), s));
    return j.closeArray().string("nextCursor", nextCursor).close().toString();
  }

  static String keyValues(Map<String, String> values) {
    JsonText j = new JsonText(values.size() * 64 + 16).open();
    values.forEach(j::raw);
    return j.close().toString();
  }

  static String appended(AppendResult r) {
    return new JsonText().open().number("version", r.version()).number("firstSeq", r.firstSeq())
        .number("lastSeq", r.lastSeq()).number("messageCount", r.messageCount()).close().toString();
  }

  static String messagePage(MessagePage page) {
    JsonText j = new JsonText(page.messages().size() * 128 + 32).open().openArray("messages");
    page.messages().forEach(m -> j.rawElement(m.json()));
    j.closeArray();
    if (page.nextBeforeSeq() > 0) {
      j.number("nextBefore", page.nextBeforeSeq());
    } else {
      j.raw("nextBefore", null);
    }
    return j.close().toString();
  }

  static String export(SessionExport e) {
    return export(e, EXPORT_FORMAT);
  }

  static String export(SessionExport e, String format) {
    Session s = e.session();
    JsonText j = new JsonText(4096).open()
        .string("format", format)
        .string("id", s.id())
        .string("state", s.state().wire())
        .raw("data", s.dataJson())
        .raw("creds", s.credsJson())
        .number("ttlSeconds", s.ttlSeconds())
        .number("version", s.version())
        .time("createdAt", s.createdAt(), false)
        .time("updatedAt", s.updatedAt(), false)
        .openObject("keys");
    e.keys().forEach((type, values) -> {
      j.openObject(type);
      values.forEach(j::raw);
      j.close();
    });
    j.close().openArray("messages");
    for (StoredMessage m : e.messages()) {
      j.rawElement(m.json());
    }
    j.closeArray().openArray("credsHistory");
    for (CredsVersion v : e.credsHistory()) {
      writeCredsVersion(j.element(), v);
    }
    return j.closeArray().close().toString();
  }

  /** A session's kept creds versions, newest first, with the creds as written. */
  static String credsHistory(String id, long version, int keep, List<CredsVersion> history) {
    JsonText j = new JsonText(1024).open()
        .string("id", id)
        .number("version", version)
        .number("keep", keep)
        .openArray("history");
    for (CredsVersion v : history) {
      writeCredsVersion(j.element(), v);
    }
    return j.closeArray().close().toString();
  }

  private static JsonText writeCredsVersion(JsonText j, CredsVersion v) {
    return j.open()
        .number("version", v.version())
        .time("writtenAt", v.writtenAt(), false)
        .raw("creds", v.credsJson())
        .close();
  }

  private static JsonText writeSession(JsonText j, Session s) {
    return j.open()
        .string("id", s.id())
        .string("state", s.state().wire())
        .raw("data", s.dataJson())
        .bool("hasCreds", s.credsJson() != null)
        .number("version", s.version())
        .number("ttlSeconds", s.ttlSeconds())
        .time("createdAt", s.createdAt(), false)
        .time("updatedAt", s.updatedAt(), false)
        .time("lastActivityAt", s.lastActivityAt(), false)
        .time("expiresAt", s.expiresAt(), true)
        .close();
  }

  private static JsonText writeStatus(JsonText j, SessionStatus s) {
    j.open()
        .string("id", s.id())
        .string("state", s.state().wire())
        .number("version", s.version())
        .number("ttlSeconds", s.ttlSeconds())
        .time("createdAt", s.createdAt(), false)
        .time("updatedAt", s.updatedAt(), false)
        .time("lastActivityAt", s.lastActivityAt(), false)
        .time("expiresAt", s.expiresAt(), true)
        .bool("hasCreds", s.hasCreds())
        .openObject("keyCounts");
    s.keyCounts().forEach(j::number);
    j.close().number("messageCount", s.messageCount()).openArray("allowedTransitions");
    for (SessionState next : SessionState.values()) {
      if (s.state().next().contains(next)) {
        j.stringElement(next.wire());
      }
    }
    return j.closeArray().close();
  }
}
