# Sourced by the scripts in bin/: sets JAVA_HOME to a JDK 25 or newer, or stops
# with a message that says what to install. JAVA_HOME wins when it is new enough.

java_feature_version() {
  # Prints the feature release of the JDK at $1 (17, 25, ...), or nothing.
  local release="$1/release"
  [ -r "$release" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
}

find_jdk25() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    version=$(java_feature_version "$candidate")
    if [ -n "$version" ] && [ "$version" -ge 25 ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(find_jdk25); then
  echo "flexilib needs a JDK 25 or newer, and found none: JAVA_HOME is '${JAVA_HOME:-unset}'" \
       "and /usr/lib/jvm holds no JDK 25. Install one (for example Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME
