"""``python -m economy_media --config PATH``"""

from economy_shared.runtime.main import run

from .service import MediaService


def main() -> int:
    return run("media", MediaService)


if __name__ == "__main__":
    raise SystemExit(main())
