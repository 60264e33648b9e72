"""Level 1's words in the dojo notebook: what the notebook is, and where the level ends.

The notebook itself (cells, magics, the set-up) is the loop's (`loop.notebook.build`); these
are the texts only this level can say.
"""

from pytest_ninja.levels.mlp.hints import VIDEO

INTRO = f"""# The backprop dojo: makemore's backward pass by hand, kata by kata

A dojo for Andrej Karpathy's lecture [Building makemore Part 4: Becoming a Backprop
Ninja]({VIDEO}). Each kata below is one piece of the MLP's backward pass: a function whose
body you write. Replace `raise NotImplementedError` with your backward pass and run the cell:
the `%%kata NN` at its top defines the function and grades it against autograd, gradient by
gradient, in two phases (the lecture's batch; then the stress phase: other batch sizes with
random upstream gradients, and batches where eps, saturated logits or a batch of 4 matter),
under `torch.no_grad()`. A wrong gradient gets the lecture's `cmp` line, the
likely mistake, the worst entry and, for a matrix, a picture of where it is wrong.
"""

CLOSING = """## Where you stand

Every kata, a bar and what next, as the progress file has it. Once kata 14 passes, exercise 4
for real: `pytest-ninja train` trains the lecture's network for 200,000 steps on your own
backward pass, from a `katas/14_backward_mlp.py` (a terminal, or `!pytest-ninja train` in a
cell).
"""

SIZES = (
    "n is the batch size and n_hidden the hidden units (32 and 64 in the lecture, other sizes "
    "in the stress phase: use n and the tensors' shapes rather than numbers)."
)
