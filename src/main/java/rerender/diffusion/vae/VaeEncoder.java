// ldm model.py Encoder: conv_in, per level res-blocks then (except at the last level) a stride-2 conv after
// right/bottom zero padding, middle res-attn-res, GroupNorm-SiLU-conv_out to 2 * z channels (mean and log-variance).
package rerender.diffusion.vae;

import rerender.diffusion.nn.Conv;
import rerender.diffusion.nn.GroupNorm;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

import java.util.ArrayList;
import java.util.List;

final class VaeEncoder {
    private final Conv convIn;
    private final List<List<VaeResBlock>> down = new ArrayList<>(); // down.i.block.j
    private final List<Conv> downsample = new ArrayList<>();       // down.i.downsample.conv (null at last level)
    private final VaeResBlock mid1, mid2;
    private final VaeAttention midAttn;
    private final GroupNorm normOut;
    private final Conv convOut;
    final int imageChannels;

    /** w: keys relative to "encoder". */
    VaeEncoder(Weights w, int ch, List<Integer> mult, int resBlocks, int zChannels) {
        imageChannels = (int) w.shape("conv_in.weight")[1];
        convIn = Conv.load3x3(w, "conv_in", imageChannels, ch);
        int blockIn = ch;
        for (int i = 0; i < mult.size(); i++) {
            int blockOut = ch * mult.get(i);
            List<VaeResBlock> blocks = new ArrayList<>();
            for (int j = 0; j < resBlocks; j++) {
                blocks.add(new VaeResBlock(w, "down." + i + ".block." + j, blockIn, blockOut));
                blockIn = blockOut;
            }
            down.add(blocks);
            downsample.add(i == mult.size() - 1 ? null
                    : Conv.load(w, "down." + i + ".downsample.conv", blockIn, blockIn, 3, 2, 0));
        }
        mid1 = new VaeResBlock(w, "mid.block_1", blockIn, blockIn);
        midAttn = new VaeAttention(w, "mid.attn_1", blockIn);
        mid2 = new VaeResBlock(w, "mid.block_2", blockIn, blockIn);
        normOut = GroupNorm.load(w, "norm_out", blockIn, 32, VaeResBlock.EPS);
        convOut = Conv.load3x3(w, "conv_out", blockIn, 2 * zChannels);
    }

    /** image [B, 3, H, W] -> [B, 2z, H/f, W/f]. */
    Tensor forward(Compute c, Tensor x) {
        Tensor h = convIn.forward(c, x);
        for (int i = 0; i < down.size(); i++) {
            for (VaeResBlock b : down.get(i)) {
                h = b.forward(c, h);
            }
            if (downsample.get(i) != null) {
                h = downsample.get(i).forward(c, c.padRightBottom(h)); // pad (0,1,0,1), conv 3x3 stride 2
            }
        }
        h = mid2.forward(c, midAttn.forward(c, mid1.forward(c, h)));
        return convOut.forward(c, normOut.forwardSiluInPlace(c, h)); // h: the middle block's own output
    }
}
