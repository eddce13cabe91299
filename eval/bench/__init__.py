"""`vejviser bench`: build, answering and serving timings, written to docs/BENCHMARKS*.md."""
