package io.sessiond.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

/** Assertions on RFC 9457 problem answers. */
public final class Problem {
  private Problem() {
  }

  /** Asserts the answer is a problem document with {@code status}; returns it. */
  public static JsonObject assertProblem(HttpResponse<Buffer> r, int status) {
    assertEquals(status, r.statusCode(), () -> "status of " + r.bodyAsString());
    assertEquals("application/problem+json", r.getHeader("Content-Type"));
    JsonObject p = r.bodyAsJsonObject();
    assertEquals(status, p.getInteger("status"));
    assertTrue(p.getString("type").startsWith("urn:sessiond:problem:"), p.encode());
    assertNotNull(p.getString("title"));
    String detail = p.getString("detail");
    assertTrue(detail != null && !detail.isBlank(), "problem has a detail: " + p.encode());
    return p;
  }
}
