"""The learner's loop: what a learner runs over and over, and what it shows them.

The pytest nodes (`collect`) and the dojo's report of a run (`report`), the panel (`panel`),
the progress file (`progress`), the workspace (`workspace`), watch mode (`watch`), hints as a
learner asks for them (`coach`) and the pytest options of the loop (`options`).

What it may import: the grading core and the levels (and pytest, in the modules that are
pytest's). Never class grading, never the command line.
"""
