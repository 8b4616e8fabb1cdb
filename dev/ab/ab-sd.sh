#!/usr/bin/env bash
# In-process A/B timing of UNet + ControlNet 512x512 between builds: each build's classes get their own class
# loader in ONE JVM and the evaluations alternate (order rotated every round), so this VM's speed drift (+-30 %
# between consecutive runs) hits both builds alike. Prints per-round times and the median per-round ratio.
#   dev/ab/ab-sd.sh ROUNDS CLASSES_A CLASSES_B [...]     (CLASSES_* = a build's target/classes)
# Example, previous commit against the working tree:
#   git worktree add --detach /tmp/base HEAD~1 && (cd /tmp/base && ./mvnw -q -DskipTests compile)
#   ./mvnw -q -DskipTests compile && dev/ab/ab-sd.sh 6 /tmp/base/target/classes target/classes
# Needs the random checkpoints of `./rerender bench sd` in bench-data/ and ~10 GB of memory per build.
# AB_CLASS=AbGemm, AbAttn, AbWino, AbConvSmall, AbLinear or AbLinearSmall times kernel-only workloads instead (no
# checkpoints needed); AbVae times VAE encode + decode. AB_JAVA_OPTS adds JVM options (e.g. -XX:UseAVX=2 to
# time the 8-float-vector code on an AVX-512 machine). Compare a build with itself
# first: that spread (UNet + ControlNet ~+-5 %, the kernel workloads ~+-10 %) is what a ratio must beat.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/scripts/find-jdk.sh"
. "$root/scripts/gc-flags.sh" # the same collector settings as ./rerender
rerender_find_jdk
[ -f "$root/target/classpath.txt" ] || (cd "$root" && ./mvnw -q -B -DskipTests package)
out="$(mktemp -d)"
"$JAVA_HOME/bin/javac" -nowarn --add-modules jdk.incubator.vector \
  -cp "$root/target/classes:$(cat "$root/target/classpath.txt")" -d "$out" "$root"/dev/ab/*.java 2>/dev/null
rounds="$1"; shift
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  $RERENDER_DEFAULT_GC -Xmx20g ${AB_JAVA_OPTS:-} -Dab.class="${AB_CLASS:-AbUnet}" -cp "$out" \
  AbDriver "$out" "$root/target/classpath.txt" "$root/bench-data" 512 "$rounds" "$@"
