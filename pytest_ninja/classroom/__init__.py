"""Class grading: a teacher's rules, scores, and the documents grading systems consume.

- `scoring`: which katas count and their points (`Scheme`), one integer `Score` per kata;
- `documents`, `classroom50`: what each grading system reads, rendered from scores;
  `contract`: our own checker of Classroom 50's contract;
- `grade`: grading a student's folder by the teacher's rules alone (the kata files only, no
  pytest), the learner's functions in a worker (`isolation`, `worker`) that can neither see
  a reference nor write the grade; `platforms`: where each system wants the grade;
- `assignment`: a teacher's choices and the one grading command line every template runs;
  `templates` (the student's side) and `bundle` (the teacher's: Classroom 50, Gradescope),
  with `wheel` (the dojo as one wheel) and `autograder` (Classroom 50's standalone script,
  copied into the bundle, never imported by the dojo);
- `report`, `options`: the pytest side: GitHub Actions' job summary and annotations for any
  run.

What it may import: the grading core and the levels. Never the learner's loop (a run's
results are handed to it) and never the command line.
"""
