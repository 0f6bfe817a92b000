import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The CPU cost of sealing and opening one value as encryption at rest does it (AES-256-GCM from the
 * JDK, a random 96-bit nonce, associated data, base64 in the JSON form; see
 * src/main/java/io/sessiond/encryption/Aead.java and SealedForm.java), per value size. Measured in
 * thread CPU time, not wall time, so a loaded machine disturbs it much less than req/s. Every case
 * goes through the JSON form (base64); a blob chunk is stored in binary form, so its row overstates it
 * by the base64 (about a third).
 *
 *   java bench/SealCost.java [iterations]
 */
public final class SealCost {
  private static final SecureRandom RANDOM = new SecureRandom();

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    SecretKeySpec key = new SecretKeySpec(raw, "AES");
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    byte[] aad = "sessiond/v1\0tenant\0s-0123456789\0key\0pre-key\01234".getBytes(StandardCharsets.UTF_8);
    System.out.println("| value | size | seal + base64, CPU µs | open (base64 + AES-GCM), CPU µs |");
    System.out.println("| --- | ---: | ---: | ---: |");
    int[][] cases = {{150, n}, {1024, n}, {512 * 1024, Math.max(20, n / 100)}};
    String[] names = {"a Baileys pre-key", "session data", "a blob chunk"};
    // Warm-up over every size first, so the JIT has compiled the AES-GCM and base64 paths before any is timed.
    for (int round = 0; round < 3; round++) {
      for (int[] kase : cases) {
        byte[] plain = new byte[kase[0]];
        for (int i = 0; i < kase[1]; i++) {
          open(cipher, key, seal(cipher, key, plain, aad), aad);
        }
      }
    }
    for (int c = 0; c < cases.length; c++) {
      int size = cases[c][0];
      int iters = cases[c][1];
      byte[] plain = new byte[size];
      RANDOM.nextBytes(plain);
      String sealed = null;
      long t0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < iters; i++) {
        sealed = seal(cipher, key, plain, aad);
      }
      long t1 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < iters; i++) {
        if (open(cipher, key, sealed, aad).length != size) {
          throw new IllegalStateException("did not open");
        }
      }
      long t2 = mx.getCurrentThreadCpuTime();
      System.out.printf("| %s | %,d B | %.2f | %.2f |%n", names[c], size, (t1 - t0) / 1e3 / iters, (t2 - t1) / 1e3 / iters);
    }
  }

  private static String seal(Cipher c, SecretKeySpec key, byte[] plain, byte[] aad) throws Exception {
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    byte[] out = new byte[12 + plain.length + 16];
    System.arraycopy(nonce, 0, out, 0, 12);
    c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
    c.updateAAD(aad);
    c.doFinal(plain, 0, plain.length, out, 12);
    return "{\"$sealed\":\"k1." + Base64.getEncoder().encodeToString(out) + "\"}";
  }

  private static byte[] open(Cipher c, SecretKeySpec key, String sealed, byte[] aad) throws Exception {
    byte[] bytes = Base64.getDecoder().decode(sealed.substring(15, sealed.length() - 2));
    c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, bytes, 0, 12));
    c.updateAAD(aad);
    return c.doFinal(bytes, 12, bytes.length - 12);
  }
}
