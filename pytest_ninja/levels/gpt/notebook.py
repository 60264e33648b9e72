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

Katas 22 and 23 chain the ops: a whole transformer block, then the whole GPT from its loss
back to its embeddings, their parameters and what the forward pass kept in dicts keyed by
nanoGPT's names, a gradient checked per key. Their cells may call your answers to the katas
before them (`backward_linear`, `backward_layernorm`, ...: after a restart, run those cells
first), or helpers of their own written above the kata's function.
"""

CLOSING = """## Where you stand

Every kata, a bar and what next, as the progress file has it. Once kata 23 passes, the whole
GPT's backward pass is yours, and `pytest-ninja train --level 2` trains the GPT on it: 2,000
steps of AdamW on names.txt, from a `katas/23_backward_gpt.py` (a terminal, or
`!pytest-ninja train --level 2` in a cell), `--compare` for autograd beside it.
"""

SIZES = (
    "B is the number of sequences, T their length, C the channels and NH the heads (8, 16, 48 "
    "and 4 in the lecture phase, other sizes with T below the block size 16 in the stress "
    "phase: use the tensors' shapes rather than numbers)."
)
