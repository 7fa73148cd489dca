"""Bar features shared by the desk's research code and models (no look-ahead: test_bias.py)."""
