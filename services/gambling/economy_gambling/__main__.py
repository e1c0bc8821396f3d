"""``python -m economy_gambling --config PATH``"""

from economy_shared.runtime.main import run

from .service import GamblingService


def main() -> int:
    return run("gambling", GamblingService)


if __name__ == "__main__":
    raise SystemExit(main())
