"""Level 2's words in the dojo notebook: what the notebook is, and where the level ends.

The notebook itself (cells, magics, the set-up) is the loop's (`loop.notebook.build`); these
are the texts only this level can say.
"""

from pytest_ninja.levels.gpt.hints import VIDEO

INTRO = f"""# The backprop dojo, level 2: a GPT's backward pass by hand, op by op

After Andrej Karpathy's lecture [Let's build GPT: from scratch, in code, spelled out]({VIDEO}):
each kata below is one op of a small character-level GPT (the embeddings, LayerNorm, a linear
layer, GELU, the causal softmax, attention, the cross-entropy of a sequence), a function
whose body you write. Replace `raise NotImplementedError` with your backward pass and run the
cell: the `%%kata NN` at its top grades it against autograd through the real model, in two
phases (the GPT on a batch of names; then the stress phase: other sizes with T below the
block size, random upstream gradients, and batches where eps, large logits or GELU's tail
matter), under `torch.no_grad()`.
"""

CLOSING = """## Where you stand

Every kata, a bar and what next, as the progress file has it. A whole block and the whole GPT
by hand come next, and then training the GPT on your own backward pass.
"""

SIZES = (
    "B is the number of sequences, T their length, C the channels and NH the heads (8, 16, 48 "
    "and 4 in the lecture phase, other sizes with T below the block size 16 in the stress "
    "phase: use the tensors' shapes rather than numbers)."
)
