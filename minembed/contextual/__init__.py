"""Step 5, contextual models: BERT's WordPiece tokenizer (wordpiece.py), the
MiniLM encoder in NumPy (its layers in transformer.py, the encoder with
sentence-transformers' names in encoder.py, the checkpoint reader in
weights.py), and sentence vectors with semantic search (sentences.py)."""
