"""trace latency on synthetic accounts of 10, 100 and 1,000 subnets, against a bare networkx shortest_path.

Goals: median trace < 1 ms at 1,000 subnets, and within 3× a bare ``nx.shortest_path`` from the same
subnet to the internet node of the same graph. The trace here is a one-subnet source (subnet + group),
so both sides answer one path; a function in two subnets costs two paths.
"""

from __future__ import annotations

import statistics
import time

import networkx as nx

from bench._synthetic import synthetic_topology
from labkit.vpc.reach import trace

SIZES = (10, 100, 1000)
DESTS = ("internet", "s3", "10.0.1.25:5432")


def _median_us(fn, repeat: int) -> float:
    fn()  # warm caches (graph, indexes)
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e6


def run() -> dict:
    out = {}
    print(
        f"{'subnets':>8} {'graph build ms':>15} {'shortest_path µs':>17} "
        + " ".join(f"{d + ' µs':>18}" for d in DESTS)
        + f" {'ratio(internet)':>16} {'2-subnet fn µs':>15}"
    )
    for n in SIZES:
        topo = synthetic_topology(n)
        t0 = time.perf_counter()
        g = topo.graph
        build_ms = (time.perf_counter() - t0) * 1e3
        vpc = topo.vpcs[-1]
        subnet = topo.subnets_of(vpc.id)[1].id
        sg = [s.id for s in topo.security_groups if s.vpc_id == vpc.id][0]
        fn = [f.name for f in topo.functions if f.vpc_id == vpc.id][0]
        sp = _median_us(lambda g=g, subnet=subnet: nx.shortest_path(g, subnet, "internet"), 2000)
        row = {"subnets": n, "graph_build_ms": round(build_ms, 2), "shortest_path_us": round(sp, 1)}
        for d in DESTS:
            dest = d.replace("10.0.", f"10.{int(vpc.id[-4:])}.")
            row[f"trace_{d}_us"] = round(
                _median_us(
                    lambda topo=topo, subnet=subnet, dest=dest, sg=sg: trace(topo, subnet, dest, security_groups=[sg]),
                    2000,
                ),
                1,
            )
        row["ratio_internet_vs_shortest_path"] = round(row["trace_internet_us"] / sp, 2)
        row["trace_function_2_subnets_internet_us"] = round(
            _median_us(lambda topo=topo, fn=fn: trace(topo, fn, "internet"), 2000), 1
        )
        print(
            f"{n:>8} {build_ms:>15.2f} {sp:>17.1f} "
            + " ".join(f"{row[f'trace_{d}_us']:>18.1f}" for d in DESTS)
            + f" {row['ratio_internet_vs_shortest_path']:>16.2f} {row['trace_function_2_subnets_internet_us']:>15.1f}"
        )
        out[str(n)] = row
    return out
