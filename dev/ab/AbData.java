// dev/ab: the harnesses' random inputs (seeded Gaussian floats, and fp16 weights of scale 0.05 as IEEE bits).
public final class AbData {
    private AbData() {
    }

    static float[] gaussian(java.util.Random r, int n, float scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian() * scale;
        }
        return f;
    }

    static short[] halfWeights(java.util.Random r, int n) {
        short[] f = new short[n];
        for (int i = 0; i < n; i++) {
            f[i] = Float.floatToFloat16((float) r.nextGaussian() * 0.05f);
        }
        return f;
    }
}
