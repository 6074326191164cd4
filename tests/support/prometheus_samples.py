#!/usr/bin/env python3
"""Parses Prometheus text exposition (the file named as the argument) with the reference Python client's parser
(Debian's python3-prometheus-client) and prints its samples as JSON: a list of
{"family", "type", "name", "labels", "value"}. Exit 3 when the parser is not installed,
2 when the text does not parse."""
import json
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    sys.stderr.write("python3-prometheus-client is not installed (scripts/install-deps.sh installs it)\n")
    sys.exit(3)

try:
    samples = []
    for family in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
        for s in family.samples:
            samples.append({"family": family.name, "type": family.type, "name": s.name,
                            "labels": s.labels, "value": s.value})
except Exception as error:  # the parser raises ValueError and others on bad text
    sys.stderr.write("the text does not parse as Prometheus exposition: %s\n" % error)
    sys.exit(2)
json.dump(samples, sys.stdout)
