package io.sessiond.http.fuzz;

import java.util.List;

/**
 * The catalogue of hostile pieces the generator puts into requests: JSON values, member names, key
 * types and ids, path segments, header values. Each says whether the contract (README, OpenAPI)
 * requires the request carrying it to be refused, and which known finding it belongs to.
 */
final class HostileValues {
  private HostileValues() {
  }

  /** Findings another branch is fixing; a failure of a piece so labelled is reported as known. */
  static final String NUL_SURROGATE = "NUL / lone surrogates in ids and text";
  static final String NON_FINITE = "non-finite numbers (1e999999999)";
  static final String BIG_VERSION = "versions beyond 2^53-1 (import, If-Match)";
  static final String TIME_RANGE = "timestamps out of range";
  static final String REPEATED_AUTH = "repeated Authorization headers";

  /** One hostile piece: {@code text} is put in as is (JSON text, a path segment, a header value). */
  record Piece(String name, String text, boolean reject, String known) {
    static Piece any(String name, String text) {
      return new Piece(name, text, false, null);
    }

    static Piece bad(String name, String text) {
      return new Piece(name, text, true, null);
    }

    static Piece known(String name, String text, String known) {
      return new Piece(name, text, true, known);
    }
  }

  /** JSON values where any value may be stored (data members, creds, key values, message content). */
  static final List<Piece> VALUES = List.of(
      Piece.known("huge-exponent", "1e999999999", NON_FINITE),
      Piece.known("negative-huge-exponent", "-1e999999999", NON_FINITE),
      Piece.known("double-overflow", "1e400", NON_FINITE),
      Piece.known("just-past-max-double", "1.7976931348623159e308", NON_FINITE),
      Piece.any("tiny-exponent", "1e-999999999"),
      Piece.any("max-double", "1.7976931348623157e308"),
      Piece.any("minus-zero", "-0"),
      Piece.any("minus-zero-float", "-0.0"),
      Piece.any("big-integer", "123456789012345678901234567890123456789"),
      Piece.any("long-digits", "9".repeat(2000)),
      Piece.bad("NaN", "NaN"),
      Piece.bad("Infinity", "Infinity"),
      Piece.bad("minus-Infinity", "-Infinity"),
      Piece.bad("undefined", "undefined"),
      Piece.bad("leading-zero", "012"),
      Piece.bad("plus-sign", "+1"),
      Piece.bad("bare-fraction", ".5"),
      Piece.bad("hex", "0x1F"),
      Piece.bad("single-quotes", "'x'"),
      Piece.known("nul-escape", "\"a\\u0000b\"", NUL_SURROGATE),
      Piece.known("only-nul", "\"\\u0000\"", NUL_SURROGATE),
      Piece.bad("raw-control-char", "\"a\u0001b\""),
      Piece.known("lone-high-surrogate", "\"\\ud800\"", NUL_SURROGATE),
      Piece.known("lone-low-surrogate", "\"x\\udc00y\"", NUL_SURROGATE),
      Piece.known("reversed-surrogates", "\"\\udc00\\ud800\"", NUL_SURROGATE),
      Piece.known("nested-nul", "{\"a\":[\"\\u0000\"]}", NUL_SURROGATE),
      Piece.any("surrogate-pair", "\"\\ud83d\\ude00\""),
      Piece.any("escapes", "\"\\u0001\\u001f\\\"\\\\\\/\\b\\f\\n\\r\\t\""),
      Piece.any("duplicate-members", "{\"a\":1,\"a\":2}"),
      Piece.any("deep-64", "[".repeat(64) + "]".repeat(64)),
      Piece.bad("deep-1500", "[".repeat(1500) + "]".repeat(1500)),
      Piece.bad("deep-objects-1500", "{\"a\":".repeat(1500) + "1" + "}".repeat(1500)),
      Piece.bad("unclosed", "{\"a\":[1,2"),
      Piece.any("empty-member-name", "{\"\":1}"),
      Piece.known("nul-member-name", "{\"a\\u0000\":1}", NUL_SURROGATE),
      Piece.known("surrogate-member-name", "{\"\\udbff\":1}", NUL_SURROGATE),
      Piece.any("unicode", "\"é✓中\uD83D\uDE00\""),
      Piece.any("comment-inside", "/*c*/1"));

