package io.sessiond.http.fuzz;

import static io.sessiond.http.fuzz.HostileValues.BIG_VERSION;
import static io.sessiond.http.fuzz.HostileValues.NON_FINITE;
import static io.sessiond.http.fuzz.HostileValues.NUL_SURROGATE;

import io.sessiond.http.fuzz.HostileValues.Piece;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole bodies of the wrong shape, per route: fields out of range (ttlSeconds, versions, timestamps,
 * seqs), of the wrong type, unknown, missing, or holding NUL and lone surrogates.
 */
final class FieldBodies {
  private FieldBodies() {
  }

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
