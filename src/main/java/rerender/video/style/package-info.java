// Deterministic classical per-frame stylisation filters: stylised key frames without a diffusion model (the bundled
// sample) and ground truth for the propagation quality benchmark.
/**
 * {@link rerender.video.style.StyleFilter#byName}: "cartoon" ({@link rerender.video.style.CartoonFilter}: bilateral
 * smoothing in Lab, soft luminance quantisation, DoG lines; local), "painterly"
 * ({@link rerender.video.style.PainterlyFilter}: domain-transform recursive filter + edge darkening, close in spirit
 * to OpenCV's stylization), "cv-stylization" ({@link rerender.video.style.CvStylization}: OpenCV's
 * stylization(60, 0.45) itself, through bytedeco).
 */
package rerender.video.style;
