// `rerender propagate`: fills the frames between stylised key frames (stage 2, SPEC §5) and writes the video.
package rerender.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import rerender.pipeline.KeySchedule;
import rerender.pipeline.Propagation;
import rerender.pipeline.PropagationSettings;
import rerender.video.io.Crop;
import rerender.video.io.FramePreparation;
import rerender.video.io.FrameRange;
import rerender.video.io.Mp4Settings;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

@Command(name = "propagate", mixinStandardHelpOptions = true,
        description = {"Propagate stylised key frames to every frame of a video (EbSynth-style guided synthesis "
                + "forward and backward from neighbouring keys, then blending).",
                "Key images are named by 0-based frame index, four digits: 0000.png, 0010.png (png or jpg).",
                "Re-running the same command resumes: verified finished segments are reused."})
public final class PropagateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PropagationRunOptions run = new PropagationRunOptions();

    @Option(names = "--video", required = true, paramLabel = "IN", description = "input video (or folder of frames)")
    Path video;

    @Option(names = "--keys", required = true, paramLabel = "DIR", description = "folder of stylised key frames")
    Path keys;

    @Option(names = "--output", required = true, paramLabel = "OUT.mp4", description = "output video")
    Path output;

    @Option(names = "--interval", paramLabel = "K",
            description = "keys are frames 0, K, 2K, ... and the last frame (default: every image in --keys)")
    Integer interval;

    @Option(names = "--key-frames", split = ",", paramLabel = "N", description = "explicit key frames, e.g. 0,12,30")
    int[] keyFrames;

    @Option(names = "--frames-out", paramLabel = "DIR", description = "also write every output frame as %%04d.png")
    Path framesOut;

    @Option(names = "--work", paramLabel = "DIR",
            description = "work folder for flows and finished segments (default: OUT.mp4 name + .work)")
    Path work;

    @Option(names = "--resolution", defaultValue = "512", description = "short side before rounding to 64 (default ${DEFAULT-VALUE})")
    int resolution;

    @Option(names = "--crop", paramLabel = "l,r,t,b", description = "pixels removed left,right,top,bottom before resizing")
    String crop;

    @Option(names = "--frame-range", paramLabel = "FIRST,COUNT", description = "use only COUNT frames from FIRST")
    String frameRange;

    @Option(names = "--crf", defaultValue = "18", description = "H.264 quality, 0-51, lower is better (default ${DEFAULT-VALUE})")
    int crf;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            PropagationSettings settings = run.applyTo(PropagationSettings.defaults()
                    .withPreparation(new FramePreparation(parseCrop(crop), resolution))
                    .withRange(parseRange(frameRange))
                    .withMp4(new Mp4Settings(crf, Mp4Settings.DEFAULT.preset())));
            KeySchedule schedule = schedule(interval, keyFrames);
            Path workDir = work != null ? work : defaultWorkDir(output);
            ConsoleProgress progress = new ConsoleProgress("propagate", err, run.quiet);
            Propagation.Report r = new Propagation().run(new Propagation.Job(video, keys, schedule, output, framesOut,
                    workDir, settings), progress);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("wrote %s (%d frames, %dx%d, keys %s; %d segment(s) computed, %d reused) in %.1f s%n",
                    r.output(), r.frameCount(), r.width(), r.height(), Arrays.toString(r.plan().keys()),
                    r.segmentsComputed(), r.segmentsReused(), r.seconds());
            if (r.framesOut() != null) {
                out.printf("frames in %s%n", r.framesOut());
            }
            out.flush();
            return 0;
        } catch (Exception | OutOfMemoryError e) {
            return CliErrors.report("propagate", e, run.verbose, err);
        }
    }

    static KeySchedule schedule(Integer interval, int[] keyFrames) {
        if (interval != null && keyFrames != null) {
            throw new IllegalArgumentException("give either --interval or --key-frames, not both");
        }
        return interval != null ? KeySchedule.every(interval)
                : keyFrames != null ? KeySchedule.at(keyFrames) : KeySchedule.fromFolder();
    }

    static Path defaultWorkDir(Path output) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return output.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".work");
    }

    static Crop parseCrop(String s) {
        if (s == null || s.isBlank()) {
            return Crop.NONE;
        }
        int[] v = parseInts(s, "--crop");
        if (v.length != 4) {
            throw new IllegalArgumentException("--crop needs four numbers left,right,top,bottom, got '" + s + "'");
        }
        return new Crop(v[0], v[1], v[2], v[3]);
    }

    static FrameRange parseRange(String s) {
        if (s == null || s.isBlank()) {
            return FrameRange.EVERYTHING;
        }
        int[] v = parseInts(s, "--frame-range");
        if (v.length != 2) {
            throw new IllegalArgumentException("--frame-range needs FIRST,COUNT, got '" + s + "'");
        }
        return new FrameRange(v[0], v[1]);
    }

    static int[] parseInts(String s, String option) {
        try {
            return Arrays.stream(s.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " expects comma-separated integers, got '" + s + "'");
        }
    }
}
