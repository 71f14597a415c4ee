package io.precis.kernel.install;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** The kernel's logo, drawn rather than shipped: a "P" over a staircase of quantization levels. */
final class Logo {

    static final String SVG = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
              <rect x="2" y="2" width="60" height="60" rx="12" fill="#1f3a5f"/>
              <path d="M10 52 H20 V44 H30 V36 H40 V28 H50 V20 H56" fill="none" stroke="#f2a541" stroke-width="4"/>
              <text x="14" y="36" font-family="sans-serif" font-weight="bold" font-size="30" fill="#ffffff">P</text>
            </svg>
            """;

    private Logo() {}

    static byte[] png(int size) throws IOException {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            double s = size / 64.0;
            g.setColor(new Color(0x1f3a5f));
            g.fill(new RoundRectangle2D.Double(2 * s, 2 * s, 60 * s, 60 * s, 24 * s, 24 * s));
            g.setColor(new Color(0xf2a541));
            g.setStroke(new BasicStroke((float) (4 * s)));
            int[] xs = {10, 20, 20, 30, 30, 40, 40, 50, 50, 56};
            int[] ys = {52, 52, 44, 44, 36, 36, 28, 28, 20, 20};
            for (int i = 0; i < xs.length - 1; i++) {
                g.drawLine((int) (xs[i] * s), (int) (ys[i] * s), (int) (xs[i + 1] * s), (int) (ys[i + 1] * s));
            }
            g.setColor(Color.WHITE);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, (int) Math.round(30 * s)));
            g.drawString("P", (int) (14 * s), (int) (36 * s));
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
