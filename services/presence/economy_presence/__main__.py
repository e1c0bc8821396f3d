"""``python -m economy_presence --config PATH``"""

from economy_shared.runtime.main import run

from .service import PresenceService


def main() -> int:
    return run("presence", PresenceService)


if __name__ == "__main__":
    raise SystemExit(main())
