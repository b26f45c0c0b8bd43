"""`python -m bench.loadtest` (make loadtest)."""

from . import print_summary, run_bench

if __name__ == "__main__":
    print("== Load test: make serve on PostgreSQL + Redis, locust headless")
    print_summary(run_bench())
