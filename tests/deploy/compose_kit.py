"""Readers for the container files under deploy/: compose.yaml, the Dockerfile and its .dockerignore.

Small on purpose: compose's `${VAR:-default}` interpolation, the Dockerfile's instructions, and the
allow-list form of .dockerignore that deploy/Dockerfile.dockerignore uses (docker's matching: a
pattern that matches a directory covers everything under it; the last matching line wins).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
EXAMPLE_CONFIG = ROOT / "config" / "economy.example.yaml"

_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def compose_spec_schema() -> dict[str, Any]:
    """The Compose Specification's JSON schema, as shipped by the check-jsonschema package (test extra)."""
    text = (resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text("utf-8")
    return json.loads(text)


def load_compose() -> dict[str, Any]:
    """compose.yaml as YAML (anchors and `<<:` merges resolved), not yet interpolated."""
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def interpolate(value: Any, environ: dict[str, str] | None = None) -> Any:
    """Compose's `${VAR}` / `${VAR:-default}` / `${VAR-default}` with the given environment (default: empty)."""
    env = environ or {}
    if isinstance(value, str):
        return _INTERPOLATION.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    return value


def split_volume(spec: str) -> tuple[str, str, str]:
    """`source:target[:mode]` of the short volume syntax."""
    parts = spec.split(":")
    source, target = parts[0], parts[1]
    return source, target, parts[2] if len(parts) > 2 else "rw"


# ---- Dockerfile ------------------------------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, comments dropped and `\\` continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def final_stage() -> list[tuple[str, str]]:
    """The instructions of the last build stage (from its FROM on)."""
    instructions = dockerfile_instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def exec_form(args: str) -> list[str]:
    """CMD/ENTRYPOINT arguments: the JSON exec form, else shell words."""
    return json.loads(args) if args.startswith("[") else shlex.split(args)


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, args in stage:
        if word == "ENV":
            for item in shlex.split(args):
                key, _, value = item.partition("=")
                env[key] = value
    return env


# ---- .dockerignore -----------------------------------------------------------------------------------
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + "$")


def ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(is_exception, regex) per line of deploy/Dockerfile.dockerignore."""
    rules = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:] if negate else line
        rules.append((negate, _pattern_regex(pattern.strip("/"))))
    return rules


def in_context(relative: str, rules: list[tuple[bool, re.Pattern[str]]] | None = None) -> bool:
    """Whether a repository path (posix, relative) reaches the build context."""
    rules = ignore_rules() if rules is None else rules
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for negate, regex in rules:
        if any(regex.match(p) for p in prefixes):
            included = negate
    return included


def copy_build_context(target: Path) -> list[str]:
    """Copy what docker would send as the build context (repo root through the .dockerignore) to ``target``."""
    rules = ignore_rules()
    copied: list[str] = []
    for directory, subdirs, files in os.walk(ROOT):
        rel_dir = Path(directory).relative_to(ROOT)
        subdirs[:] = [d for d in subdirs if not (rel_dir == Path(".") and d in {".git", ".venv"})]
        for name in sorted(files):
            posix = (rel_dir / name).as_posix()
            if in_context(posix, rules):
                dest = target / posix
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(directory) / name, dest)
                copied.append(posix)
    return sorted(copied)
