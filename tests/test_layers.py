"""The house's floors only point down, and there are no import cycles.

    corpus → index → bot (core ← answering, privacy, storage, people, queue, publishing) → bot.channels (the doors)
    eval beside bot: it drives the answering contract, never a door

Read from the code's own imports with `ast`, function-level ones included, so a lazy import cannot hide a
dependency. A module importing its own package (``bot.channels.web.app`` → ``bot.channels.web``) is not a cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("corpus", "index", "bot", "eval")
DOORS = ("bot.channels",)
# The command line registers `vejviser eval` and `vejviser bench`: the one place bot may reach eval.
EVAL_REGISTRATION = {"bot.channels.cli.main"}
# Below the doors: none of these may know a door.
BELOW_THE_DOORS = ("bot.core", "bot.answering", "bot.privacy", "bot.storage", "bot.people", "bot.queue",
                   "bot.publishing", "bot.assistant", "bot.answer_memory", "bot.services")
# The floors of bot/ below the use cases, and the only other floors each may read: the engine knows no database, the
# database knows no people, people know no requisitions.
FLOORS = {
    "bot.core": (),
    "bot.privacy": ("bot.core",),
    "bot.storage": ("bot.core",),
    "bot.answering": ("bot.core", "bot.privacy"),
    "bot.people": ("bot.core", "bot.privacy", "bot.storage"),
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] in PACKAGES}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        for name in _imports(path, module):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                graph[module].add(name)
    return graph


def _is(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_lower_layers_never_import_higher_ones() -> None:
    rules = [
        ("corpus", ("index", "bot", "eval")),
        ("index", ("bot", "eval")),
        ("bot", ("eval",)),
        ("eval", DOORS),
        *((package, DOORS) for package in BELOW_THE_DOORS),
    ]
    wrong = []
    for module, targets in _graph().items():
        for target in targets:
            for lower, higher in rules:
                if _is(module, lower) and any(_is(target, h) for h in higher):
                    if lower == "bot" and module in EVAL_REGISTRATION:
                        continue
                    wrong.append(f"{module} → {target}")
    assert not wrong, "imports pointing up:\n  " + "\n  ".join(sorted(set(wrong)))


def test_each_floor_of_bot_reads_only_the_floors_below_it() -> None:
    """bot.core (settings, errors, language) is what every other floor reads, so it reads none of them; the answer
    engine reads core and privacy only, and so on (FLOORS)."""
    wrong = []
    for module, targets in _graph().items():
        for floor, allowed in FLOORS.items():
            if _is(module, floor):
                wrong += [f"{module} → {target}" for target in targets if _is(target, "bot") and target != "bot"
                          and not _is(target, floor) and not any(_is(target, a) for a in allowed)]
    assert not wrong, "a floor of bot reading one that is not below it:\n  " + "\n  ".join(sorted(wrong))


def test_there_are_no_import_cycles() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles:\n  " + "\n  ".join(" → ".join(c) for c in cycles[:20])


def test_the_telegram_door_knows_no_web_framework() -> None:
    """Telegram is a door of its own: the server hosts its webhook beside the web (bot/channels/server.py)."""
    wrong = []
    for path in (ROOT / "bot" / "channels" / "telegram").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            wrong += [f"{path.relative_to(ROOT)} → {n}" for n in names if n.split(".")[0] in ("fastapi", "starlette")
                      or n.startswith("bot.channels.web")]
    assert not wrong, "the Telegram door importing the web:\n  " + "\n  ".join(wrong)
