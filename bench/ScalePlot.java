import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws the scale benchmark's curves into one PNG, one panel per measure against the number of
 * sessions (log scale). Run with the JDK's source launcher, headless:
 * {@code java -Djava.awt.headless=true bench/ScalePlot.java <results.csv> <out.png>}.
 * The CSV's header names the columns; the first is the number of sessions.
 */
public final class ScalePlot {
  /** A panel: its title, unit and the CSV columns drawn in it (one line each). */
  record Panel(String title, String unit, String... columns) {
  }

  static final Panel[] PANELS = {
      new Panel("Redis memory per session", "bytes", "redis_bytes_per_session", "payload_bytes_per_session"),
      new Panel("Daemon heap after a full GC", "MiB", "heap_used_mib"),
      new Panel("Idle CPU over 20 s", "cores", "idle_cpu_daemon", "idle_cpu_redis"),
      new Panel("Latency p99 (open loop)", "ms", "get_p99_ms", "put_p99_ms"),
      new Panel("Restore of all from PostgreSQL", "s", "restore_s"),
      new Panel("Restore rate", "sessions/s", "restore_rate"),
  };
  static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c)};

  public static void main(String[] args) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(args[0]));
    List<String> header = List.of(lines.get(0).split(","));
    List<double[]> rows = new ArrayList<>();
    for (String l : lines.subList(1, lines.size())) {
      if (l.isBlank()) {
        continue;
      }
      String[] f = l.split(",");
      double[] r = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        try {
          r[i] = Double.parseDouble(f[i]);
        } catch (NumberFormatException e) {
          r[i] = Double.NaN;
        }
      }
      rows.add(r);
    }
    int cols = 3;
    int pw = 420;
    int ph = 300;
    BufferedImage img = new BufferedImage(cols * pw, 2 * ph + 30, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString("sessiond at scale: sessions of ~1 KiB data, 20 keys, 20 messages (x: sessions, log scale)", 10, 20);
    for (int p = 0; p < PANELS.length; p++) {
      panel(g, PANELS[p], header, rows, (p % cols) * pw, 30 + (p / cols) * ph, pw, ph);
    }
    ImageIO.write(img, "png", new File(args[1]));
  }

  private static void panel(Graphics2D g, Panel panel, List<String> header, List<double[]> rows, int x0, int y0,
                            int w, int h) {
    int left = x0 + 60;
    int right = x0 + w - 15;
    int top = y0 + 30;
    int bottom = y0 + h - 45;
    double minX = Double.MAX_VALUE;
    double maxX = 0;
    double maxY = 0;
    for (double[] r : rows) {
      minX = Math.min(minX, r[0]);
      maxX = Math.max(maxX, r[0]);
      for (String c : panel.columns()) {
        int i = header.indexOf(c);
        if (i >= 0 && i < r.length && !Double.isNaN(r[i])) {
          maxY = Math.max(maxY, r[i]);
        }
      }
    }
    maxY = maxY <= 0 ? 1 : niceCeil(maxY * 1.1);
    double lx0 = Math.log10(Math.max(1, minX)) - 0.1;
    double lx1 = Math.log10(Math.max(10, maxX)) + 0.1;
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
    g.drawString(panel.title() + " (" + panel.unit() + ")", left, y0 + 18);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    g.drawLine(left, bottom, right, bottom);
    g.drawLine(left, top, left, bottom);
    for (int t = 0; t <= 4; t++) {
      double v = maxY * t / 4;
      int y = bottom - (int) ((bottom - top) * t / 4.0);
      g.setColor(new Color(0xdddddd));
      g.drawLine(left + 1, y, right, y);
      g.setColor(Color.BLACK);
      g.drawString(label(v), x0 + 5, y + 4);
    }
    for (int e = (int) Math.ceil(lx0); e <= lx1; e++) {
      int x = left + (int) ((right - left) * (e - lx0) / (lx1 - lx0));
      g.drawLine(x, bottom, x, bottom + 4);
      g.drawString(label(Math.pow(10, e)), x - 12, bottom + 16);
    }
    int legend = 0;
    for (int c = 0; c < panel.columns().length; c++) {
      int i = header.indexOf(panel.columns()[c]);
      if (i < 0) {
        continue;
      }
      g.setColor(COLORS[c % COLORS.length]);
      g.setStroke(new BasicStroke(2f));
      int px = -1;
      int py = -1;
      for (double[] r : rows) {
        if (i >= r.length || Double.isNaN(r[i])) {
          continue;
        }
        int x = left + (int) ((right - left) * (Math.log10(Math.max(1, r[0])) - lx0) / (lx1 - lx0));
        int y = bottom - (int) ((bottom - top) * r[i] / maxY);
        g.fillOval(x - 3, y - 3, 7, 7);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
      g.setStroke(new BasicStroke(1f));
      g.drawString(panel.columns()[c], left + 5 + legend, bottom + 32);
      legend += g.getFontMetrics().stringWidth(panel.columns()[c]) + 15;
    }
  }

  private static double niceCeil(double v) {
    double m = Math.pow(10, Math.floor(Math.log10(v)));
    for (double s : new double[] {1, 2, 2.5, 5, 10}) {
      if (s * m >= v) {
        return s * m;
      }
    }
    return 10 * m;
  }

  private static String label(double v) {
    if (v >= 1_000_000) {
      return trim(v / 1_000_000) + "M";
    }
    if (v >= 1000) {
      return trim(v / 1000) + "k";
    }
    return trim(v);
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format("%.2f", v).replaceAll("0+$", "");
  }
}
