"""Class grading: a teacher's scheme, scores, and the documents graders consume.

`scoring` turns a run's results into one score per kata and renders GitHub Classroom's,
Gradescope's and GitHub Actions' documents; `graders` writes them where each platform looks;
`templates` makes a teacher's template repository; `report` is the pytest side of a class run;
`options` its flags.

What it may import: the grading core and the levels. Never the learner's loop (the run's
results are handed to it) and never the command line.
"""
