// `rerender stylize` on a file and on a folder: outputs equal the filter applied directly; bad names fail cleanly.
package rerender.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import rerender.video.FloatImage;
import rerender.video.style.StyleFilter;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StylizeCommandTest {
    private static FloatImage image(int w, int h) {
        FloatImage img = new FloatImage(w, h, 3);
        for (int i = 0; i < img.data.length; i++) {
            img.data[i] = (i * 37 % 251);
        }
        return img;
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        return cl.execute(args);
    }

    @Test
    void fileAndFolder(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        image(24, 16).writePng(in.resolve("0000.png"));
        image(24, 16).writePng(in.resolve("0010.png"));
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "stylize", "--style", "painterly", in.resolve("0000.png").toString(),
                dir.resolve("one.png").toString()), err.toString());
        FloatImage expected = FloatImage.read(in.resolve("0000.png"));
        expected = StyleFilter.byName("painterly").apply(expected);
        float[] want = new float[expected.data.length];
        for (int i = 0; i < want.length; i++) {
            want[i] = FloatImage.to8(expected.data[i]);
        }
        assertArrayEquals(want, FloatImage.read(dir.resolve("one.png")).data);
        assertEquals(0, run(err, "stylize", in.toString(), dir.resolve("out").toString()), err.toString());
        assertTrue(Files.exists(dir.resolve("out/0000.png")) && Files.exists(dir.resolve("out/0010.png")));
    }

    @Test
    void unknownStyleFailsWithOneLine(@TempDir Path dir) throws Exception {
        image(8, 8).writePng(dir.resolve("a.png"));
        StringWriter err = new StringWriter();
        assertEquals(1, run(err, "stylize", "--style", "oil", dir.resolve("a.png").toString(), dir.resolve("b.png").toString()));
        assertTrue(err.toString().contains("unknown style filter 'oil'"), err.toString());
    }
}
