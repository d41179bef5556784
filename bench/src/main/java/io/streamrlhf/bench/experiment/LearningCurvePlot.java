package io.streamrlhf.bench.experiment;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** Draws the learning curves (thumbs-up rate of fresh rollouts against minutes of online training) as a PNG. */
public final class LearningCurvePlot {

    private static final Color[] COLORS = {
        new Color(0x1f77b4),
        new Color(0xd62728),
        new Color(0x2ca02c),
        new Color(0xff7f0e),
        new Color(0x9467bd),
        new Color(0x8c564b),
        new Color(0xe377c2),
        new Color(0x7f7f7f)
    };

    private LearningCurvePlot() {}

    /**
     * Re-draws curves from the experiment's CSV files, for curves taken in separate runs:
     * {@code LearningCurvePlot out.png minutes file.csv... [baseline:label=rate...]}; each CSV's rows
     * ({@code mode,version,minutes,examples,thumbs_up_rate,...}) become the curve "online MODE".
     */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        double minutes = Double.parseDouble(args[1]);
        Map<String, List<double[]>> curves = new java.util.LinkedHashMap<>();
        Map<String, Double> baselines = new java.util.LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            if (args[i].startsWith("baseline:")) {
                int eq = args[i].lastIndexOf('=');
                baselines.put(
                        args[i].substring("baseline:".length(), eq), Double.parseDouble(args[i].substring(eq + 1)));
                continue;
            }
            List<String> lines = java.nio.file.Files.readAllLines(Path.of(args[i]));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",");
                curves.computeIfAbsent("online " + f[0].toUpperCase(Locale.ROOT), k -> new java.util.ArrayList<>())
                        .add(new double[] {Double.parseDouble(f[2]), Double.parseDouble(f[4])});
            }
        }
        write(out, "Thumbs-up rate of fresh rollouts (held-out users) per policy version", curves, baselines, minutes);
    }

    /**
     * @param curves per label, points of (minutes, rate in [0, 1])
     * @param baselines horizontal reference lines, per label
     */
    public static void write(
            Path file,
            String title,
            Map<String, List<double[]>> curves,
            Map<String, Double> baselines,
            double maxMinutes)
            throws IOException {
        int w = 900;
        int h = 520;
        int left = 70;
        int right = 30;
        int top = 50;
        int bottom = 60;
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int pw = w - left - right;
        int ph = h - top - bottom;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i <= 10; i++) {
            int y = top + ph - i * ph / 10;
            g.setColor(new Color(0xeeeeee));
            g.drawLine(left, y, left + pw, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString((i * 10) + "%", left - 40, y + 4);
        }
        int ticks = (int) Math.ceil(maxMinutes);
        for (int m = 0; m <= ticks; m++) {
            int x = left + (int) (m / maxMinutes * pw);
            g.setColor(new Color(0xeeeeee));
            g.drawLine(x, top, x, top + ph);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.valueOf(m), x - 4, top + ph + 18);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        g.drawString("minutes of online training", left + pw / 2 - 80, h - 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, left, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int legendY = top + 20;
        int c = 0;
        for (Map.Entry<String, List<double[]>> curve : curves.entrySet()) {
            Color color = COLORS[c++ % COLORS.length];
            g.setColor(color);
            g.setStroke(new BasicStroke(2.2f));
            double[] prev = null;
            for (double[] p : curve.getValue()) {
                int x = left + (int) (Math.min(p[0], maxMinutes) / maxMinutes * pw);
                int y = top + ph - (int) (p[1] * ph);
                g.fillOval(x - 3, y - 3, 6, 6);
                if (prev != null) {
                    g.drawLine(
                            left + (int) (Math.min(prev[0], maxMinutes) / maxMinutes * pw),
                            top + ph - (int) (prev[1] * ph),
                            x,
                            y);
                }
                prev = p;
            }
            g.drawLine(left + pw - 230, legendY - 4, left + pw - 205, legendY - 4);
            g.setColor(Color.BLACK);
            g.drawString(curve.getKey(), left + pw - 198, legendY);
            legendY += 18;
        }
        for (Map.Entry<String, Double> line : baselines.entrySet()) {
            Color color = COLORS[c++ % COLORS.length];
            g.setColor(color);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 5}, 0));
            int y = top + ph - (int) (line.getValue() * ph);
            g.drawLine(left, y, left + pw, y);
            g.drawLine(left + pw - 230, legendY - 4, left + pw - 205, legendY - 4);
            g.setColor(Color.BLACK);
            g.drawString(
                    line.getKey() + String.format(Locale.ROOT, " (%.0f%%)", 100 * line.getValue()),
                    left + pw - 198,
                    legendY);
            legendY += 18;
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }
}
