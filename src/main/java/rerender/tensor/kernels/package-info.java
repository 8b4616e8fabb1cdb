/**
 * Compute kernels of the diffusion engine, pure Java on the Vector API (jdk.incubator.vector), each with a naive
 * reference beside it and a test comparing the two.
 *
 * <ul>
 *   <li>{@link rerender.tensor.kernels.Parallel}: the explicit execution context (worker threads, range split).</li>
 *   <li>{@link rerender.tensor.kernels.Gemm}: C (+)= A.B and A.B^T, row-major with leading dimensions; fp16 B too.</li>
 *   <li>{@link rerender.tensor.kernels.Conv2d}: NCHW convolution as implicit GEMM (no im2col buffer); 3x3
 *       stride-1 pad-1 convolutions on maps of 32x32 and up go through Winograd F(4x4, 3x3) (Winograd3x3).</li>
 *   <li>{@link rerender.tensor.kernels.Attention}: tiled multi-head attention with online softmax.</li>
 *   <li>{@link rerender.tensor.kernels.Norms}: GroupNorm (+ fused SiLU) and LayerNorm.</li>
 *   <li>{@link rerender.tensor.kernels.Activations}: SiLU, GELU (erf form), GEGLU.</li>
 * </ul>
 *
 * <p>All dense products go through one BLIS-style loop nest (BlockedGemm): operands are packed into contiguous
 * slivers (A: 3 rows, B: 3 vectors of columns), K/M/N are cache-blocked (KC 256, or one block up to K = 320; MC up to 255, NC 4080), the
 * 3 x 3-vector FMA micro-kernel keeps 9 accumulators in registers, and the C rectangle is split over the threads
 * along its longer side. Convolution and attention only supply their own packers.
 *
 * <p>{@code KernelBench} (a main class) prints GFLOP/s on Stable Diffusion 1.5 shapes and a per-step estimate of
 * the whole UNet + ControlNet from these kernels.
 */
package rerender.tensor.kernels;
