#!/usr/bin/env bash
# Downloads (here, where Debian's registry is reachable) the Debian packages the engine builds
# against that the GPU machine lacks, into DIR/debs (default .device-deps, git-ignored). The GPU
# machine has CUDA, a pip PyTorch 2.x, CMake, Ninja and g++, but no network and none of these;
# scripts/device-check.sh unpacks them into a private prefix there (never over /).
# No Qt: the GPU build leaves the Qt Test suites out (QS_QT_TESTS=OFF).
#   bash scripts/device-bundle.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-.device-deps}
PACKAGES=(
  libspdlog-dev libspdlog1.10 libfmt-dev libfmt9 nlohmann-json3-dev
  libsqlite3-dev libsqlite3-0
  libpcre2-dev libpcre2-8-0 libpcre2-16-0 libpcre2-32-0 libpcre2-posix3
  libsentencepiece-dev libsentencepiece0
  libicu-dev libicu72
  zlib1g-dev zlib1g libbz2-dev libbz2-1.0
  pkgconf pkgconf-bin libpkgconf3
)
rm -rf "$dir/debs"
mkdir -p "$dir/debs"
# apt-get download needs package lists; a fresh machine may have none yet.
if ! apt-cache show libspdlog-dev >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
fi
(cd "$dir/debs" && apt-get download -qq "${PACKAGES[@]}")
n=$(ls "$dir/debs"/*.deb | wc -l)
if ((n != ${#PACKAGES[@]})); then
  echo "device-bundle: expected ${#PACKAGES[@]} packages, got $n" >&2
  exit 1
fi
(cd "$dir/debs" && ls *.deb) > "$dir/PACKAGES.txt"
echo "device-bundle: $n packages, $(du -sh "$dir/debs" | cut -f1) in $dir/debs (carry '$dir' with the device call)"
