package io.sessiond.http;

/** Request bodies of the largest sizes the limits allow, of the shapes that cost most per byte. */
final class BoundedWorkDocs {
  private BoundedWorkDocs() {
  }

  /** An import of session {@code imported} of about {@code bytes}: small pre-keys {@code "i":{"k":d}}. */
  static String importDoc(int bytes) {
    StringBuilder b = new StringBuilder(bytes).append("{\"id\":\"imported\",\"data\":{},\"keys\":{\"pre-key\":{");
    for (int i = 0; b.length() < bytes - 64; i++) {
      b.append(i == 0 ? "" : ",").append('"').append(i).append("\":{\"k\":").append(i % 10).append('}');
    }
    return b.append("}},\"messages\":[]}").toString();
  }

  /** How many keys {@link #importDoc} wrote. */
  static int keysIn(String importDoc) {
    return importDoc.split("\\{\"k\":", -1).length - 1;
  }

  /** A key batch of {@code keys} session keys of equal size filling nearly {@code bytes}. */
  static String keyBatch(int bytes, int keys) {
    int valueLength = Math.max(1, (bytes - 64) / keys - 16);
    String value = "\"" + "v".repeat(valueLength) + "\"";
    StringBuilder b = new StringBuilder(bytes).append("{\"session\":{");
    for (int i = 0; i < keys; i++) {
      b.append(i == 0 ? "" : ",").append("\"s").append(i).append("\":").append(value);
    }
    return b.append("}}").toString();
  }

  /** A PUT body of nearly {@code bytes} whose data has one small member per ~10 bytes. */
  static String put(int bytes) {
    StringBuilder b = new StringBuilder(bytes).append("{\"data\":{");
    for (int i = 0; b.length() < bytes - 64; i++) {
      b.append(i == 0 ? "" : ",").append("\"m").append(i).append("\":").append(i % 10);
    }
    return b.append("}}").toString();
  }
}
