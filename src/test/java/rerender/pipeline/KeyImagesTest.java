package rerender.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rerender.video.FloatImage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyImagesTest {
    @TempDir
    Path dir;

    @Test
    void sameAspectIsResizedWithAWarningOtherAspectIsRefused() throws IOException {
        new FloatImage(128, 96, 3).filled(60).writePng(dir.resolve("0000.png"));
        new FloatImage(64, 48, 3).filled(90).writePng(dir.resolve("0004.jpg"));
        List<String> warnings = new ArrayList<>();
        Map<Integer, FloatImage> keys = KeyImages.load(dir, new PropagationPlan(5, new int[]{0, 4}), 64, 48,
                warnings::add);
        assertEquals(64, keys.get(0).width);
        assertEquals(48, keys.get(0).height);
        assertEquals(60, keys.get(0).get(10, 10, 1), 1e-6); // a flat image stays flat through area resizing
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().contains("0000.png"), warnings.getFirst());

        new FloatImage(64, 64, 3).writePng(dir.resolve("0004.png"));
        var e = assertThrows(IOException.class, () -> KeyImages.load(dir, new PropagationPlan(5, new int[]{0, 4}),
                64, 48, w -> { }));
        assertTrue(e.getMessage().contains("0004.png") && e.getMessage().contains("aspect"), e.getMessage());
    }

    @Test
    void folderScheduleListsNumberedImages() throws IOException {
        for (String n : new String[]{"0000.png", "0012.jpg", "0030.png", "notes.txt", "12.png"}) {
            new FloatImage(8, 8, 3).writePng(dir.resolve(n));
        }
        PropagationPlan p = KeySchedule.fromFolder().plan(31, dir);
        assertEquals(List.of(0, 12, 30), java.util.Arrays.stream(p.keys()).boxed().toList());
    }
}
