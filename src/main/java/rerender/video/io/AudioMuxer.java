// Muxes a video-only mp4 and a span of another file's audio into one mp4: packets are copied (no re-encoding)
// and interleaved by time. Used with AAC audio; other codecs are first re-encoded by AudioTranscoder.
package rerender.video.io;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.PointerPointer;

import java.io.IOException;
import java.nio.file.Path;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_NOFILE;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_q2d;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

final class AudioMuxer {
    private AudioMuxer() {
    }

    /** Writes {@code out} = video stream of {@code video} + audio packets of {@code audio} within its span. */
    static void mux(Path video, AudioTrack audio, Path out) throws IOException {
        AVFormatContext vin = openInput(video);
        AVFormatContext ain = null;
        AVFormatContext oc = null;
        AVPacket vp = av_packet_alloc();
        AVPacket ap = av_packet_alloc();
        try {
            ain = openInput(audio.source());
            AVStream vs = firstStream(vin, AVMEDIA_TYPE_VIDEO, video);
            AVStream as = firstStream(ain, AVMEDIA_TYPE_AUDIO, audio.source());
            oc = new AVFormatContext(null);
            check(avformat_alloc_output_context2(oc, null, "mp4", out.toString()), "create mp4 muxer", out);
            AVStream ovs = copyStream(oc, vs, out);
            AVStream oas = copyStream(oc, as, out);
            if ((oc.oformat().flags() & AVFMT_NOFILE) == 0) {
                AVIOContext pb = new AVIOContext(null);
                check(avio_open(pb, out.toString(), AVIO_FLAG_WRITE), "open for writing", out);
                oc.pb(pb);
            }
            check(avformat_write_header(oc, (AVDictionary) null), "write mp4 header", out);

            AVRational atb = as.time_base();
            long startTs = Math.round(audio.startSeconds() / av_q2d(atb));
            boolean vMore = next(vin, vs.index(), vp, video);
            boolean aMore = nextAudio(ain, as.index(), ap, audio, startTs, audio.source());
            while (vMore || aMore) {
                boolean takeVideo = !aMore
                        || (vMore && seconds(vp, vs.time_base()) <= seconds(ap, atb) - audio.startSeconds());
                if (takeVideo) {
                    write(oc, vp, vs.time_base(), ovs, 0, out);
                    vMore = next(vin, vs.index(), vp, video);
                } else {
                    write(oc, ap, atb, oas, startTs, out);
                    aMore = nextAudio(ain, as.index(), ap, audio, startTs, audio.source());
                }
            }
            check(av_write_trailer(oc), "finish mp4", out);
        } finally {
            av_packet_free(vp);
            av_packet_free(ap);
            if (oc != null) {
                if (oc.pb() != null && (oc.oformat().flags() & AVFMT_NOFILE) == 0) {
                    avio_closep(oc.pb());
                }
                avformat_free_context(oc);
            }
            avformat_close_input(vin);
            if (ain != null) {
                avformat_close_input(ain);
            }
        }
    }

    private static AVFormatContext openInput(Path p) throws IOException {
        AVFormatContext ctx = new AVFormatContext(null);
        check(avformat_open_input(ctx, p.toString(), null, null), "open", p);
        int r = avformat_find_stream_info(ctx, (PointerPointer<?>) null);
        if (r < 0) {
            avformat_close_input(ctx);
            check(r, "read stream info of", p);
        }
        return ctx;
    }

    private static AVStream firstStream(AVFormatContext ctx, int type, Path p) throws IOException {
        for (int i = 0; i < ctx.nb_streams(); i++) {
            if (ctx.streams(i).codecpar().codec_type() == type) {
                return ctx.streams(i);
            }
        }
        throw new IOException("no " + (type == AVMEDIA_TYPE_AUDIO ? "audio" : "video") + " stream in " + p);
    }

    private static AVStream copyStream(AVFormatContext oc, AVStream in, Path out) throws IOException {
        AVStream s = avformat_new_stream(oc, null);
        if (s == null) {
            throw new IOException("cannot add a stream to " + out);
        }
        check(avcodec_parameters_copy(s.codecpar(), in.codecpar()), "copy stream parameters into", out);
        s.codecpar().codec_tag(0); // let the mp4 muxer choose its own tag
        s.time_base(in.time_base());
        return s;
    }

    /** Reads the next packet of stream {@code index} into {@code pkt}; false at the end. */
    private static boolean next(AVFormatContext ctx, int index, AVPacket pkt, Path p) throws IOException {
        while (true) {
            av_packet_unref(pkt);
            int r = av_read_frame(ctx, pkt);
            if (r < 0) {
                return false; // end of file (a read error also ends the stream: the decoder reported it earlier)
            }
            if (pkt.stream_index() == index) {
                return true;
            }
        }
    }

    /** Next audio packet overlapping [start, end) of the track; packets before the span are skipped. */
    private static boolean nextAudio(AVFormatContext ctx, int index, AVPacket pkt, AudioTrack a, long startTs, Path p)
            throws IOException {
        AVRational tb = ctx.streams(index).time_base();
        while (next(ctx, index, pkt, p)) {
            long ts = pkt.pts() != AV_NOPTS_VALUE ? pkt.pts() : pkt.dts();
            double t = ts * av_q2d(tb);
            double end = (ts + Math.max(0, pkt.duration())) * av_q2d(tb);
            if (t >= a.endSeconds() - 1e-9) {
                return false;
            }
            if (end > a.startSeconds() + 1e-9 || (a.startSeconds() == 0 && ts <= 0)) {
                return true;
            }
        }
        return false;
    }

    private static double seconds(AVPacket p, AVRational tb) {
        long ts = p.dts() != AV_NOPTS_VALUE ? p.dts() : p.pts();
        return ts * av_q2d(tb);
    }

    private static void write(AVFormatContext oc, AVPacket pkt, AVRational inTb, AVStream os, long shift, Path out)
            throws IOException {
        if (shift != 0) {
            if (pkt.pts() != AV_NOPTS_VALUE) {
                pkt.pts(pkt.pts() - shift);
            }
            if (pkt.dts() != AV_NOPTS_VALUE) {
                pkt.dts(pkt.dts() - shift);
            }
        }
        av_packet_rescale_ts(pkt, inTb, os.time_base());
        pkt.stream_index(os.index());
        pkt.pos(-1);
        check(av_interleaved_write_frame(oc, pkt), "write a packet to", out);
    }

    static void check(int r, String what, Path p) throws IOException {
        if (r < 0) {
            byte[] buf = new byte[256];
            av_strerror(r, buf, buf.length);
            int n = 0;
            while (n < buf.length && buf[n] != 0) {
                n++;
            }
            throw new IOException("cannot " + what + " " + p + ": " + new String(buf, 0, n) + " (" + r + ")");
        }
    }
}
