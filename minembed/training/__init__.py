"""What every trained model shares: the row scatter that applies a minibatch's
gradients (scatter.py), the training life cycle (settings, divergence check,
callbacks; lifecycle.py), the progress line (progress.py) and finite-difference
gradient checks (gradcheck.py)."""
