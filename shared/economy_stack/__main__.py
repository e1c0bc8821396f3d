"""``python -m economy_stack --config PATH``"""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
