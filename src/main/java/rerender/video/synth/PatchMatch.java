// PatchMatch search of guided synthesis (Barnes et al. 2009) with EbSynth's uniformity term (Jamriška et al. 2019):
// alternating-scan propagation plus random search, minimising patch SSD + λ · normalised source usage.
package rerender.video.synth;

import java.util.Arrays;
import java.util.concurrent.ExecutorService;

/**
 * State of one pyramid level: the NNF (per target pixel, the centre of its source patch), its patch errors E, and
 * the usage map Ω (per source pixel, how many target patches cover it).
 *
 * <p>Cost of a candidate source patch b for target pixel a, as in EbSynth: E(a, b) + λ · occ(b) with
 * occ(b) = (Σ_{s ∈ patch(b)} Ω(s) / patch²) / ω*, ω* = |T| / |S| · patch² (the usage of a perfectly uniform
 * assignment), so occ ≈ 1 when the source is used evenly. Like EbSynth, the current patch's occupancy includes its
 * own contribution and the candidate's does not.
 *
 * <p>Parallel scheme (deterministic, unlike EbSynth's racy shared Ω): the target is cut into fixed row bands
 * ({@link Bands}). During one iteration every band scans its rows sequentially (forward: left-to-right,
 * top-to-bottom, trying the left and upper neighbours' shifted matches; backward: the reverse, trying right and
 * lower) with its own copy of Ω taken at the start of the iteration, updated by its own changes only. A propagation
 * step that looks across the band edge reads the NNF as it was at the start of the iteration. After the iteration
 * the bands' changes are applied to the shared Ω. Random search around the current match draws one candidate in
 * each window of radius max(Ws, Hs) / 2^k, smallest first (EbSynth's order), from a per-pixel random stream keyed
 * by (seed, pixel). So the result depends on the seed only, not on threads or scheduling.
 */
final class PatchMatch {
    private final PatchDistance dist;
    private final int tw;
    private final int th;
    private final int sw;
    private final int sh;
    private final int r;
    private final int patch;
    private final int paddedSw;
    /** [Ht * Wt] source centre x, y of each target pixel's patch. */
    final int[] nnfX;
    final int[] nnfY;
    /** [Ht * Wt] patch error (no uniformity term) of the current NNF. */
    final float[] error;
    /** [(Hs + 2r) * (Ws + 2r)] Ω: usage count per source pixel, on the padded grid (patches may reach outside). */
    private final int[] omega;
    /** λ / (patch² · ω*): turns a patch's Ω sum into its uniformity cost. */
    private final float occScale;
    private final int bands;
    private final int[][] bandOmega;
    private final IntList[] bandChanges;
    private final int[] snapX;
    private final int[] snapY;
    /** Random search radii, ascending: 1, …, max(Ws, Hs) / 4, max(Ws, Hs) / 2, max(Ws, Hs). */
    private final int[] radii;

    PatchMatch(PatchDistance dist, int[] nnfX, int[] nnfY, float lambda) {
        this.dist = dist;
        this.tw = dist.targetWidth;
        this.th = dist.targetHeight;
        this.sw = dist.sourceWidth;
        this.sh = dist.sourceHeight;
        this.patch = dist.patch;
        this.r = dist.radius;
        this.nnfX = nnfX;
        this.nnfY = nnfY;
        this.error = new float[tw * th];
        this.paddedSw = sw + 2 * r;
        this.omega = new int[paddedSw * (sh + 2 * r)];
        float omegaBest = (float) tw * th / ((float) sw * sh) * patch * patch;
        this.occScale = lambda / (patch * patch * omegaBest);
        this.bands = Bands.count(th);
        this.bandOmega = new int[bands][];
        this.bandChanges = new IntList[bands];
        for (int b = 0; b < bands; b++) {
            bandChanges[b] = new IntList();
        }
        recomputeOmega();
        this.snapX = new int[tw * th];
        this.snapY = new int[tw * th];
        int max = Math.max(sw, sh);
        int n = 0;
        for (int rad = max; ; rad /= 2) {
            n++;
            if (rad <= 1) {
                break;
            }
        }
        this.radii = new int[n];
        int rad = max;
        for (int i = n - 1; i >= 0; i--, rad /= 2) {
            radii[i] = Math.max(rad, 1);
        }
    }

