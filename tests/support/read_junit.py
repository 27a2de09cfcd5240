#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reads a JUnit XML file with Debian's python3-junitparser and prints what
it found as JSON, for the tests of `run --junit` and `compare --junit`.

usage: read_junit.py FILE

Prints {"tests", "failures", "errors", "suites": [{"name", "tests",
"failures", "errors", "properties": {...}, "cases": [{"name", "classname",
"result": "passed" | "failure" | "error" | "skipped", "type", "message",
"text"}]}]}. Exit status: 0 read, 2 not JUnit XML (the parser's message),
3 junitparser is missing.
"""
import json
import sys

try:
    import junitparser
except ImportError:
    print("read_junit.py: the junitparser module is missing: apt-get install python3-junitparser "
          "(scripts/install-deps.sh installs it)", file=sys.stderr)
    sys.exit(3)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        xml = junitparser.JUnitXml.fromfile(sys.argv[1])
    except Exception as e:  # the parser's own errors: malformed XML, not JUnit
        print(f"{sys.argv[1]}: {e}", file=sys.stderr)
        sys.exit(2)
    suites = [xml] if isinstance(xml, junitparser.TestSuite) else list(xml)
    out = {"tests": 0, "failures": 0, "errors": 0, "suites": []}
    for s in suites:
        cases = []
        for c in s:
            result, kind, message, text = "passed", None, None, None
            for r in c.result:
                result = {junitparser.Failure: "failure", junitparser.Error: "error",
                          junitparser.Skipped: "skipped"}.get(type(r), "passed")
                kind, message, text = r.type, r.message, r.text
            cases.append({"name": c.name, "classname": c.classname, "result": result,
                          "type": kind, "message": message, "text": text})
        props = {p.name: p.value for p in s.properties()}
        out["suites"].append({"name": s.name, "tests": s.tests, "failures": s.failures,
                              "errors": s.errors, "properties": props, "cases": cases})
    out["tests"] = sum(s["tests"] for s in out["suites"])
    out["failures"] = sum(s["failures"] for s in out["suites"])
    out["errors"] = sum(s["errors"] for s in out["suites"])
    print(json.dumps(out))


main()
