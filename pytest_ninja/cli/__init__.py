"""The command line, `pytest-ninja`: wiring (`main`) and the commands (`commands`, `train`,
with what a run shows in `train_view`).

What it may import: everything below it (the loop, class grading, the levels, the core). Nothing
imports it but its own entry point.
"""
