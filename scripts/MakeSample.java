// One-off tool: cuts the bundled sample clip (sample/clip.mp4) out of a shared video with the project's own video
// I/O: frames [first, first+count), short side resized to `resolution` (SPEC §2 rule), H.264 CRF 20, audio kept.
// Run: java -cp target/classes:$(cat target/classpath.txt) scripts/MakeSample.java IN OUT FIRST COUNT RESOLUTION
import rerender.video.FloatImage;
import rerender.video.io.*;

import java.nio.file.Path;
import java.util.List;

public class MakeSample {
    public static void main(String[] a) throws Exception {
        Path in = Path.of(a[0]), out = Path.of(a[1]);
        FrameRange range = new FrameRange(Integer.parseInt(a[2]), Integer.parseInt(a[3]));
        FramePreparation prep = new FramePreparation(Crop.NONE, Integer.parseInt(a[4]));
        VideoReadOptions opt = VideoReadOptions.DEFAULT.withRange(range).withPreparation(prep);
        try (VideoSource src = VideoSource.open(in, opt)) {
            List<FloatImage> frames = src.readAll();
            VideoInfo info = src.info();
            AudioTrack audio = info.hasAudio() ? AudioTrack.forFrames(info, range) : null;
            FloatImage f0 = frames.getFirst();
            try (Mp4Writer w = Mp4Writer.open(out, f0.width, f0.height, info.frameRate(), new Mp4Settings(20, "slow"),
                    audio)) {
                for (FloatImage f : frames) {
                    w.write(f);
                }
                w.finish();
            }
            System.out.println(frames.size() + " frames " + f0.width + "x" + f0.height + " audio=" + info.hasAudio());
        }
    }
}
