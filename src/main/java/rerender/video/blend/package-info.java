// Blending of the forward and backward propagated results (SPEC §5 "Blending"; Jamriška et al. 2019 §3.3; the
// reference Rerender's blender/histogram_blend.py, blender/poisson_fusion.py and video_blend.py).
/**
 * Entry point: {@link rerender.video.blend.FrameBlender#blend} for one in-between frame, with the weight from
 * {@link rerender.video.blend.ErrorMask#forwardWeight}. Data flow inside:
 * ErrorMask (per-pixel choice A/B, OR-ed with the warped previous mask) → HistogramBlend (Lab mean/std-preserving
 * mix) → optional PoissonBlend (gradient-domain least squares per Lab channel) solved directly by DctPoissonSolver,
 * which runs on Dct (Makhoul's DCT-II via one FFT) on Fft (batched mixed-radix Stockham, Bluestein for large primes).
 * References beside the fast kernels: Fft.naiveForward, Dct.naiveForward, ReferencePoissonSolver (conjugate
 * gradients on GridDifferences). PoissonBenchmark (test sources) times the Poisson step.
 */
package rerender.video.blend;
