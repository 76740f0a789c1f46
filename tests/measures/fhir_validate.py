#!/usr/bin/python3
"""Validates FHIR R4 JSON files against HL7's combined JSON Schema (draft-06).

Usage: fhir_validate.py SCHEMA FILE...
Prints one line per error and exits 1 if any file is invalid, 2 on bad usage.
Run by tests/measures/fhir_test.cpp with Debian's python3-jsonschema (scripts/setup).
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print("usage: fhir_validate.py SCHEMA FILE...", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft6Validator(schema)
    bad = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        errors = list(validator.iter_errors(document))
        if not errors:
            print(f"{path}: valid")
            continue
        # The root schema is a oneOf over every resource type: its error says only "not
        # valid under any of the given schemas". The resource's own definition says why.
        kind = document.get("resourceType") if isinstance(document, dict) else None
        if kind in schema.get("definitions", {}):
            own = jsonschema.Draft6Validator(
                {"$ref": f"#/definitions/{kind}", "definitions": schema["definitions"]})
            errors = list(own.iter_errors(document)) or errors
        for e in errors:
            bad += 1
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: {where}: {e.message[:300]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
