// ldm model.py Decoder: conv_in, middle res-attn-res, levels from deepest to finest with resBlocks+1 res-blocks and
// (except at level 0) nearest 2x up-sampling + conv, then GroupNorm-SiLU-conv_out to RGB.
package rerender.diffusion.vae;

import rerender.diffusion.nn.Conv;
import rerender.diffusion.nn.GroupNorm;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

import java.util.ArrayList;
import java.util.List;

final class VaeDecoder {
    private final Conv convIn;
    private final VaeResBlock mid1, mid2;
    private final VaeAttention midAttn;
    private final List<List<VaeResBlock>> up = new ArrayList<>(); // up.i.block.j, index = level
    private final List<Conv> upsample = new ArrayList<>();       // up.i.upsample.conv (null at level 0)
    private final GroupNorm normOut;
    private final Conv convOut;

    /** w: keys relative to "decoder". */
    VaeDecoder(Weights w, int ch, List<Integer> mult, int resBlocks, int zChannels) {
        int levels = mult.size();
        int blockIn = ch * mult.get(levels - 1);
        convIn = Conv.load3x3(w, "conv_in", zChannels, blockIn);
        mid1 = new VaeResBlock(w, "mid.block_1", blockIn, blockIn);
        midAttn = new VaeAttention(w, "mid.attn_1", blockIn);
        mid2 = new VaeResBlock(w, "mid.block_2", blockIn, blockIn);
        for (int i = 0; i < levels; i++) {
            up.add(null);
            upsample.add(null);
        }
        for (int i = levels - 1; i >= 0; i--) {
            int blockOut = ch * mult.get(i);
            List<VaeResBlock> blocks = new ArrayList<>();
            for (int j = 0; j <= resBlocks; j++) {
                blocks.add(new VaeResBlock(w, "up." + i + ".block." + j, blockIn, blockOut));
                blockIn = blockOut;
            }
            up.set(i, blocks);
            if (i != 0) {
                upsample.set(i, Conv.load3x3(w, "up." + i + ".upsample.conv", blockIn, blockIn));
            }
        }
        normOut = GroupNorm.load(w, "norm_out", blockIn, 32, VaeResBlock.EPS);
        int outChannels = (int) w.shape("conv_out.weight")[0];
        convOut = Conv.load3x3(w, "conv_out", blockIn, outChannels);
    }

    /** z [B, z, h, w] -> image [B, 3, h*f, w*f] (not clamped). */
    Tensor forward(Compute c, Tensor z) {
        Tensor h = convIn.forward(c, z);
        h = mid2.forward(c, midAttn.forward(c, mid1.forward(c, h)));
        for (int i = up.size() - 1; i >= 0; i--) {
            for (VaeResBlock b : up.get(i)) {
                h = b.forward(c, h);
            }
            if (upsample.get(i) != null) {
                h = upsample.get(i).forward(c, c.upsampleNearest2x(h));
            }
        }
        return convOut.forward(c, normOut.forwardSiluInPlace(c, h)); // h: the last ResBlock's own output
    }
}
