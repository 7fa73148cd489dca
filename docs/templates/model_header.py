# Model: MODEL_NAME
# Version: X.Y.Z
# Audit: AUD-YYYY-MM-DD-NNN (PASS)
# Released: YYYY-MM-DD
"""What the model predicts and which strategies use it.

The release header (releasekit docs/formats/strategy-header.md) is the first comment lines of
the file, before the docstring. The file is named after the model, lower-cased (MODEL_NAME ->
model_name.py); `# Strategy: NAME` works as well as `# Model: NAME`.
"""
