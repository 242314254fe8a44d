#!/usr/bin/env bash
# Install mmkd and its pinned stack into a virtual environment (default: ./.venv).
#
# Safe to rerun: every step checks what is already there, so an install that
# stopped half-way finishes on the next run. mmcv 2.1.0 has no wheel on PyPI
# for this Python/torch, so it is built once from its source distribution
# (C++20 patch for torch 2.14 headers) and cached under ~/.cache/mmkd/wheels.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMKD_VENV:-$ROOT/.venv}"
WHEELS="${MMKD_WHEEL_CACHE:-$HOME/.cache/mmkd/wheels}"
PY="${MMKD_PYTHON:-python3.11}"
MMCV_VERSION=2.1.0

CHANGED=0
log() { printf '[mmkd install %s] %s\n' "$(date +%H:%M:%S)" "$*"; CHANGED=1; }

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
# pip, minus the warnings this machine's pip config prints for every package
# it cannot find in its local mirrors
pip_() { "$VENV/bin/python" -m pip "$@" 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2); }
PIP=(pip_)
export PIP_DISABLE_PIP_VERSION_CHECK=1
# pip's resolver ends every install that has dependencies with "ERROR: pip's dependency resolver
# ..." lines listing what mmengine, mmdet3d and the nuScenes/Lyft SDKs declare but mmkd leaves out on
# purpose (they go in with --no-deps below): opencv-python (replaced by opencv-python-headless),
# open3d, plyfile, plotly and lint tools (unused), numpy<2 and Shapely~=2.0 pins (too old; the pinned
# versions work). Those lines are expected, so installs with dependencies run with
# --no-warn-conflicts, and `pip check` runs once at the end: the expected lines summarised in one
# line, anything else shown in full.
NO_WARN=(--no-warn-conflicts)
EXPECTED_UNMET='^(lyft-dataset-sdk 0\.0\.8|nuscenes-devkit 1\.2\.0) |^mmdet3d 1\.4\.0 requires (open3d|plyfile),|^(mmengine 0\.10\.7|mmcv 2\.1\.0|mmdet 3\.3\.0|mmsegmentation 1\.2\.2) requires opencv-python,'
check_requirements() {
  local report expected other
  report="$("$VENV/bin/python" -m pip check 2>/dev/null || true)"
  expected="$(grep -cE "$EXPECTED_UNMET" <<<"$report" || true)"
  other="$(grep -vE "$EXPECTED_UNMET|^No broken requirements|^$" <<<"$report" || true)"
  if [ "${expected:-0}" -gt 0 ]; then
    echo "[mmkd install] pip check: $expected unmet requirements of mmengine/mmdet3d/nuscenes-devkit/lyft-dataset-sdk are expected (opencv-python -> opencv-python-headless; open3d, plyfile, plotly, lint tools unused; old numpy/Shapely pins)"
  fi
  if [ -n "$other" ]; then
    echo "[mmkd install] pip check reports unexpected conflicts:" >&2
    echo "$other" >&2
  fi
}

have() { "$VENV/bin/python" - "$@" <<'PYEOF'
import sys
from importlib import metadata
for spec in sys.argv[1:]:
    name, _, version = spec.partition('==')
    try:
        got = metadata.version(name)
    except metadata.PackageNotFoundError:
        sys.exit(1)
    if version and got != version:
        sys.exit(1)
PYEOF
}

if ! have torch==2.14.1 torchvision==0.29.1; then
  log "installing torch 2.14.1 / torchvision 0.29.1 (large: a few minutes)"
  "${PIP[@]}" install -q "${NO_WARN[@]}" torch==2.14.1 torchvision==0.29.1
fi

