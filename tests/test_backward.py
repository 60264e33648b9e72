"""A kata's backward pass as a graph: its order, its dependencies, and where a mistake lies."""

from __future__ import annotations

from pytest_ninja.core.backward import ancestors, earlier_outputs, localise, order
from pytest_ninja.levels import BY_ID

BN_STATS = BY_ID["09_backward_bn_stats"]
MLP = BY_ID["14_backward_mlp"]
EVERY = set(MLP.outputs)


def test_the_order_is_the_backward_pass_not_the_order_of_the_returned_keys():
    assert MLP.outputs[0] == "dC" and order(MLP)[-1] == "dC"
    assert ancestors(MLP, "dC") == ("dlogits", "dh", "dhpreact", "dhprebn", "dembcat")
    assert ancestors(MLP, "dW2") == ("dlogits",)


def test_an_earlier_output_is_one_this_output_is_computed_from():
    assert earlier_outputs(BN_STATS, "dhprebn") == (
        "dbnvar_inv",
        "dbnvar",
        "dbndiff2",
        "dbndiff",
        "dbnmeani",
    )
    assert earlier_outputs(BN_STATS, "dbnvar_inv") == ()
    # in kata 14 no returned gradient is computed from another: dW1 does not come before dC
    assert earlier_outputs(MLP, "dC") == ()


def test_right_dW2_and_db2_with_wrong_batchnorm_gains_place_it_between_dlogits_and_dhpreact():
    wrong = {"dbngain", "dbnbias", "dW1", "dC"}
    region = localise(MLP, EVERY - wrong, wrong)
    assert (region.start, region.end) == ("dlogits", "dhpreact")
    assert region.words() == (
        "dW2 and db2 are right, dbngain, dbnbias, dW1 and dC are not: the mistake is between "
        "dlogits and dhpreact (the output layer, tanh)"
    )


def test_a_known_step_narrows_the_region_to_it():
    wrong = {"dbngain", "dbnbias", "dW1", "dC"}
    region = localise(MLP, EVERY - wrong, wrong, between=("dh", "dhpreact"))
    assert region.words().endswith("the mistake is between dh and dhpreact (tanh)")


def test_wrong_dW1_and_dC_alone_place_it_in_batchnorm_and_db1_vouches_for_nothing():
    wrong = {"dW1", "dC"}
    region = localise(MLP, EVERY - wrong, wrong)  # db1 passes whatever dhprebn BatchNorm gives
    assert (region.start, region.end) == ("dhpreact", "dhprebn")
    assert "db1" not in region.right and region.words().startswith(
        "dW2, db2, dbngain and dbnbias are right, dW1 and dC are not"
    )


def test_every_output_wrong_places_it_in_the_first_step():
    region = localise(MLP, {"db1"}, EVERY - {"db1"})
    assert (region.start, region.end) == (None, "dlogits")
    assert region.words() == (
        "every gradient returned is wrong: "
        "the mistake is in dlogits (cross-entropy), the first step"
    )


def test_wrong_outputs_no_one_step_explains_are_more_than_one_mistake():
    region = localise(MLP, EVERY - {"dW2", "dW1"}, {"dW2", "dW1"})
    assert region.end is None
    assert "more than one mistake: start with dW2" in region.words()


def test_nothing_wrong_is_no_region():
    assert localise(MLP, EVERY, set()) is None
