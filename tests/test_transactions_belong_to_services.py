"""The API, the pages and the CLI never begin or end a transaction: the services do (issue 13,
point 4). A view or command hands a use case a unit of work (``runtime.uow()``, or
``SqlAlchemyUnitOfWork``) and the use case commits once or rolls back."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALLERS = ("api", "dashboards")
# commit/rollback end a transaction; ``with session.begin():`` commits when the block ends.
TRANSACTION_CALLS = {"commit", "rollback", "begin", "begin_nested"}


def transaction_calls(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line: .name()`` for each call that begins or ends a transaction in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    calls = sorted(
        (node.lineno, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in TRANSACTION_CALLS
    )
    return [f"{path.relative_to(root)}:{line}: .{name}()" for line, name in calls]


def test_the_api_and_the_pages_never_commit_or_roll_back() -> None:
    found = [
        call
        for package in CALLERS
        for path in sorted((ROOT / package).rglob("*.py"))
        for call in transaction_calls(path)
    ]
    assert not found, "move these into a service use case that takes a UnitOfWork:\n" + "\n".join(
        found
    )


def test_the_check_finds_a_commit_and_a_transaction_block_but_not_their_mention(
    tmp_path: Path,
) -> None:
    module = tmp_path / "view.py"
    module.write_text(
        'def f(db):\n    """Never db.commit() here."""\n    with db.begin():\n'
        "        pass\n    db.commit()\n",
        encoding="utf-8",
    )
    assert transaction_calls(module, tmp_path) == ["view.py:3: .begin()", "view.py:5: .commit()"]
