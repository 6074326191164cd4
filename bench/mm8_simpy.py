#!/usr/bin/python3
"""The SimPy twin of bench/mm8.yaml: an M/M/8 queue of 300,000 travellers (Poisson arrivals of
0.5/s, exponential service of mean 12 s on 8 servers, no referrals), with its outputs written as
gatesim writes its own (one JSON line per traveller with gatesim's fields, a CSV row per
15 minutes, a summary), so the two programs do the same work, whole process against whole process (bench/mm8.sh).
Debian's python3-simpy is SimPy 2.3 (the classic Process / hold / request API).

Usage: /usr/bin/python3 bench/mm8_simpy.py [OUT_FOLDER] [TRAVELLERS]
"""
import json
import os
import random
import sys

from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, request, simulate

LAMBDA, MEAN_SERVICE, SERVERS, INTERVAL = 0.5, 12.0, 8, 900.0


class Hall:
    def __init__(self, out):
        self.gates = Resource(capacity=SERVERS, name="document gates")
        self.travellers = open(os.path.join(out, "travellers.jsonl"), "w")
        self.waits = []
        self.served_in = {}  # interval -> travellers who left in it


class Traveller(Process):
    def visit(self, hall, number):
        self.age = random.randint(18, 80)
        arrived = now()
        yield request, self, hall.gates
        started = now()
        yield hold, self, random.expovariate(1 / MEAN_SERVICE)
        yield release, self, hall.gates
        left = now()
        hall.waits.append(started - arrived)
        slot = int(left // INTERVAL)
        hall.served_in[slot] = hall.served_in.get(slot, 0) + 1
        service = left - started
        # The fields of gatesim's travellers.jsonl, in its order.
        hall.travellers.write(
            '{"traveller":%d,"party":%d,"age":%d,"residence":"hk_macao","document":"home_return_permit",'
            '"arrival_s":%.3f,"route":["document_gates"],"document_gates":{"wait_s":%.3f,"service_s":%.3f},'
            '"steps":{"document_s":%.3f,"face_s":0.000,"frames":1,"distance":0.000,"exit_s":0.000},"departure_s":%.3f,'
            '"decision":"cleared","reasons":[],"incidents":[]}\n'
            % (number + 1, number + 1, self.age, arrived, started - arrived, service, service, left))


class Arrivals(Process):
    def run(self, hall, count):
        for number in range(count):
            yield hold, self, random.expovariate(LAMBDA)
            t = Traveller()
            activate(t, t.visit(hall, number))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "mm8-simpy-out"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300000
    os.makedirs(out, exist_ok=True)
    random.seed(1)
    initialize()
    hall = Hall(out)
    arrivals = Arrivals()
    activate(arrivals, arrivals.run(hall, count))
    simulate(until=1e12)
    hall.travellers.close()
    with open(os.path.join(out, "intervals.csv"), "w") as csv:
        csv.write("interval_start_s,departures\n")
        for slot in sorted(hall.served_in):
            csv.write("%.3f,%d\n" % (slot * INTERVAL, hall.served_in[slot]))
    waits = sorted(hall.waits)
    summary = {"travellers": len(waits), "wait_s": {"mean": sum(waits) / len(waits), "p95": waits[int(0.95 * len(waits))]}}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print("M/M/8 (SimPy %s): %d travellers, mean wait %.2f s" % ("2.3", len(waits), summary["wait_s"]["mean"]))


if __name__ == "__main__":
    main()
