#!/usr/bin/env bash
# Build the mmcv 2.1.0 wheel (with its C++ ops) against the installed CPU torch, once, into a
# cache directory that CI and deploys can keep between runs. mmcv publishes no wheel for our torch,
# so pip would otherwise compile it (about 23 minutes on 2 cores) on every fresh install.
#
#   MMCV_WHEEL_DIR=/var/cache/gaitportal/wheels bash deploy/build_mmpose_wheels.sh
#   pip install --no-deps --find-links "$MMCV_WHEEL_DIR" -r requirements/mmpose.txt
#
# Needs: the project venv active (torch from requirements/ml.txt), a C++ compiler (g++), and
# network access to PyPI for the sdist. Re-running with a cached wheel does nothing.
set -euo pipefail

MMCV_VERSION="2.1.0"
WHEEL_DIR="${MMCV_WHEEL_DIR:-$HOME/.cache/gaitportal/wheels}"
PYTHON="${PYTHON:-python}"
mkdir -p "$WHEEL_DIR"

if compgen -G "$WHEEL_DIR/mmcv-${MMCV_VERSION}-*.whl" >/dev/null; then
    echo "mmcv ${MMCV_VERSION} wheel already in $WHEEL_DIR"
    exit 0
fi

"$PYTHON" -c "import torch; print('building mmcv against torch', torch.__version__)"
command -v g++ >/dev/null || { echo "g++ is required (apt-get install -y g++)" >&2; exit 1; }

# mmcv's setup.py imports torch and pkg_resources: build without isolation in a throwaway
# environment that sees the venv's torch, with setuptools < 81 (81 removed pkg_resources).
BUILD_ENV="$(mktemp -d)"
trap 'rm -rf "$BUILD_ENV"' EXIT
"$PYTHON" -m venv --system-site-packages "$BUILD_ENV"
"$BUILD_ENV/bin/python" -m pip install --quiet "setuptools<81" wheel ninja
MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
    "$BUILD_ENV/bin/python" -m pip wheel --no-deps --no-build-isolation \
    --wheel-dir "$WHEEL_DIR" "mmcv==${MMCV_VERSION}"

ls -l "$WHEEL_DIR"/mmcv-"${MMCV_VERSION}"-*.whl
