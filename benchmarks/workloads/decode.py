"""The final decode of a tally (spec 6.2, 6.4): the discrete logarithms of every row's lanes
and their digits, for electorates from a meeting to 100,000 voters, each in a fresh process
so that its peak memory is its own. Blank + three levels; every issued ballot cast, counts
drawn at random."""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.timing import Measurement, once

#: (ballots issued N, rows R): a meeting, the assembly, the largest one-lane assembly within
#: the budget, 10,000 x 5, and 100,000 voters with 1 and 10 rows.
CASES = ((95, 22), (500, 44), (730, 44), (10_000, 5), (100_000, 1), (100_000, 10))
QUICK = ((95, 22), (10_000, 5))

#: The decode of `voters` x `rows` (argv) in a fresh process; it runs on earlier checkouts too.
SCRIPT = """
import json, random, sys, time
from votecrypt.math import Scalar, secp256k1
from votecrypt.primitives import Packing, discrete_logs

def status(field):  # KiB; VmHWM is this process image's peak (ru_maxrss survives exec)
    with open('/proc/self/status') as lines:
        return next(int(l.split()[1]) for l in lines if l.startswith(field + ':'))

voters, rows = int(sys.argv[1]), int(sys.argv[2])
group = secp256k1()
if hasattr(Packing, 'for_ballot'):
    packing = Packing.for_ballot(4, voters, rows=rows)
else:  # a checkout from before the decoding budget (benchmarks.alternate)
    packing = Packing.for_row(4, voters)
rng = random.Random(voters * 1000 + rows)
targets, bounds, expected = [], [], []
for _ in range(rows):
    cuts = sorted(rng.randrange(voters + 1) for _ in range(3))
    counts = [b - a for a, b in zip([0, *cuts], [*cuts, voters])]
    lanes = [0] * packing.lanes
    for outcome, count in enumerate(counts):
        for lane, value in enumerate(packing.encode(outcome)):
            lanes[lane] += count * value
    targets += [group.multiply_generator(Scalar(v)) for v in lanes]
    bounds += [packing.lane_bound(lane, voters) for lane in range(packing.lanes)]
    expected.append(tuple(counts))
before = status('VmRSS')
started, cpu = time.perf_counter(), time.process_time()
values = discrete_logs(group, targets, bounds)
decoded = [
    packing.decode(values[r * packing.lanes:(r + 1) * packing.lanes], voters) for r in range(rows)
]
seconds = time.perf_counter() - started
cpu = time.process_time() - cpu
peak = status('VmHWM')
assert decoded == expected, 'the decode gave other counts'
work = rows * sum(packing.lane_bound(lane, voters) + 1 for lane in range(packing.lanes))
print(json.dumps({'seconds': seconds, 'cpu': cpu, 'growth': (peak - before) / 1024,
                  'lanes': packing.lanes, 'work': work}))
"""


def run(backends: list[str], quick: bool, voters: int | None = None) -> list[Measurement]:
    if "coincurve" not in backends:
        return []
    rows = []
    for n, r in QUICK if quick else CASES:
        output = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(n), str(r)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(output.stdout.strip().splitlines()[-1])
        rows.append(
            once(
                "decode",
                f"{n:,} voters x {r} rows, {result['lanes']} lane(s): final decode",
                "coincurve",
                result["seconds"],
                cpu_milliseconds=result["cpu"] * 1e3,
                peak_memory_growth_mib=result["growth"],
                decode_work_millions=result["work"] / 1e6,
            )
        )
    return rows
