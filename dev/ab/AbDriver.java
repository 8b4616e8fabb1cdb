// dev/ab: runs AbUnet from several builds in one JVM, alternating, and prints per-round times and ratios (see ab-sd.sh).
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

public class AbDriver {
    public static void main(String[] args) throws Exception {
        // args: harnessDir depsFile dataDir size rounds classesA classesB ...
        String harness = args[0]; List<String> deps = Arrays.asList(Files.readString(Path.of(args[1])).trim().split(":"));
        String data = args[2]; int size = Integer.parseInt(args[3]); int rounds = Integer.parseInt(args[4]);
        int nv = args.length - 5;
        Object[] ctx = new Object[nv]; Method[] step = new Method[nv];
        for (int v = 0; v < nv; v++) {
            List<URL> urls = new ArrayList<>();
            urls.add(new File(harness).toURI().toURL());
            urls.add(new File(args[5 + v]).toURI().toURL());
            for (String d : deps) urls.add(new File(d).toURI().toURL());
            ClassLoader cl = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
            Class<?> h = cl.loadClass(System.getProperty("ab.class", "AbUnet"));
            ctx[v] = h.getMethod("setup", String.class, int.class).invoke(null, data, size);
            step[v] = h.getMethod("step", Object.class);
            step[v].invoke(null, ctx[v]); // warm-up
        }
        for (int v = 0; v < nv; v++) step[v].invoke(null, ctx[v]);
        double[][] cn = new double[nv][rounds], un = new double[nv][rounds];
        for (int r = 0; r < rounds; r++) {
            StringBuilder sb = new StringBuilder("round " + r + ":");
            for (int vv = 0; vv < nv; vv++) {
                int v = (vv + r) % nv; // rotate the order each round
                double[] s = (double[]) step[v].invoke(null, ctx[v]);
                cn[v][r] = s[0]; un[v][r] = s[1];
            }
            for (int v = 0; v < nv; v++) sb.append(String.format("  %s: CN %.2f UNet %.2f sum %.2f", (char) ('A' + v), cn[v][r], un[v][r], cn[v][r] + un[v][r]));
            System.out.println(sb);
        }
        for (int v = 0; v < nv; v++) {
            double[] sum = new double[rounds]; for (int r = 0; r < rounds; r++) sum[r] = cn[v][r] + un[v][r];
            System.out.printf("%s (%s): CN median %.2f min %.2f | UNet median %.2f min %.2f | sum median %.2f min %.2f%n",
                (char) ('A' + v), args[5 + v], med(cn[v]), min(cn[v]), med(un[v]), min(un[v]), med(sum), min(sum));
        }
        for (int v = 1; v < nv; v++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = (cn[v][r] + un[v][r]) / (cn[0][r] + un[0][r]);
            System.out.printf("%s/A per-round ratio of sums: median %.3f, range %.3f..%.3f%n", (char) ('A' + v), med(ratio), min(ratio), max(ratio));
        }
        System.exit(0);
    }
    static double med(double[] a) { double[] b = a.clone(); Arrays.sort(b); return b.length % 2 == 1 ? b[b.length / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2; }
    static double min(double[] a) { return Arrays.stream(a).min().getAsDouble(); }
    static double max(double[] a) { return Arrays.stream(a).max().getAsDouble(); }
}
