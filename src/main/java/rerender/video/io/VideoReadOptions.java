// How to read a video: which frames, how to prepare them, and the frame rate to assume for a frame folder.
package rerender.video.io;

/**
 * @param range           frames to read (default: all)
 * @param preparation     crop + resize (default: no crop, short side 512, multiples of 64)
 * @param folderFrameRate frame rate of a folder of frames, which stores none (default 25); ignored for video files
 */
public record VideoReadOptions(FrameRange range, FramePreparation preparation, Rational folderFrameRate) {
    public static final Rational DEFAULT_FOLDER_RATE = new Rational(25, 1);
    public static final VideoReadOptions DEFAULT =
            new VideoReadOptions(FrameRange.EVERYTHING, FramePreparation.DEFAULT, DEFAULT_FOLDER_RATE);

    public VideoReadOptions {
        if (range == null) {
            range = FrameRange.EVERYTHING;
        }
        if (preparation == null) {
            preparation = FramePreparation.DEFAULT;
        }
        if (folderFrameRate == null) {
            folderFrameRate = DEFAULT_FOLDER_RATE;
        }
    }

    public VideoReadOptions withRange(FrameRange r) {
        return new VideoReadOptions(r, preparation, folderFrameRate);
    }

    public VideoReadOptions withPreparation(FramePreparation p) {
        return new VideoReadOptions(range, p, folderFrameRate);
    }
}
