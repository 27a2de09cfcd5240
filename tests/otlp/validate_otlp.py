#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Parses an OTLP/JSON file with the OpenTelemetry protocol's own .proto
definitions (compiled by protoc) and protobuf's JSON parser, which refuses
unknown fields and wrong types. OTLP/JSON differs from protobuf's JSON mapping
in one point, which the OTLP specification states: trace and span ids are hex,
not base64; they are checked (length, hex digits) and converted before
parsing. Prints what the spans say about the call graph as JSON:

  {"spans": N, "resources": [...], "edges": [[parent service, parent kind,
   child service, child kind], ...], "roots": N, "orphans": [[service, start
   ns], ...]}

Usage: validate_otlp.py FILE PROTO_ROOT   (exit 1: not valid OTLP/JSON)
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

PROTOS = [
    "opentelemetry/proto/common/v1/common.proto",
    "opentelemetry/proto/resource/v1/resource.proto",
    "opentelemetry/proto/trace/v1/trace.proto",
    "opentelemetry/proto/collector/trace/v1/trace_service.proto",
]


def fail(msg):
    print("invalid OTLP/JSON: " + msg, file=sys.stderr)
    sys.exit(1)


def hex_to_b64(value, size, where):
    if not isinstance(value, str) or len(value) != 2 * size:
        fail(f"{where}: {value!r} is not {2 * size} hex digits")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        fail(f"{where}: {value!r} is not hex")
    if raw == bytes(size):
        fail(f"{where}: all zero")
    return base64.b64encode(raw).decode()


def main():
    path, root = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(["protoc", "-I", root, "--python_out", out] + PROTOS, check=True)
        sys.path.insert(0, out)
        from google.protobuf import json_format
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

        with open(path) as f:
            doc = json.load(f)
        for r, rs in enumerate(doc.get("resourceSpans", [])):
            for s, ss in enumerate(rs.get("scopeSpans", [])):
                for i, span in enumerate(ss.get("spans", [])):
                    where = f"resourceSpans[{r}].scopeSpans[{s}].spans[{i}]"
                    span["traceId"] = hex_to_b64(span.get("traceId"), 16, where + ".traceId")
                    span["spanId"] = hex_to_b64(span.get("spanId"), 8, where + ".spanId")
                    if "parentSpanId" in span:
                        span["parentSpanId"] = hex_to_b64(span["parentSpanId"], 8, where + ".parentSpanId")
        msg = trace_service_pb2.ExportTraceServiceRequest()
        try:
            json_format.Parse(json.dumps(doc), msg, ignore_unknown_fields=False)
        except json_format.ParseError as e:
            fail(str(e))

    kinds = {1: "INTERNAL", 2: "SERVER", 3: "CLIENT"}
    by_id, spans, resources = {}, [], []
    for rs in msg.resource_spans:
        service = next((a.value.string_value for a in rs.resource.attributes if a.key == "service.name"), "")
        resources.append(service)
        for ss in rs.scope_spans:
            for sp in ss.spans:
                if sp.end_time_unix_nano < sp.start_time_unix_nano:
                    fail(f"span {sp.span_id.hex()} of {service} ends before it starts")
                if sp.kind not in kinds:
                    fail(f"span {sp.span_id.hex()} of {service}: kind {sp.kind}")
                by_id[(sp.trace_id, sp.span_id)] = (service, kinds[sp.kind])
                spans.append((service, sp))
    edges, roots, orphans = set(), 0, []
    for service, sp in spans:
        if not sp.parent_span_id:
            roots += 1
            continue
        parent = by_id.get((sp.trace_id, sp.parent_span_id))
        if parent is None:
            orphans.append([service, sp.start_time_unix_nano])
            continue
        edges.add((parent[0], parent[1], service, kinds[sp.kind]))
    print(json.dumps({"spans": len(spans), "resources": sorted(resources), "edges": sorted(edges), "roots": roots,
                      "orphans": orphans}))


if __name__ == "__main__":
    main()