  /** Member names of stored documents (inside the quotes, as JSON text). */
  static final List<Piece> MEMBER_NAMES = List.of(
      Piece.known("nul-in-name", "a\\u0000b", NUL_SURROGATE),
      Piece.known("lone-surrogate-name", "\\ud800", NUL_SURROGATE),
      Piece.any("empty-name", ""),
      Piece.any("long-name", "n".repeat(2000)),
      Piece.any("proto-name", "__proto__"),
      Piece.any("dollar-name", "$where"),
      Piece.any("punctuation-name", "{}:*?[]%.."));

  /** Key types (inside the quotes): {@code [a-z0-9-]{1,64}}. */
  static final List<Piece> KEY_TYPES = List.of(
      Piece.bad("upper-type", "Pre-Key"),
      Piece.bad("empty-type", ""),
      Piece.bad("colon-type", "a:b"),
      Piece.bad("star-type", "*"),
      Piece.bad("braces-type", "{}"),
      Piece.bad("question-type", "?"),
      Piece.bad("brackets-type", "[x]"),
      Piece.bad("percent-type", "%41"),
      Piece.bad("dots-type", ".."),
      Piece.bad("unicode-type", "clé"),
      Piece.bad("long-type", "k".repeat(65)),
      Piece.bad("nul-type", "a\\u0000"),
      Piece.bad("surrogate-type", "\\ud800"),
      Piece.any("longest-type", "k".repeat(64)));

  /** Key ids (inside the quotes): 1-256 characters. */
  static final List<Piece> KEY_IDS = List.of(
      Piece.bad("empty-id", ""),
      Piece.bad("long-id", "i".repeat(257)),
      Piece.any("longest-id", "i".repeat(256)),
      Piece.known("nul-id", "a\\u0000", NUL_SURROGATE),
      Piece.known("surrogate-id", "\\udfff", NUL_SURROGATE),
      Piece.any("braces-id", "{}"),
      Piece.any("colon-id", "g@g.us::1::0"),
      Piece.any("star-id", "*"),
      Piece.any("question-id", "?"),
      Piece.any("brackets-id", "[0]"),
      Piece.any("percent-id", "%zz%"),
      Piece.any("dots-id", ".."),
      Piece.any("unicode-id", "clé✓"),
      Piece.any("slash-id", "a/b"),
      Piece.any("quote-id", "a\\\"b"));

  /** Session ids as path segments (raw, percent-encoded or not): the contract is {@code [A-Za-z0-9._@:+-]{1,128}}. */
  static final List<Piece> PATH_IDS = List.of(
      Piece.bad("braces", "{}"),
      Piece.bad("braces-inside", "a{b}"),
      Piece.bad("encoded-braces", "%7Bx%7D"),
      Piece.bad("star", "*"),
      Piece.bad("star-inside", "a*b"),
      Piece.bad("encoded-question", "a%3Fb"),
      Piece.bad("brackets", "[0]"),
      Piece.bad("encoded-brackets", "%5B0%5D"),
      Piece.bad("lone-percent", "%"),
      Piece.bad("bad-escape", "%zz"),
      Piece.bad("short-escape", "a%e"),
      Piece.bad("encoded-percent", "%25"),
      Piece.bad("dot-dot", ".."),
      Piece.any("encoded-dot-dot", "%2E%2E"),
      Piece.any("dot", "."),
      Piece.any("empty", ""),
      Piece.known("encoded-nul", "a%00b", NUL_SURROGATE),
      Piece.known("only-nul", "%00", NUL_SURROGATE),
      Piece.known("encoded-surrogate", "%ED%A0%80", NUL_SURROGATE),
      Piece.bad("invalid-utf8", "%C3%28"),
      Piece.bad("encoded-unicode", "caf%C3%A9"),
      Piece.bad("raw-unicode", new String("café".getBytes(java.nio.charset.StandardCharsets.UTF_8),
          java.nio.charset.StandardCharsets.ISO_8859_1)),
      Piece.bad("raw-high-byte", "a\u00ffb"),
      Piece.bad("emoji", "%F0%9F%98%80"),
      Piece.bad("id-129", "a".repeat(129)),
      Piece.any("id-128", "a".repeat(128)),
      Piece.bad("id-3000", "a".repeat(3000)),
      Piece.bad("id-9000", "b".repeat(9000)),
      Piece.bad("encoded-slash", "a%2Fb"),
      Piece.bad("encoded-space", "a%20b"),
      Piece.bad("encoded-newline", "a%0Ab"),
      Piece.any("reserved-status", "status"),
      Piece.any("reserved-import", "import"),
      Piece.any("reserved-restore", "restore"),
      Piece.any("encoded-colons", "%3A%3A"),
      Piece.any("colons", "a:b"),
      Piece.any("plus", "+")); // never an id of the tracked pool: requests with these ids take no session lock

