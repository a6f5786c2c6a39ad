"""Search: the passage index (dense vectors fused with BM25), its embedders and vector indexes."""
