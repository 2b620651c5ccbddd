"""``python -m bench``: run the benchmarks, print a table, write reports to bench/results/."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bench import (
    complexity,
    events,
    gateway,
    indices,
    introversion,
    ippalc,
    migration,
    outbox,
    ports_dea,
)
from bench.report import (
    RESULTS_DIR,
    BenchmarkError,
    BenchmarkResult,
    as_json,
    console_table,
    environment,
    markdown,
)

BENCHMARKS: dict[str, Callable[[argparse.Namespace], BenchmarkResult]] = {
    outbox.NAME: lambda args: outbox.run(args.events),
    gateway.NAME: lambda args: gateway.run(args.seconds, args.connections, args.gateway_workers),
    indices.NAME: lambda args: indices.run(),
    ports_dea.NAME: lambda args: ports_dea.run(args.dea_sample),
    complexity.NAME: lambda args: complexity.run(),
    migration.NAME: lambda args: migration.run(),
    events.NAME: lambda args: events.run(min(args.events, 5_000)),
    introversion.NAME: lambda args: introversion.run(),
    ippalc.NAME: lambda args: ippalc.run(),
}


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run the benchmarks; each reports ratios against a reference of the same run.",
    )
    parser.add_argument(
        "--events",
        type=_positive,
        default=20_000,
        metavar="N",
        help="events per measurement (default: %(default)s)",
    )
    parser.add_argument(
        "--seconds",
        type=_positive,
        default=10,
        metavar="S",
        help="seconds per HTTP load measurement, after a 2 s warm-up (default: %(default)s)",
    )
    parser.add_argument(
        "--connections",
        type=_positive,
        default=32,
        metavar="C",
        help="concurrent HTTP connections of the load generator (default: %(default)s)",
    )
    parser.add_argument(
        "--gateway-workers",
        type=_positive,
        default=1,
        metavar="W",
        help="gateway worker processes (default: %(default)s)",
    )
    parser.add_argument(
        "--dea-sample",
        type=int,
        default=100,
        metavar="K",
        help="DMUs the slow DEA references solve, scaled to all; 0: all (default: %(default)s)",
    )
    parser.add_argument(
        "--only", choices=sorted(BENCHMARKS), metavar="NAME", help="run one benchmark only"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("sela.bench").setLevel(logging.INFO)

    started_at = datetime.now(UTC)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    env = environment(started_at, args.events)
    names = [args.only] if args.only else list(BENCHMARKS)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)

    results: list[BenchmarkResult] = []
    for name in names:
        try:
            result = BENCHMARKS[name](args)
        except gateway.MissingToolError as exc:
            print(f"benchmark {name} cannot run: {exc}", file=sys.stderr)
            return 1
        except BenchmarkError as exc:
            print(f"benchmark {name} is invalid: {exc}", file=sys.stderr)
            return 1
        report = RESULTS_DIR / f"{name}-{stamp}.json"
        report.write_text(json.dumps(as_json(result, env), indent=2) + "\n")
        results.append(result)

    print()
    print(console_table(results))
    latest = RESULTS_DIR / "latest.md"
    latest.write_text(markdown(results, env))
    print(f"\nreports: {RESULTS_DIR}/ ({', '.join(f'{n}-{stamp}.json' for n in names)}, latest.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