  /** Blob names as path segments: {@code [A-Za-z0-9._-]{1,128}}. */
  static final List<Piece> BLOB_NAMES = List.of(
      Piece.bad("colon-name", "a:b"),
      Piece.bad("at-name", "a@b"),
      Piece.bad("braces-name", "{}"),
      Piece.bad("star-name", "*"),
      Piece.bad("bad-escape-name", "%zz"),
      Piece.known("nul-name", "a%00", NUL_SURROGATE),
      Piece.bad("unicode-name", "caf%C3%A9"),
      Piece.bad("name-129", "n".repeat(129)),
      Piece.any("name-128", "n".repeat(128)),
      Piece.any("dot-name", "."),
      Piece.bad("encoded-slash-name", "a%2Fb"));

  /** If-Match values on writes: {@code *}, or a version as {@code "7"}, {@code W/"7"} or {@code 7}. */
  static final List<Piece> IF_MATCH = List.of(
      Piece.bad("not-a-number", "abc"),
      Piece.bad("fraction", "\"1.5\""),
      Piece.bad("negative", "-1"),
      Piece.bad("quoted-negative", "\"-1\""),
      Piece.any("zero", "\"0\""), // version 0: the session must not exist yet
      Piece.known("past-2^53", "\"9007199254740993\"", BIG_VERSION),
      Piece.known("18-digits", "\"999999999999999999\"", BIG_VERSION),
      Piece.known("long-max", "9223372036854775807", BIG_VERSION),
      Piece.bad("30-digits", "\"" + "9".repeat(30) + "\""),
      Piece.bad("weak-garbage", "W/\"x\""),
      Piece.bad("empty-tag", "\"\""),
      Piece.bad("stale", "\"123456\""),
      Piece.bad("nul", "\"1\u0000\""),
      Piece.any("star", "*"),
      Piece.any("weak-one", "W/\"1\""),
      Piece.any("list", "\"1\", \"2\""),
      Piece.any("blank", " "));

  /** Timestamps (JSON values) of imports and messages: ISO-8601 instants or epoch ms up to 253402300799999. */
  static final List<Piece> TIMESTAMPS = List.of(
      Piece.known("year-999999999", "\"+999999999-12-31T23:59:59Z\"", TIME_RANGE),
      Piece.known("year-minus-999999999", "\"-999999999-01-01T00:00:00Z\"", TIME_RANGE),
      Piece.known("year-10000", "\"+10000-01-01T00:00:00Z\"", TIME_RANGE),
      Piece.known("epoch-past-9999", "253402300800000", TIME_RANGE),
      Piece.known("epoch-long-max", "9223372036854775807", TIME_RANGE),
      Piece.known("epoch-huge-exponent", "1e999999999", NON_FINITE),
      Piece.bad("epoch-negative", "-1"),
      Piece.bad("epoch-fraction", "1.5"),
      Piece.bad("month-13", "\"2026-13-01T00:00:00Z\""),
      Piece.bad("words", "\"yesterday\""),
      Piece.bad("empty", "\"\""),
      Piece.any("epoch-zero", "0"),
      Piece.any("last-ms-of-9999", "253402300799999"));
}
