"""Question answering: reading a question, answering it from the graph and the passages, the
answer and its JSON, the ranking weights, optional phrasing."""
