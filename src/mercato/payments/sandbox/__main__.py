"""`python -m mercato.payments.sandbox --port 8001 --state-dir var/psp-sandbox`."""

from __future__ import annotations

import argparse
from pathlib import Path

from mercato.payments.sandbox import run_sandbox


def main() -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="psp-sandbox", description="A Stripe-shaped PSP sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--state-dir", type=Path, default=Path("var/psp-sandbox"))
    parser.add_argument("--latency-ms", default="300-800", help="uniform range 'LOW-HIGH' or a fixed value")
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--error-status", type=int, default=503)
    parser.add_argument("--hang-seconds", type=float, default=30.0)
    parser.add_argument("--delayed-ms", type=int, default=1500)
    parser.add_argument("--auth-ttl-seconds", type=int, default=7 * 24 * 3600)
    parser.add_argument("--api-key", default="sk_test_sandbox")
    parser.add_argument("--publishable-key", default="pk_test_sandbox")
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-secret", default="whsec_sandbox")
    parser.add_argument("--webhook-timing", default="async", choices=["async", "before_response"])
    args = parser.parse_args()
    run_sandbox(**{name.replace("-", "_"): value for name, value in vars(args).items()})


if __name__ == "__main__":
    main()
