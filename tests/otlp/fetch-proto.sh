#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The OpenTelemetry protocol's .proto definitions, for the OTLP/JSON export
# test (tests/otlp/validate_otlp.py): taken from the npm package that ships
# them (@opentelemetry/otlp-grpc-exporter-base 0.34.0 carries
# opentelemetry-proto v0.19 under build/protos), into DEST once.
# Usage: fetch-proto.sh DEST   (exit 0 and DEST/opentelemetry/... when done)
set -euo pipefail
dest=${1:?destination folder}
[[ -f "$dest/opentelemetry/proto/trace/v1/trace.proto" ]] && exit 0
command -v npm >/dev/null || { echo "fetch-proto: npm is not installed" >&2; exit 3; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @opentelemetry/otlp-grpc-exporter-base@0.34.0 >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp" package/build/protos
mkdir -p "$dest"
cp -r "$tmp/package/build/protos/opentelemetry" "$dest/"
test -f "$dest/opentelemetry/proto/collector/trace/v1/trace_service.proto"
