package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yaml.snakeyaml.Yaml;

/** docs/openapi.yaml and the routes the daemon registers are the same set, and the daemon serves the document. */
@ExtendWith(VertxExtension.class)
class OpenApiDocumentTest {
  private static final Path DOCUMENT = Path.of("docs", "openapi.yaml");
  /** Routes outside the API router: no authentication, so not in {@code endpoints()}. */
  private static final Set<String> UNAUTHENTICATED = Set.of("GET /health/live", "GET /health/ready", "GET /openapi.yaml",
      "GET /metrics");
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

  private static final String TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT));
  private static String text;
  private static Map<String, Object> document;

  @BeforeAll
  static void readDocument() throws IOException {
    text = Files.readString(DOCUMENT, StandardCharsets.UTF_8);
    document = new Yaml().load(text);
  }

  @Test
  void document_isOpenApi303_withBearerScheme() {
    assertEquals("3.0.3", String.valueOf(document.get("openapi")));
    Map<String, Object> schemes = map(map(document.get("components")).get("securitySchemes"));
    Map<String, Object> bearer = map(schemes.get("bearer"));
    assertEquals("http", bearer.get("type"));
    assertEquals("bearer", bearer.get("scheme"));
    assertTrue(document.get("security") == null, "security is declared per operation, not for the whole document");
  }

  @Test
  void everyRegisteredRoute_isDocumented_andEveryDocumentedOperation_isRegistered() {
    Set<String> registered = new TreeSet<>();
    for (String endpoint : daemon.running().daemon().endpoints()) {
      registered.add(endpoint.replaceAll(":([A-Za-z]+)", "{$1}"));
    }
    Set<String> documented = documentedOperations();
    Set<String> apiDocumented = new TreeSet<>(documented);
    apiDocumented.removeAll(UNAUTHENTICATED);
    assertEquals(registered, apiDocumented, "routes registered vs documented (besides the unauthenticated ones)");
    assertTrue(documented.containsAll(UNAUTHENTICATED), "documents " + UNAUTHENTICATED);
  }

  @Test
  void unauthenticatedOperations_answerWithoutAKey(VertxTestContext ctx) {
    Future.all(UNAUTHENTICATED.stream().map(op -> daemon.client().get(op.split(" ", 2)[1]).send()).toList())
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          for (int i = 0; i < all.size(); i++) {
            io.vertx.ext.web.client.HttpResponse<?> r = all.resultAt(i);
            assertEquals(200, r.statusCode(), "operation " + i + " answers 200");
          }
          ctx.completeNow();
        })));
  }

  @Test
  void openApiYaml_servesThisDocument(VertxTestContext ctx) {
    daemon.client().get("/openapi.yaml").send().onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(200, r.statusCode());
      assertTrue(r.getHeader("Content-Type").startsWith("application/yaml"), r.getHeader("Content-Type"));
      assertEquals(text, r.bodyAsString(StandardCharsets.UTF_8.name()));
      ctx.completeNow();
    })));
  }

  @Test
  void everyV1Operation_declaresBearerSecurity_and401_andEveryProblemOneItCanAnswer() {
    Map<String, Object> paths = map(document.get("paths"));
    int checked = 0;
    for (Map.Entry<String, Object> path : paths.entrySet()) {
      for (Map.Entry<String, Object> op : map(path.getValue()).entrySet()) {
        if (!METHODS.contains(op.getKey())) {
          continue;
        }
        String name = op.getKey().toUpperCase() + " " + path.getKey();
        Map<String, Object> operation = map(op.getValue());
        List<?> security = (List<?>) operation.get("security");
        Map<String, Object> responses = map(operation.get("responses"));
        if (path.getKey().startsWith("/v1/admin/")) {
          // The administration key, not a tenant's: no tenant rate limit, and 403 for a tenant's key.
          assertEquals(List.of(Map.of("adminKey", List.of())), security, name + " declares the administration key");
          for (String status : List.of("401", "403", "503")) {
            assertNotNull(responses.get(status), name + " declares " + status);
          }
          if (operation.containsKey("requestBody")) {
            assertNotNull(responses.get("415"), name + " takes a body, so declares 415");
            assertNotNull(responses.get("400"), name + " takes a body, so declares 400");
          }
          checked++;
        } else if (path.getKey().startsWith("/v1/")) {
          assertEquals(List.of(Map.of("bearer", List.of())), security, name + " declares bearer security");
          for (String status : List.of("401", "429", "503")) {
            assertNotNull(responses.get(status), name + " declares " + status);
          }
          assertTrue(responses.keySet().stream().anyMatch(s -> s.startsWith("2")), name + " declares a success");
          if (operation.containsKey("requestBody")) {
            assertNotNull(responses.get("415"), name + " takes a body, so declares 415");
            assertNotNull(responses.get("413"), name + " takes a body, so declares 413");
            assertNotNull(responses.get("400"), name + " takes a body, so declares 400");
          }
          checked++;
        } else {
          assertEquals(List.of(), security, name + " needs no key");
        }
      }
    }
    assertEquals(daemon.running().daemon().endpoints().size(), checked);
  }

  @Test
  void unauthorizedResponse_carriesWwwAuthenticate_andProblemTypesAreListed() {
    Map<String, Object> components = map(document.get("components"));
    Map<String, Object> unauthorized = map(map(components.get("responses")).get("Unauthorized"));
    assertNotNull(map(unauthorized.get("headers")).get("WWW-Authenticate"));
    Map<String, Object> problem = map(map(components.get("schemas")).get("Problem"));
    List<?> types = (List<?>) map(map(problem.get("properties")).get("type")).get("enum");
    for (String slug : List.of("bad-request", "unauthorized", "not-found", "method-not-allowed", "illegal-transition",
        "fenced", "lease-held",
        "stale-version", "too-large", "unsupported-media-type", "rate-limited", "limit-reached", "internal",
        "unavailable", "forbidden", "exists")) {
      assertTrue(types.contains("urn:sessiond:problem:" + slug), slug);
    }
    assertTrue(text.contains("type: Buffer"), "has a Baileys Buffer JSON example");
  }

  private static Set<String> documentedOperations() {
    Set<String> ops = new TreeSet<>();
    for (Map.Entry<String, Object> path : map(document.get("paths")).entrySet()) {
      for (String key : map(path.getValue()).keySet()) {
        if (METHODS.contains(key)) {
          ops.add(key.toUpperCase() + " " + path.getKey());
        }
      }
    }
    return ops;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertTrue(o instanceof Map, "expected a mapping, got " + o);
    return (Map<String, Object>) o;
  }
}
