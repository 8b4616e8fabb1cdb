// CLIP text encoder (Radford et al. 2021) as Hugging Face CLIPTextModel: token + position embeddings, pre-LayerNorm
// transformer layers with causal self-attention and quick-GELU MLPs, final LayerNorm -> last_hidden_state.
// Built from the "cond_stage_model.transformer.text_model.*" keys of an LDM checkpoint.
package rerender.diffusion.clip;

import rerender.diffusion.ModelConfig;
import rerender.diffusion.nn.LayerNorm;
import rerender.diffusion.nn.Linear;
import rerender.tensor.Compute;
import rerender.tensor.Tensor;
import rerender.weights.Weights;

import java.util.ArrayList;
import java.util.List;

public final class ClipTextModel {
    static final float EPS = 1e-5f;

    /** One encoder layer: x += attn(ln1(x)); x += mlp(ln2(x)). */
    private record Layer(LayerNorm ln1, Linear q, Linear k, Linear v, Linear out, LayerNorm ln2, Linear fc1,
                         Linear fc2) {
    }

    private final float[] tokenEmbedding;    // [vocab, W]
    private final float[] positionEmbedding; // [positions, W]
    private final int vocab, positions, width, heads;
    private final List<Layer> layers = new ArrayList<>();
    private final LayerNorm finalNorm;

    /** w: keys relative to text_model (embeddings.*, encoder.layers.*, final_layer_norm.*). */
    public ClipTextModel(Weights w, ModelConfig cfg) {
        width = cfg.clipWidth();
        heads = cfg.clipHeads();
        vocab = cfg.vocab();
        positions = cfg.maxPos();
        tokenEmbedding = w.take("embeddings.token_embedding.weight", vocab, width);
        positionEmbedding = w.take("embeddings.position_embedding.weight", positions, width);
        if (w.has("embeddings.position_ids")) {
            w.skip("embeddings.position_ids"); // always 0..positions-1
        }
        int mlp = cfg.clipIntermediate();
        for (int i = 0; i < cfg.clipLayers(); i++) {
            String p = "encoder.layers." + i + ".";
            layers.add(new Layer(LayerNorm.load(w, p + "layer_norm1", width, EPS),
                    Linear.load(w, p + "self_attn.q_proj", width, width),
                    Linear.load(w, p + "self_attn.k_proj", width, width),
                    Linear.load(w, p + "self_attn.v_proj", width, width),
                    Linear.load(w, p + "self_attn.out_proj", width, width),
                    LayerNorm.load(w, p + "layer_norm2", width, EPS),
                    Linear.load(w, p + "mlp.fc1", width, mlp),
                    Linear.load(w, p + "mlp.fc2", mlp, width)));
        }
        finalNorm = LayerNorm.load(w, "final_layer_norm", width, EPS);
    }

    public int width() {
        return width;
    }

    public int positions() {
        return positions;
    }

    /** Token ids [B][N] (N <= positions) -> last_hidden_state [B, N, W]. */
    public Tensor forward(Compute c, int[][] ids) {
        int b = ids.length, n = ids[0].length;
        if (n > positions) {
            throw new IllegalArgumentException(n + " tokens exceed the " + positions + " positions of the text encoder");
        }
        float[] x = new float[b * n * width];
        for (int i = 0; i < b; i++) {
            if (ids[i].length != n) {
                throw new IllegalArgumentException("token rows of different lengths");
            }
            for (int j = 0; j < n; j++) {
                int id = ids[i][j];
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " outside vocabulary of " + vocab);
                }
                int dst = (i * n + j) * width;
                for (int k = 0; k < width; k++) {
                    x[dst + k] = tokenEmbedding[id * width + k] + positionEmbedding[j * width + k];
                }
            }
        }
        Tensor h = Tensor.of(x, b, n, width); // [B, N, W]
        float scale = (float) Math.pow(width / heads, -0.5);
        for (Layer l : layers) {
            Tensor a = l.ln1().forward(c, h);
            Tensor att = c.causalAttention(l.q().forward(c, a), l.k().forward(c, a), l.v().forward(c, a), heads, scale);
            h = c.add(h, l.out().forward(c, att));
            Tensor m = l.fc2().forward(c, c.quickGelu(l.fc1().forward(c, l.ln2().forward(c, h)))); // [B,N,I] -> [B,N,W]
            h = c.add(h, m);
        }
        return finalNorm.forward(c, h);
    }
}
