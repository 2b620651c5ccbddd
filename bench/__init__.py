"""On-demand benchmarks of the platform's building blocks (``make bench``).

Each benchmark measures a reference in the same run, on the same servers, and reports the ratio
of its value to that reference; reports are written to ``bench/results/``.
"""
