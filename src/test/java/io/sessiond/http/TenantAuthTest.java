package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The comparison of a request's Authorization header with the one its connection authenticated last. */
class TenantAuthTest {
  @Test
  void sameText_isEqualityWhateverTheLengths() {
    assertTrue(TenantAuth.sameText("Bearer sk_abc", "Bearer sk_abc"));
    assertTrue(TenantAuth.sameText("", ""));
    assertFalse(TenantAuth.sameText("Bearer sk_abc", "Bearer sk_abd"));
    assertFalse(TenantAuth.sameText("Bearer sk_abc", "Bearer sk_ab"));
    assertFalse(TenantAuth.sameText("Bearer sk_ab", "Bearer sk_abc"));
    assertFalse(TenantAuth.sameText("Bearer sk_abc", "bearer sk_abc"));
    assertFalse(TenantAuth.sameText("a\u0000", "a"));
  }
}
