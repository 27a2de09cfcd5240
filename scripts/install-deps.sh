#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages faultline needs; idempotent: only what is missing
# is installed, and apt-get update runs only when something is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  libnl-3-dev libnl-route-3-dev
  libbpf-dev bpftool clang llvm
  libboost1.81-dev libboost-filesystem1.81-dev libboost-system1.81-dev
  libtomlplusplus-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev
  iproute2 iputils-ping procps
  # Unit tier: the report's JavaScript under node (tests/report), and
  # summary.json checked against docs/summary.schema.json; the JUnit XML of
  # run --junit and compare --junit read by a real JUnit parser.
  nodejs python3-jsonschema python3-junitparser
)
# Optional tiers: extra packages a test tier or benchmark uses.
if [[ "${FAULTLINE_DEPS_EXTRA:-1}" == 1 ]]; then
  PKGS+=(qemu-system-x86 busybox-static chromium prometheus wrk nginx-light)
  # `faultline watch` driven in a real terminal (tests/integration/test_watch.cpp).
  PKGS+=(tmux)
  # The OTLP/JSON export's test: protobuf's own JSON parser over the
  # OpenTelemetry .proto files (fetched from npm by tests/otlp/fetch-proto.sh).
  PKGS+=(python3-protobuf protobuf-compiler)
  command -v npm >/dev/null || PKGS+=(npm)
  # VM kernel tier (tests/vm): kernels whose modules are compressed.
  PKGS+=(xz-utils zstd)
  # make fuzz: libFuzzer and clang's sanitizer runtimes.
  PKGS+=(libclang-rt-14-dev)
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

if [[ $EUID -ne 0 ]]; then
  echo "install-deps: need root to install: ${missing[*]}" >&2
  exit 3
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
