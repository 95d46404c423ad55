"""Peer-challenge team matching: the best teams for a round, with a proven bound.

Pure Python (numpy and HiGHS through highspy), no Django. The model and the JSON exchange
format are written down in ``docs/method/matching.md``; in short:

* a pair (peer, challenge) is *eligible* when rules E1..E8 hold (no conflict of interest,
  available that week, enough days, a role the team needs, the right party for the lead
  member);
* a team must meet C1..C5 (size, role bounds, political balance, distinct parties, one peer
  per council) and the round must meet C6..C8 (days across the round, one challenge a week,
  no mutual review);
* the score of a pair is an integer, ``w(p, c)``, and the matcher maximises the sum over
  the assigned pairs. No rule is ever traded for score.

Solving is lexicographic and exact. Stage 1 finds the largest number of challenges that can
be staffed together; stage 2 maximises the score with exactly that many staffed. Both are
mixed-integer programmes solved by HiGHS with a zero relative gap and an absolute gap below
one score point, so "optimal" means proven. Large rounds (more than
``COLUMN_STRATEGY_PAIRS`` eligible pairs) are solved by column generation on the linear
relaxation followed by reduced-cost fixing, which keeps the same proof: a pair left out of
the final programme provably cannot be in any assignment better than the one returned. Under
a time limit, when too many pairs survive the fixing for that programme to finish, the best
assignment found is returned with the relaxation's bound and the gap (status "feasible").
"""

from peerchallenge.matching.check import check_solution
from peerchallenge.matching.explanation import explain
from peerchallenge.matching.instance import (
    ELIGIBLE,
    FORMAT,
    REASONS,
    ROLE_WORDS,
    ROUND_RULES,
    RULE_CODES,
    WEEKS,
    _Round,
    count_eligible,
    read_assignments,
    score,
    validate_instance,
)
from peerchallenge.matching.solver import (
    Progress,
    Result,
    solve,
)

__all__ = [
    "ELIGIBLE",
    "FORMAT",
    "REASONS",
    "ROLE_WORDS",
    "ROUND_RULES",
    "RULE_CODES",
    "WEEKS",
    "Progress",
    "Result",
    "_Round",
    "check_solution",
    "count_eligible",
    "explain",
    "read_assignments",
    "score",
    "solve",
    "validate_instance",
]
