#!/usr/bin/python3
"""The SimPy twin of `gatesim bench`'s Luohu-scale day, for the README's speed comparison.

Same structure as gatesim's sampled gate model: Poisson arrivals on the same hourly profile
(300,000 travellers), 80 document gates, 20 document-free gates, 60 counters; ineligible
travellers go straight to a counter; at a gate, log-normal document / frame / exit steps, frame
failures and face non-matches referring to a counter. Debian's python3-simpy is SimPy 2.3
(the classic Process / hold / request API).

Usage: /usr/bin/python3 bench/sim_simpy.py [travellers_per_day]   (prints wall time and travellers/s)
"""
import math
import random
import sys
import time

from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, request, simulate

PROFILE = [1, 0.3, 0, 0, 0, 0.5, 2, 5, 8, 8, 7, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4, 3, 2]
P_INELIGIBLE = 0.36 * 0.2 + 0.04 + 0.03  # ineligible endorsements, foreigners, families (as the bench scenario)
P_DOCUMENT_FREE = 0.6 * 0.6 * 0.8
FRAME_FAILURE = 0.05
P_NO_MATCH = 0.0003


def lognormal(median, sigma):
    return median * math.exp(sigma * random.gauss(0, 1))


class Port:
    def __init__(self):
        self.gates = Resource(capacity=80, name="document gates")
        self.free_gates = Resource(capacity=20, name="document-free gates")
        self.counters = Resource(capacity=60, name="counters")
        self.done = 0
        self.wait = 0.0


class Traveller(Process):
    def visit(self, port):
        arrived = now()
        to_counter = random.random() < P_INELIGIBLE
        if not to_counter:
            lanes = port.free_gates if random.random() < P_DOCUMENT_FREE else port.gates
            yield request, self, lanes
            port.wait += now() - arrived
            service = 0.0 if lanes is port.free_gates else lognormal(2.5, 0.3)
            frames = 0
            while True:
                frames += 1
                service += lognormal(0.9, 0.25)
                if random.random() >= FRAME_FAILURE or frames == 6:
                    break
            to_counter = frames == 6 or random.random() < P_NO_MATCH
            if not to_counter:
                service += lognormal(2.5, 0.3)
            yield hold, self, service
            yield release, self, lanes
        if to_counter:
            joined = now()
            yield request, self, port.counters
            port.wait += now() - joined
            yield hold, self, lognormal(43, 0.5)
            yield release, self, port.counters
        port.done += 1


class Arrivals(Process):
    def run(self, port, per_day):
        total = sum(PROFILE)
        while now() < 86400:
            hour = int(now() // 3600)
            rate = per_day * PROFILE[hour] / total / 3600
            boundary = (hour + 1) * 3600
            gap = random.expovariate(rate) if rate > 0 else float("inf")
            if now() + gap >= boundary:
                yield hold, self, boundary - now()
                continue
            yield hold, self, gap
            t = Traveller()
            activate(t, t.visit(port))


def main():
    per_day = float(sys.argv[1]) if len(sys.argv) > 1 else 300000
    random.seed(1)
    initialize()
    port = Port()
    source = Arrivals()
    activate(source, source.run(port, per_day))
    start = time.perf_counter()
    simulate(until=3 * 86400)
    wall = time.perf_counter() - start
    print(f"simpy {per_day:.0f}/day: {port.done} travellers, mean wait {port.wait / max(port.done, 1):.1f} s, "
          f"wall {wall:.2f} s, {port.done / wall:.0f} travellers/s")


if __name__ == "__main__":
    main()
