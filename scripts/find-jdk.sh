# Sourced by ./rerender and .ci/run: sets JAVA_HOME to a JDK 25 or newer, or fails with a clear message.
rerender_find_jdk() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* /usr/lib/jvm/jdk-25* /usr/lib/jvm/temurin-2[6-9]* /usr/lib/jvm/*; do
    [ -d "$d" ] && candidates+=("$d")
  done
  local c v
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/javac" ] || continue
    v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  echo "rerender: no JDK 25 found (looked at \$JAVA_HOME and /usr/lib/jvm/*). Install a JDK 25, e.g. Temurin 25, and set JAVA_HOME." >&2
  return 1
}
