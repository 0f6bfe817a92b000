package io.sessiond.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectionUrlTest {
  private static final Set<String> PG = Set.of("postgres", "postgresql");

  private static ConnectionUrl pg(String value) {
    return ConnectionUrl.parse("PG_URL", value, PG);
  }

  private static String refused(String value) {
    ConfigException e = assertThrows(ConfigException.class, () -> pg(value));
    assertTrue(e.getMessage().startsWith("PG_URL: "), e.getMessage());
    return e.getMessage();
  }

  @Test
  void everyPart_isSplit_andDecoded() {
    ConnectionUrl u = pg("postgres://app:s3cret@db.internal:5433/sessions?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem");
    assertEquals("postgres", u.scheme());
    assertEquals("app", u.user());
    assertEquals("s3cret", u.password());
    assertEquals("db.internal", u.host());
    assertEquals(5433, u.port());
    assertEquals("/sessions", u.path());
    assertEquals(Map.of("sslmode", "verify-full", "sslrootcert", "/etc/ca.pem"), u.query());
    assertEquals(List.of("sslmode", "sslrootcert"), List.copyOf(u.query().keySet()));
    assertEquals("postgres://db.internal:5433/sessions", u.redacted());
  }

  @Test
  void schemeIsCaseInsensitive_andTheMinimalUrl_hasNoUserPortPathOrQuery() {
    ConnectionUrl u = pg("PostgreSQL://h");
    assertEquals("postgresql", u.scheme());
    assertNull(u.user());
    assertNull(u.password());
    assertEquals(-1, u.port());
    assertEquals(5432, u.portOr(5432));
    assertEquals("", u.path());
    assertTrue(u.query().isEmpty());
  }

  @Test
  void password_isPercentDecoded_withPlusKept_andUtf8Decoded() {
    ConnectionUrl u = pg("postgres://app:p%40ss%3Aw%2Fo+rd%25%C3%A9@h/db");
    assertEquals("p@ss:w/o+rd%é", u.password());
    assertEquals("app", u.user());
  }

  @Test
  void unencodedAtInThePassword_endsAtTheLastAt() {
    assertEquals("p@ss", pg("postgres://app:p@ss@h/db").password());
  }

  @Test
  void missingPassword_isAllowed_andAnEmptyUserIsKept() {
    ConnectionUrl noColon = pg("postgres://app@h/db");
    assertEquals("app", noColon.user());
    assertNull(noColon.password());
    ConnectionUrl emptyUser = ConnectionUrl.parse("REDIS_URL", "redis://:pw@h", Set.of("redis"));
    assertEquals("", emptyUser.user());
    assertEquals("pw", emptyUser.password());
  }

  @Test
  void ipv6_inBrackets_withAndWithoutPort() {
    ConnectionUrl u = pg("postgres://app:pw@[::1]:6543/db");
    assertEquals("::1", u.host());
    assertEquals(6543, u.port());
    assertEquals("[::1]:6543", u.authority());
    assertEquals("postgres://[::1]:6543/db", u.redacted());
    ConnectionUrl noPort = pg("postgres://[2001:db8::10]/db");
    assertEquals("2001:db8::10", noPort.host());
    assertEquals(-1, noPort.port());
    assertEquals("[2001:db8::10]", noPort.authority());
  }

  @Test
  void queryParameters_withoutValue_orEncoded_areKept() {
    ConnectionUrl u = pg("postgres://h/db?a&b=&c=x%3Dy&&d=1+2");
    assertEquals(Map.of("a", "", "b", "", "c", "x=y", "d", "1+2"), u.query());
    assertFalse(u.query().containsKey(""));
  }

  @Test
  void toString_neverShowsThePassword_orQueryValues() {
    String s = pg("postgres://app:hunter2@h/db?password=hunter3").toString();
    assertFalse(s.contains("hunter2"), s);
    assertFalse(s.contains("hunter3"), s);
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres://", "postgres:///db", "postgres://app:pw@/db", "postgres://:5432/db", "postgres://app:pw@?x=1"})
  void missingHost_isRefused(String value) {
    assertTrue(refused(value).contains("no host"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres://h:0/db", "postgres://h:65536/db", "postgres://h:99999/db", "postgres://h:-1/db",
      "postgres://h:54x/db", "postgres://h:123456/db", "postgres://[::1]:abc/db"})
  void badPort_isRefused(String value) {
    assertTrue(refused(value).contains("port must be"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres://[::1/db", "postgres://[]/db", "postgres://[zz::1]/db", "postgres://[::1]x/db",
      "postgres://h_st/db", "postgres://a b/db", "postgres://h/d b", "postgres://h/db#frag", "postgres://h/db?a=%zz",
      "postgres://h/db?a=1&a=2", "postgres://h/db?=1", "postgres://app:p%4@h/db"})
  void malformedUrls_areRefused_namingTheSetting(String value) {
    refused(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"mysql://h/db", "h:5432/db", "postgres:/h/db", "://h", ""})
  void wrongOrMissingScheme_isRefused_listingTheSchemes(String value) {
    assertTrue(refused(value).contains("postgres://, postgresql://"));
  }

  @Test
  void errors_neverEchoThePassword() {
    for (String value : List.of("mysql://app:hunter2@h/db", "postgres://app:hunter2@h:0/db", "postgres://app:hunter2@/db",
        "postgres://app:hunter2@h/db?x=%zz", "postgres://app:hunter2@[::1/db", "postgres://app:hunter2%@h/db")) {
      assertFalse(refused(value).contains("hunter2"), value);
    }
  }
}
