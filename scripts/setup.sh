#!/usr/bin/env bash
# Installs QuantScope's build and run dependencies from Debian bookworm (idempotent) and checks
# that libtorch will use OpenBLAS (the reference BLAS runs fp32 matmul ~30x slower).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-svg-dev libqt6svg6
  libsqlite3-dev sqlite3 libspdlog-dev nlohmann-json3-dev libpcre2-dev libsentencepiece-dev libicu-dev
  xvfb xauth poppler-utils fonts-dejavu-core
  clang libclang-rt-14-dev python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PACKAGES[@]} packages already installed"
fi

# libtorch links libblas.so.3; Debian's alternatives pick which BLAS that is.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)
case "$blas" in
  *openblas*) echo "setup: libtorch's BLAS is OpenBLAS ($blas)" ;;
  *)
    echo "setup: libblas.so.3 resolves to '$blas', not OpenBLAS; selecting OpenBLAS"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu \
      /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
    blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)
    case "$blas" in *openblas*) ;; *) echo "setup: could not select OpenBLAS" >&2; exit 1 ;; esac
    ;;
esac
