package io.sessiond.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * RFC 7396 JSON merge patch over Vert.x JSON values. A pure function: neither argument is changed
 * and the result shares no mutable object or array with them.
 */
public final class MergePatch {
  private MergePatch() {
  }

  /** Applies an object patch to an object document, the case session data always is. */
  public static JsonObject apply(JsonObject target, JsonObject patch) {
    return (JsonObject) apply((Object) target, patch);
  }

  /**
   * The RFC's MergePatch(Target, Patch) for any JSON value: a non-object patch replaces the target
   * whole, an object patch merges member by member, and a {@code null} member removes that member.
   */
  public static Object apply(Object target, Object patch) {
    if (!(patch instanceof JsonObject patchObject)) {
      return deepCopy(patch);
    }
    JsonObject result = target instanceof JsonObject targetObject ? targetObject.copy() : new JsonObject();
    for (String name : patchObject.fieldNames()) {
      Object patchValue = patchObject.getValue(name);
      if (patchValue == null) {
        result.remove(name);
      } else {
        result.put(name, apply(result.getValue(name), patchValue));
      }
    }
    return result;
  }

  private static Object deepCopy(Object value) {
    if (value instanceof JsonObject object) {
      return object.copy();
    }
    if (value instanceof JsonArray array) {
      return array.copy();
    }
    return value;
  }
}
