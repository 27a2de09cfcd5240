#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Validates JSON files against a JSON Schema with Debian's python3-jsonschema.

usage: validate_json.py SCHEMA FILE...

The schema is first checked against its own metaschema (the draft its $schema
names). Each error is printed as `FILE: /path/in/document: message`, in
document order. Exit status: 0 every file is valid, 1 some file is not, 2 bad
usage or an unreadable or invalid schema or file, 3 jsonschema is missing.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("validate_json.py: the jsonschema module is missing: apt-get install python3-jsonschema "
          "(scripts/install-deps.sh installs it)", file=sys.stderr)
    sys.exit(3)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        sys.exit(2)


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    schema = load(argv[1])
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"{argv[1]}: not a valid schema: {e.message}", file=sys.stderr)
        return 2
    validator = cls(schema)
    invalid = False
    for path in argv[2:]:
        errors = sorted(validator.iter_errors(load(path)), key=lambda e: [str(p) for p in e.absolute_path])
        for e in errors:
            where = "/" + "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: {where}: {e.message}")
        invalid = invalid or bool(errors)
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
