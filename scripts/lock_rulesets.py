"""Record each rule-set family's versions and the digest of its code in tests/rulesets.lock.json.

Run it after bumping a rule set's version (see CONTRIBUTING.md); tests/test_rulesets.py fails
when a family's code changed but none of its versions did, so no knowledge base keeps records
made by other rules than the ones its pipeline version names.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
LOCK = REPO / "tests" / "rulesets.lock.json"


def current() -> dict:
    from kg.state import rule_set_families, source_digest

    return {family: {"versions": versions, "digest": source_digest(files)}
            for family, (versions, files) in sorted(rule_set_families().items())}


if __name__ == "__main__":
    LOCK.write_text(json.dumps(current(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {LOCK.relative_to(REPO)}")
