"""``python -m economy_announcer --config PATH``"""

from economy_shared.runtime.main import run

from .service import AnnouncerService


def main() -> int:
    return run("announcer", AnnouncerService)


if __name__ == "__main__":
    raise SystemExit(main())
