"""The pipeline version is the list of rule-set versions: a rule's code may not change while
its version stays the same (that would leave knowledge bases with records of other rules)."""

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from lock_rulesets import LOCK, current  # noqa: E402


def test_changed_rules_have_a_new_version():
    locked = json.loads(LOCK.read_text(encoding="utf-8"))
    now = current()
    assert set(now) == set(locked), "rule-set families changed: run python scripts/lock_rulesets.py"
    for family, state in now.items():
        if state["digest"] != locked[family]["digest"]:
            assert state["versions"] != locked[family]["versions"], (
                f"the code of the {family} rules changed but none of their versions did: bump the version of "
                f"the rule set you changed ({', '.join(state['versions'])}) and run python scripts/lock_rulesets.py")
        assert state == locked[family], f"{family}: versions changed; run python scripts/lock_rulesets.py"


def test_a_docstring_or_comment_is_not_a_rule_change(tmp_path):
    from kg.state import source_digest

    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    a, b = tmp_path / "old" / "rules.py", tmp_path / "new" / "rules.py"
    a.write_text('def f(x):\n    """Old words."""\n    return x + 1  # why\n')
    b.write_text('def f(x):\n    """New words."""\n\n    return x + 1\n')
    assert source_digest([a]) == source_digest([b])
    b.write_text('def f(x):\n    return x + 2\n')
    assert source_digest([a]) != source_digest([b])
