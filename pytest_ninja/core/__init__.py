"""The grading core: grade a learner's function against autograd, kata by kata, any level.

What it holds: the result model (`result`), the comparison and its tolerance (`compare`), the
problems a kata is given in each phase (`problems`), grading in both phases (`grading`), the
diagnosis engine and its generic rules (`diagnosis`), a kata's backward pass as a graph and
where in it a mistake lies (`backward`), the look at a kata's source before it
runs (`static`), loading a kata file (`loading`), the time limit (`limits`), the killable child
process (`runner`), whole-or-nothing writes (`atomic`), hints' and stubs' rendering (`hints`,
`stubs`) and the interface every level implements (`level`).

What it may import: the standard library and torch only (torch lazily where it can). Never
pytest, never IPython, never a level: a level registers itself (`level.register`) and the
core reaches its content through that small interface, so no lecture name is written here.
"""