    /**
     * E(a) = patch error of the current match against the current target estimate, for the active target pixels
     * (all when {@code active} is null). Inactive pixels are not searched, so their E is not needed until the end.
     */
    void computeErrors(boolean[] active, ExecutorService pool) {
        Bands.run(pool, bands, b -> {
            for (int y = Bands.start(b, bands, th), y1 = Bands.start(b + 1, bands, th); y < y1; y++) {
                for (int x = 0; x < tw; x++) {
                    int t = y * tw + x;
                    if (active != null && !active[t]) {
                        continue;
                    }
                    error[t] = dist.patchDistance(x, y, nnfX[t], nnfY[t], Float.POSITIVE_INFINITY);
                }
            }
        });
    }

    /** Ω from scratch; the NNF must not change between this and the first run except through runs. */
    private void recomputeOmega() {
        Arrays.fill(omega, 0);
        for (int t = 0; t < nnfX.length; t++) {
            addPatch(omega, nnfX[t], nnfY[t], 1);
        }
    }

    /**
     * One PatchMatch run: errors are recomputed (the target estimate changed since the last run), then
     * {@code iterations} alternating-scan iterations. Ω stays exact between runs: only runs change the NNF, and
     * every change is applied to Ω.
     *
     * @param seed   seed of this run's random streams (the caller mixes in level and round)
     * @param active [Ht * Wt] the target pixels to search; the others keep their match
     */
    void run(int iterations, long seed, boolean[] active, ExecutorService pool) {
        computeErrors(active, pool);
        for (int iter = 0; iter < iterations; iter++) {
            System.arraycopy(nnfX, 0, snapX, 0, nnfX.length);
            System.arraycopy(nnfY, 0, snapY, 0, nnfY.length);
            final int it = iter;
            final long iterSeed = Rng.stream(seed, iter, 0x5EED);
            Bands.run(pool, bands, b -> scanBand(b, it % 2 == 0, iterSeed, active));
            for (int b = 0; b < bands; b++) {
                IntList ch = bandChanges[b];
                for (int i = 0; i < ch.size; i += 4) {
                    addPatch(omega, ch.data[i], ch.data[i + 1], -1);
                    addPatch(omega, ch.data[i + 2], ch.data[i + 3], 1);
                }
            }
        }
    }

