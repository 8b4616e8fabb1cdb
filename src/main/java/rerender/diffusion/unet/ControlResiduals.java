// ControlNet output as plain data: one residual per UNet skip connection plus one for the middle block,
// multiplied by the control strength when the UNet adds them (cldm ControlledUnetModel).
package rerender.diffusion.unet;

import rerender.tensor.Tensor;

import java.util.List;

/**
 * @param skips    residuals for the skips hs[0..n-1], in input-block order ([B, C_i, H_i, W_i]; 12 in SD 1.5)
 * @param middle   residual for the middle block output
 * @param strength control_strength, the factor applied to every residual (1.0 reference default)
 */
public record ControlResiduals(List<Tensor> skips, Tensor middle, float strength) {
    public ControlResiduals {
        skips = List.copyOf(skips);
        if (middle == null) {
            throw new IllegalArgumentException("middle residual missing");
        }
        if (!Float.isFinite(strength)) {
            throw new IllegalArgumentException("control strength must be finite, got " + strength);
        }
    }

    public ControlResiduals withStrength(float s) {
        return new ControlResiduals(skips, middle, s);
    }

    /** The residuals of batch item b only (for running cond/uncond passes separately). */
    public ControlResiduals batchItem(int b) {
        return new ControlResiduals(skips.stream().map(t -> t.batchItem(b)).toList(), middle.batchItem(b), strength);
    }
}
