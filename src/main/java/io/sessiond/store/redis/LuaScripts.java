package io.sessiond.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts of the Redis store, read from {@code /lua/*.lua} once. Session scripts get
 * {@code common.lua} prepended (except the hot, self-contained {@code get.lua}); each script's SHA-1 is computed here so EVALSHA needs no round trip
 * to learn it, and {@link RedisLink} falls back to EVAL (which caches it again) after a NOSCRIPT.
 */
final class LuaScripts {
  /**
   * One script: its name (for logs), its full source and its SHA-1; whether it is a session script
   * (common.lua first) and its own text, which {@link LuaLibrary} makes a function of.
   */
  record Script(String name, String source, String sha, boolean session, String body) {
    /** The same script with another source (a recording variant, {@link ChangeRecording}). */
    Script withSource(String newSource) {
      return new Script(name, newSource, sha1(newSource), session, body);
    }
  }

  final Script get = script("get", read("get"));
  final Script put = session("put");
  final Script patch = session("patch");
  final Script delete = session("delete");
  final Script touch = session("touch");
  final Script status = session("status");
  final Script transition = session("transition", "once");
  final Script creds = session("creds");
  final Script keysQuery = session("keys_query");
  final Script keysWrite = session("keys_write");
  final Script keysClear = session("keys_clear");
  /** Run by EVAL inside a large key batch's MULTI (RedisSessionStore.writeKeysStaged), never by SHA or FCALL. */
  final Script keysStageOpen = session("keys_stage_open");
  final Script keysStageCommit = session("keys_stage_commit");
  final Script append = session("append", "once");
  final Script messages = session("messages");
  final Script export = session("export");
  final Script importSession = session("import");
  final Script restore = session("restore");
  final Script restoreStaged = session("restore_staged");
  final Script importStage = session("import_stage");
  final Script importUnstage = session("import_unstage");
  final Script sweep = session("sweep");
  final Script index = script("index", read("index"));
  final Script blobStage = session("blob_stage");
  final Script blobCommit = session("blob_commit");
  final Script blobAbort = session("blob_abort");
  final Script blobInfo = session("blob_info");
  final Script blobRead = session("blob_read");
  final Script blobList = session("blob_list");
  final Script blobDelete = session("blob_delete");
  final Script syncRead = session("sync_read");
  final Script lease = session("lease");
  final Script leaseRelease = session("lease_release");
  final Script leaseGet = session("lease_get");
  final Script leaseExpire = session("lease_expire");
  final Script keyClaim = script("key_claim", read("key_claim"));
  final Script keySettle = script("key_settle", read("key_settle"));
  final Script keyRelease = script("key_release", read("key_release"));
  final Script onceForget = session("once_forget", "once");
  final Script credsHistory = session("creds_history");
  final Script credsRollback = session("creds_rollback");
  final Script eventsRead = script("events_read", read("events_read"));
  final Script eventsTrim = script("events_trim", read("events_trim"));

  Script[] all() {
    return new Script[] {get, put, patch, delete, touch, status, transition, creds, keysQuery, keysWrite, keysClear,
        append, messages, export, importSession, restore, restoreStaged, importStage, importUnstage, sweep, index, blobStage, blobCommit,
        blobAbort, blobInfo, blobList, blobRead, blobDelete, syncRead, lease, leaseRelease, leaseGet, leaseExpire, keyClaim, keySettle,
        keyRelease, onceForget, credsHistory, credsRollback, eventsRead, eventsTrim};
  }

  /**
   * A session script: common.lua, then the named parts (such as once.lua), then the call to bind()
   * that names the session's keys, then the script itself.
   */
  private static Script session(String name, String... parts) {
    StringBuilder source = new StringBuilder(read("common")).append('\n');
    for (String part : parts) {
      source.append(read(part)).append('\n');
    }
    String body = read(name);
    String full = source.append("bind()\n").append(body).toString();
    return new Script(name, full, sha1(full), true, body);
  }

  private static Script script(String name, String source) {
    return new Script(name, source, sha1(source), false, source);
  }

  /** common.lua as it is, the prelude of every session script. */
  static String common() {
    return read("common");
  }

  /** The parts a session script may include after common.lua (once.lua): in the function library, all of them. */
  static String parts() {
    return read("once");
  }

  private static String read(String name) {
    try (InputStream in = LuaScripts.class.getResourceAsStream("/lua/" + name + ".lua")) {
      if (in == null) {
        throw new IllegalStateException("missing resource /lua/" + name + ".lua");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /lua/" + name + ".lua", e);
    }
  }

  static String sha1(String source) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-1", e);
    }
  }
}
