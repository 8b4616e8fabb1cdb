# Sourced by ./rerender and dev/ab/ab-sd.sh: the collector settings the program runs with (RERENDER_GC overrides
# them in ./rerender). Why each one, with all the measurements: README, "Memory and collector choices".
# - G1 with 4 MB regions: arrays of 2 MB and more (the UNet's activations at 64x64 and 32x32, the VAE's feature maps)
#   are humongous objects, never copied, reclaimed at young collections (32 MB regions: skip connections and
#   ControlNet residuals were copied at every young collection, 1.5-1.9 s of pauses per 3 UNet + 3 ControlNet
#   evaluations against 0.6-1.1 s; ParallelGC and ZGC: VAE decode slower and peak RSS past 8 GB).
# - GCTimeRatio=4: G1 may spend up to 20 % instead of 8 % collecting before it grows the heap (the default grew a full
#   `bench sd` to 8.3-10.4 GB peak RSS once the kernels' work buffers became long-lived).
# - G1PeriodicGCInterval=1000: a collection at least every second frees the VAE's dead humongous arrays, which never
#   fill eden (without it: 8.3-8.6 GB peak RSS and slower decodes; every 3 s: 7.35 GB).
# - A fixed initiating occupancy of 85 %: ~1.6 GB of the heap is live for the whole run, and with G1's adaptive
#   threshold a concurrent mark often started at nearly every humongous allocation, its thread displacing one of the
#   two compute threads (collector CPU per UNet + ControlNet evaluation 0.15-1.6 s, fixed 0.18-0.34 s; wall time
#   per evaluation 10.38 vs 9.35 s over 6 alternating JVM pairs; 896x512 image peak RSS 6.69 -> 7.69 GB).
# - MaxHeapFreeRatio=100: the heap is never shrunk. G1 gave memory back at the remarks of the periodic collections
#   and the VAE's next large arrays faulted it in again, page by page, which costs a lot on this VM (~4 s of kernel
#   time per GB): 0.5-1.1 GB of page faults and 1.7-4.6 s of system time per VAE encode + decode. Never shrinking:
#   ~0 faults, VAE decode 12.1-14.0 s against 14.3-18.6 s (3 alternating JVM pairs), peak RSS no higher at 512x512.
RERENDER_DEFAULT_GC="-XX:+UseG1GC -XX:G1HeapRegionSize=4m -XX:GCTimeRatio=4 -XX:G1PeriodicGCInterval=1000 \
-XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=85 -XX:MaxHeapFreeRatio=100"
