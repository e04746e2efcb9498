package dev.fedmesh.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Draws propagation p50 and p99 against cluster count (log scale), with the floor and the target, as a PNG. */
final class PropagationPlot {
    private static final int WIDTH = 960;
    private static final int HEIGHT = 600;
    private static final int LEFT = 90;
    private static final int RIGHT = 250;
    private static final int TOP = 70;
    private static final int BOTTOM = 80;
    private static final Color P50 = new Color(0x1f77b4);
    private static final Color P99 = new Color(0xd62728);
    private static final Color FLOOR = new Color(0x2ca02c);
    private static final Color TARGET = new Color(0x7f7f7f);
    private static final Stroke LINE = new BasicStroke(2.5f);
    private static final Stroke DASHED = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
            new float[] {8, 6}, 0);

    private final List<PropagationBenchmark.Result> results;
    private final double floorP50;
    private final double targetP99;
    private final String subtitle;

    PropagationPlot(List<PropagationBenchmark.Result> results, double floorP50, double targetP99, String subtitle) {
        this.results = results;
        this.floorP50 = floorP50;
        this.targetP99 = targetP99;
        this.subtitle = subtitle;
    }

    void write(Path png) throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);

        double yMax = niceCeiling(Math.max(targetP99, results.stream().mapToDouble(r -> r.propagation().p99()).max()
                .orElse(targetP99)) * 1.15);
        int minClusters = results.stream().mapToInt(PropagationBenchmark.Result::clusters).min().orElse(1);
        int maxClusters = results.stream().mapToInt(PropagationBenchmark.Result::clusters).max().orElse(100);
        double xLow = Math.log10(minClusters) - 0.15;
        double xHigh = Math.log10(Math.max(maxClusters, minClusters * 10)) + 0.15;
        Axes axes = new Axes(xLow, xHigh, yMax);

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString("fedmesh propagation: API 200 \u2192 every agent applied and real xDS clients received", LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(subtitle, LEFT, 52);

        drawGrid(g, axes, minClusters, maxClusters);
        horizontal(g, axes, targetP99, TARGET, "target: p99 < " + format(targetP99) + " ms", "at 100 clusters");
        // One line for the floor: the floor itself and three times it are often a few pixels apart.
        horizontal(g, axes, floorP50 * 3, FLOOR, "3\u00d7 floor p50: " + format(floorP50 * 3) + " ms",
                "(floor: PG commit + Kafka after a pause, " + format(floorP50) + " ms)");
        series(g, axes, P50, "p50", true);
        series(g, axes, P99, "p99", false);
        legend(g);
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(image, "png", png.toFile());
    }

    private record Axes(double xLow, double xHigh, double yMax) {
        int x(double clusters) {
            double fraction = (Math.log10(clusters) - xLow) / (xHigh - xLow);
            return LEFT + (int) Math.round(fraction * (WIDTH - LEFT - RIGHT));
        }

        int y(double millis) {
            return HEIGHT - BOTTOM - (int) Math.round(millis / yMax * (HEIGHT - TOP - BOTTOM));
        }
    }

    private void drawGrid(Graphics2D g, Axes axes, int minClusters, int maxClusters) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics metrics = g.getFontMetrics();
        double step = niceCeiling(axes.yMax() / 6);
        for (double millis = 0; millis <= axes.yMax() + 1e-9; millis += step) {
            int y = axes.y(millis);
            g.setColor(new Color(0xeeeeee));
            g.drawLine(LEFT, y, WIDTH - RIGHT, y);
            g.setColor(Color.DARK_GRAY);
            String label = format(millis);
            g.drawString(label, LEFT - 10 - metrics.stringWidth(label), y + 5);
        }
        for (int clusters = 1; clusters <= Math.max(maxClusters, 100); clusters *= 10) {
            if (clusters < minClusters) {
                continue;
            }
            int x = axes.x(clusters);
            g.setColor(new Color(0xeeeeee));
            g.drawLine(x, TOP, x, HEIGHT - BOTTOM);
            g.setColor(Color.DARK_GRAY);
            String label = String.valueOf(clusters);
            g.drawString(label, x - metrics.stringWidth(label) / 2, HEIGHT - BOTTOM + 20);
        }
        g.setColor(Color.BLACK);
        g.drawLine(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM);
        g.drawLine(LEFT, TOP, LEFT, HEIGHT - BOTTOM);
        String xTitle = "clusters (one agent each, log scale)";
        g.drawString(xTitle, LEFT + (WIDTH - LEFT - RIGHT - metrics.stringWidth(xTitle)) / 2, HEIGHT - BOTTOM + 48);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        String yTitle = "milliseconds after the API's 200";
        rotated.drawString(yTitle, -(TOP + (HEIGHT - TOP - BOTTOM + metrics.stringWidth(yTitle)) / 2), 28);
        rotated.dispose();
    }

    private void horizontal(Graphics2D g, Axes axes, double millis, Color color, String label, String secondLine) {
        if (millis > axes.yMax()) {
            return;
        }
        int y = axes.y(millis);
        g.setColor(color);
        g.setStroke(DASHED);
        g.drawLine(LEFT, y, WIDTH - RIGHT, y);
        g.setStroke(new BasicStroke(1));
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(label, WIDTH - RIGHT + 8, y + 4);
        g.drawString(secondLine, WIDTH - RIGHT + 8, y + 20);
    }

    private void series(Graphics2D g, Axes axes, Color color, String name, boolean labelBelow) {
        g.setColor(color);
        g.setStroke(LINE);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        int previousX = -1;
        int previousY = -1;
        for (PropagationBenchmark.Result result : results) {
            double millis = name.equals("p50") ? result.propagation().p50() : result.propagation().p99();
            int x = axes.x(result.clusters());
            int y = axes.y(millis);
            if (previousX >= 0) {
                g.drawLine(previousX, previousY, x, y);
            }
            g.fillOval(x - 5, y - 5, 10, 10);
            String label = format(millis) + " ms";
            // Upper labels sit left of the point, clear of the line rising to the next one.
            int labelX = labelBelow || previousX < 0 ? x + 8 : x - 8 - g.getFontMetrics().stringWidth(label);
            g.drawString(label, labelX, labelBelow ? y + 18 : y - 8);
            previousX = x;
            previousY = y;
        }
        g.setStroke(new BasicStroke(1));
    }

    private void legend(Graphics2D g) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int x = WIDTH - RIGHT + 8;
        int y = TOP + 10;
        g.setColor(P99);
        g.fillOval(x, y - 9, 10, 10);
        g.setColor(Color.BLACK);
        g.drawString("propagation p99", x + 16, y);
        g.setColor(P50);
        g.fillOval(x, y + 11, 10, 10);
        g.setColor(Color.BLACK);
        g.drawString("propagation p50", x + 16, y + 20);
    }

    private static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double factor : new double[] {1, 2, 2.5, 5, 10}) {
            if (factor * magnitude >= value) {
                return factor * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String format(double millis) {
        return millis >= 100 ? String.valueOf(Math.round(millis)) : String.format(Locale.ROOT, "%.1f", millis);
    }
}