    private void scanBand(int b, boolean forward, long iterSeed, boolean[] active) {
        int y0 = Bands.start(b, bands, th), y1 = Bands.start(b + 1, bands, th);
        if (bandOmega[b] == null) {
            bandOmega[b] = new int[omega.length];
        }
        int[] om = bandOmega[b];
        System.arraycopy(omega, 0, om, 0, omega.length);
        IntList changes = bandChanges[b];
        changes.size = 0;
        int[] candX = new int[radii.length], candY = new int[radii.length];
        float[] candBound = new float[radii.length];
        int q = forward ? 1 : -1;
        int yStart = forward ? y0 : y1 - 1, yEnd = forward ? y1 : y0 - 1;
        int xStart = forward ? 0 : tw - 1, xEnd = forward ? tw : -1;
        for (int y = yStart; y != yEnd; y += q) {
            for (int x = xStart; x != xEnd; x += q) {
                int t = y * tw + x;
                if (!active[t]) {
                    continue;
                }
                int curSum = occScale != 0f ? patchSum(om, nnfX[t], nnfY[t]) : 0;
                // propagation: the neighbour before us in scan order, its match shifted by one pixel
                if (forward ? x > 0 : x < tw - 1) {
                    int cx = nnfX[t - q] + q;
                    if (cx >= 0 && cx < sw) {
                        curSum = tryPatch(t, x, y, cx, nnfY[t - q], om, curSum, changes);
                    }
                }
                int ny = y - q;
                if (ny >= 0 && ny < th) {
                    int nb = ny * tw + x;
                    boolean inBand = ny >= y0 && ny < y1;
                    int cy = (inBand ? nnfY[nb] : snapY[nb]) + q;
                    if (cy >= 0 && cy < sh) {
                        curSum = tryPatch(t, x, y, inBand ? nnfX[nb] : snapX[nb], cy, om, curSum, changes);
                    }
                }
                // random search in growing windows around the current match: all candidates are drawn first
                // (the windows are centred on the match as it is before the search) and their lower bounds
                // fetched together, so the cache misses of far candidates overlap instead of queueing
                long state = Rng.mix(iterSeed + t * 0x9E3779B97F4A7C15L);
                int px = nnfX[t], py = nnfY[t];
                for (int k = 0; k < radii.length; k++) {
                    int rad = radii[k];
                    int lx = Math.max(px - rad, 0), hx = Math.min(px + rad, sw - 1);
                    int ly = Math.max(py - rad, 0), hy = Math.min(py + rad, sh - 1);
                    state = Rng.next(state);
                    candX[k] = lx + Rng.below(state, hx - lx + 1);
                    state = Rng.next(state);
                    candY[k] = ly + Rng.below(state, hy - ly + 1);
                }
                for (int k = 0; k < radii.length; k++) {
                    candBound[k] = dist.lowerBound(x, y, candX[k], candY[k]);
                }
                for (int k = 0; k < radii.length; k++) {
                    if (candBound[k] <= error[t] + occScale * curSum) {
                        curSum = tryPatch(t, x, y, candX[k], candY[k], om, curSum, changes);
                    }
                }
            }
        }
    }

    /**
     * Tries source centre (cx, cy) for target pixel t at (x, y); {@code curSum} is Σ Ω over t's current patch.
     * Returns Σ Ω over t's patch after the call (changed only if the candidate was taken).
     *
     * <p>Exact test: accept iff E(c) + λ·occ(c) < E(cur) + λ·occ(cur). The distance runs first with the loose bound
     * E(cur) + λ·occ(cur) (occ(c) ≥ 0); most candidates exceed it within a row or two, and only the survivors pay
     * for summing Ω over the candidate patch.
     */
    private int tryPatch(int t, int x, int y, int cx, int cy, int[] om, int curSum, IntList changes) {
        int ox = nnfX[t], oy = nnfY[t];
        if (cx == ox && cy == oy) {
            return curSum;
        }
        float cost = error[t] + occScale * curSum;
        float e = dist.distance(x, y, cx, cy, cost);
        if (!(e < cost)) {
            return curSum;
        }
        if (occScale != 0f) {
            if (!(e + occScale * patchSum(om, cx, cy) < cost)) {
                return curSum;
            }
            addPatch(om, ox, oy, -1);
            addPatch(om, cx, cy, 1);
        }
        changes.add4(ox, oy, cx, cy);
        nnfX[t] = cx;
        nnfY[t] = cy;
        error[t] = e;
        return occScale != 0f ? patchSum(om, cx, cy) : 0;
    }

    /** Σ Ω over the patch centred at (cx, cy); in padded coordinates its top-left pixel is (cx, cy). */
    private int patchSum(int[] om, int cx, int cy) {
        int sum = 0;
        for (int j = 0; j < patch; j++) {
            int row = (cy + j) * paddedSw + cx;
            for (int i = 0; i < patch; i++) {
                sum += om[row + i];
            }
        }
        return sum;
    }

    private void addPatch(int[] om, int cx, int cy, int delta) {
        for (int j = 0; j < patch; j++) {
            int row = (cy + j) * paddedSw + cx;
            for (int i = 0; i < patch; i++) {
                om[row + i] += delta;
            }
        }
    }

    /** Growable int array for a band's change log (old x, old y, new x, new y per accepted move). */
    private static final class IntList {
        int[] data = new int[1024];
        int size;

        void add4(int a, int b, int c, int d) {
            if (size + 4 > data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size] = a;
            data[size + 1] = b;
            data[size + 2] = c;
            data[size + 3] = d;
            size += 4;
        }
    }
}
