"""policykg web app: chat with citations, SPARQL console, documents; SPARQL endpoint at /sparql.

Run ``python app.py`` (or ``policykg serve``). On start the shipped corpus is
ingested in the background (only new or changed documents are processed);
progress shows at the top of the page and in the console. The interface itself
is built by ``kg.interfaces.web``; this file only reads the options and starts it.
"""

from __future__ import annotations

import argparse
import os

from kg import Settings
from kg.interfaces.web import launch


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default=os.environ.get("POLICYKG_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("POLICYKG_PORT", "7860")))
    p.add_argument("--home", help="knowledge-base folder (default: $POLICYKG_HOME or the user data dir)")
    p.add_argument("--no-build", action="store_true", help="do not ingest the corpus on start")
    args = p.parse_args()
    launch(Settings(home=args.home) if args.home else Settings(), args.host, args.port, build=not args.no_build)


if __name__ == "__main__":
    main()
