// The polynomial vector exp against Math.exp over the whole useful float range.
package rerender.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    @Test
    void expMatchesMathExp() {
        int lanes = BlockedGemm.L;
        float[] x = new float[lanes], y = new float[lanes];
        double worst = 0;
        for (float v = -87f; v <= 88f; v += 0.0137f) {
            for (int i = 0; i < lanes; i++) {
                x[i] = v + i * 1e-3f;
            }
            VectorMath.exp(FloatVector.fromArray(BlockedGemm.S, x, 0)).intoArray(y, 0);
            for (int i = 0; i < lanes; i++) {
                double e = Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(y[i] - e) / e);
            }
        }
        assertTrue(worst < 5e-7, "max relative error " + worst);
    }

    @Test
    void expSaturatesInsteadOfOverflowing() {
        float[] x = new float[BlockedGemm.L], y = new float[BlockedGemm.L];
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = 0f;
        x[2 % BlockedGemm.L] = 1e6f;
        VectorMath.exp(FloatVector.fromArray(BlockedGemm.S, x, 0)).intoArray(y, 0);
        assertTrue(y[0] >= 0 && y[0] < 1e-37, "exp(-inf) " + y[0]);
        if (BlockedGemm.L > 2) {
            assertEquals(1f, y[1], 1e-7f);
            assertTrue(Float.isFinite(y[2]) && y[2] > 1e38f, "exp(1e6) " + y[2]);
        }
    }
}
