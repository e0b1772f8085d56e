"""The tenant program (Pulumi.yaml's program directory is the repository root): one stack per
tenant. It runs only under the repository's policy pack (:mod:`infra.policy_guard`)."""

from __future__ import annotations

from infra.policy_guard import require_policy_pack
from infra.program import main

require_policy_pack()
main()
