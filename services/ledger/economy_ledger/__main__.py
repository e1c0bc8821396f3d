"""``python -m economy_ledger --config PATH``"""

from economy_shared.runtime.main import run

from .service import LedgerService


def main() -> int:
    return run("ledger", LedgerService)


if __name__ == "__main__":
    raise SystemExit(main())