# Runtime dependencies of mmcv/mmdet/mmseg are listed in pyproject.toml; the
# OpenMMLab packages themselves go in with --no-deps so that pip neither pulls
# opencv-python (needs libGL) nor replaces torch.
if ! have mmcv==$MMCV_VERSION; then
  mkdir -p "$WHEELS"
  WHEEL="$(ls "$WHEELS"/mmcv-$MMCV_VERSION-*.whl 2>/dev/null | head -n1 || true)"
  if [ -z "$WHEEL" ]; then
    log "building mmcv $MMCV_VERSION from source with ops (once per machine, ~25 min on 2 cores)"
    # mmcv's setup.py imports pkg_resources, which setuptools >= 70 no longer
    # ships; these build tools are only needed for this step.
    "${PIP[@]}" install -q "${NO_WARN[@]}" "setuptools<70" wheel ninja
    "${PIP[@]}" install -q --no-deps mmengine==0.10.7
    "${PIP[@]}" install -q "${NO_WARN[@]}" opencv-python-headless==4.14.0.94 addict yapf pyyaml rich termcolor
    BUILD="$(mktemp -d)"
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation -d "$BUILD" mmcv==$MMCV_VERSION
    tar -xzf "$BUILD"/mmcv-$MMCV_VERSION.tar.gz -C "$BUILD"
    sed -i 's/-std=c++14/-std=c++20/g; s/-std=c++17/-std=c++20/g' "$BUILD/mmcv-$MMCV_VERSION/setup.py"
    (cd "$BUILD/mmcv-$MMCV_VERSION" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-2}" \
      "$VENV/bin/python" -m pip wheel -q --no-deps --no-build-isolation -w "$BUILD/dist" .)
    BUILT="$(ls "$BUILD"/dist/mmcv-*.whl)"
    # copy next to its final name, then rename: an interrupted copy never looks like a wheel
    cp "$BUILT" "$WHEELS/.partial-mmcv"
    mv "$WHEELS/.partial-mmcv" "$WHEELS/$(basename "$BUILT")"
    rm -rf "$BUILD"
    WHEEL="$(ls "$WHEELS"/mmcv-$MMCV_VERSION-*.whl | head -n1)"
  else
    log "using cached mmcv wheel $WHEEL"
  fi
  "${PIP[@]}" install -q --no-deps "$WHEEL"
fi

if ! have mmengine==0.10.7 mmdet==3.3.0 mmsegmentation==1.2.2; then
  log "installing mmengine 0.10.7, mmdet 3.3.0 and mmsegmentation 1.2.2 (--no-deps)"
  "${PIP[@]}" install -q --no-deps mmengine==0.10.7 mmdet==3.3.0 mmsegmentation==1.2.2
fi

# mmdet3d and the two dataset SDKs it imports at run time, without their own
# requirements (open3d, tensorboard, opencv-python, an old numpy pin); what
# they import is pinned in pyproject.toml
if ! have mmdet3d==1.4.0 nuscenes-devkit==1.2.0 lyft-dataset-sdk==0.0.8; then
  log "installing mmdet3d 1.4.0, nuscenes-devkit 1.2.0 and lyft-dataset-sdk 0.0.8 (--no-deps)"
  "${PIP[@]}" install -q --no-deps mmdet3d==1.4.0 nuscenes-devkit==1.2.0 lyft-dataset-sdk==0.0.8
fi

# one cv2 only: a full opencv-python (pulled by an older install) shadows the
# headless build and needs libGL
if have opencv-python; then
  log "removing opencv-python in favour of opencv-python-headless"
  "${PIP[@]}" uninstall -q -y opencv-python
  "${PIP[@]}" install -q --force-reinstall --no-deps opencv-python-headless==4.14.0.94
fi

if ! have mmkd || [ "$ROOT/pyproject.toml" -nt "$VENV/.mmkd-installed" ]; then
  log "installing mmkd (editable) and its pinned dependencies"
  "${PIP[@]}" install -q "${NO_WARN[@]}" -e "$ROOT[test]"
  touch "$VENV/.mmkd-installed"
fi

[ "$CHANGED" = 1 ] && check_requirements
[ "$CHANGED" = 0 ] && echo "[mmkd install] reusing the installed environment $VENV (nothing to do)"
"$VENV/bin/python" -c "import mmcv.ops, mmdet, mmseg, mmdet3d.models, mmkd; print('mmkd stack ready: mmcv', mmcv.__version__, '| mmdet', mmdet.__version__, '| mmseg', mmseg.__version__, '| mmdet3d', mmdet3d.__version__)"
