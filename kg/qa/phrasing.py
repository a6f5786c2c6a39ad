"""Optional generative phrasing through an OpenAI-compatible chat endpoint.

Off unless ``POLICYKG_LLM_URL`` (the server's base URL, e.g.
``http://127.0.0.1:8080/v1``) and ``POLICYKG_LLM_MODEL`` are set
(``POLICYKG_LLM_KEY`` is sent as a bearer token if given). The model sees only
the question, the extractive answer and the cited sentences. Its text is used
only if every figure in it appears in the cited evidence; otherwise, or on any
error or timeout, the extractive answer stands.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

from kg.qa.answer import Answer
from kg.qa.figures import figures_in

SYSTEM = ("You rewrite an answer to a question about public-policy documents into one or two plain sentences. "
          "Use only the evidence given. Keep every figure exactly as the evidence states it. Do not add figures.")


def configured() -> bool:
    return bool(os.environ.get("POLICYKG_LLM_URL") and os.environ.get("POLICYKG_LLM_MODEL"))


def phrase(ans: Answer, timeout: float = 20.0) -> Answer:
    """The answer rephrased by the configured model, if it adds no figure; else ``ans`` unchanged."""
    if not configured() or not ans.answered or not ans.citations:
        return ans
    evidence = "\n".join(f"[{i}] {' '.join(c.quote.split())}" for i, c in enumerate(ans.citations, 1))
    body = {
        "model": os.environ["POLICYKG_LLM_MODEL"],
        "temperature": 0,
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Question: {ans.question}\nAnswer: {ans.answer}\nEvidence:\n{evidence}"},
        ],
    }
    url = os.environ["POLICYKG_LLM_URL"].rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}
    if os.environ.get("POLICYKG_LLM_KEY"):
        headers["Authorization"] = f"Bearer {os.environ['POLICYKG_LLM_KEY']}"
    try:
        req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = json.loads(resp.read())["choices"][0]["message"]["content"].strip()
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError):
        return ans
    allowed = set().union(*(figures_in(c.quote) for c in ans.citations))
    if not text or not figures_in(text) <= allowed:
        return ans  # the model stated a figure the evidence does not hold
    return Answer(ans.question, True, text, ans.citations, ans.sparql, ans.observations,
                  phrased_by=os.environ["POLICYKG_LLM_MODEL"])
