"""Step 5, contextual models: BERT's WordPiece tokenizer (wordpiece.py), the
MiniLM encoder in NumPy (transformer.py) with its checkpoint reader
(weights.py), and sentence vectors with semantic search (sentences.py)."""
