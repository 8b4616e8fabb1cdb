// Guided patch-based synthesis for video propagation (EbSynth-class; Jamriška et al. 2019, Fišer et al. 2016).
/**
 * Entry point: {@link rerender.video.synth.PatchSynthesis#synthesize}, configured by
 * {@link rerender.video.synth.SynthParams}, guides given as {@link rerender.video.synth.Guide} pairs, output a
 * {@link rerender.video.synth.SynthResult} (image, per-pixel error, NNF). {@link rerender.video.synth.GuideImages}
 * makes the flow-free guides (Laplacian edges, positional coordinates). Data flow inside:
 * Pyramid → Nnf (init / upscale) → { PatchMatch (uses PatchDistance) → Vote } per round and level.
 * PatchDistanceReference is the plain kernel the fast PatchDistance is tested against; SynthBench times one call.
 */
package rerender.video.synth;
