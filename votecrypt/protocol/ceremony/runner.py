"""The whole ceremony in one process: for tests, demonstrations and embedding.

Every trustee runs the same steps as on separate machines; only the message exchange is a
dictionary instead of files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from votecrypt.math.group import Group
from votecrypt.protocol.ceremony.messages import CeremonyParameters
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome, Transcript
from votecrypt.protocol.ceremony.trustee import Trustee


def run_ceremony(
    group: Group, parameters: CeremonyParameters, names: Sequence[str]
) -> tuple[list[Trustee], CeremonyOutcome, Transcript]:
    """Run every round for N_T honest trustees named `names` (in index order)."""
    if len(names) != parameters.trustees:
        raise ValueError("one name per trustee is needed")
    trustees = [
        Trustee.create(group, parameters, i, name)
        for i, name in zip(parameters.indices, names, strict=True)
    ]
    transcript = Transcript(parameters, announcements={t.index: t.announce() for t in trustees})
    transcript = dataclasses.replace(
        transcript, commits={t.index: t.commit(transcript) for t in trustees}
    )
    transcript = dataclasses.replace(
        transcript, openings={t.index: t.open(transcript) for t in trustees}
    )
    transcript = dataclasses.replace(
        transcript, checks={t.index: t.check(transcript) for t in trustees}
    )
    answers = {}
    for trustee in trustees:
        answer = trustee.answer(transcript)
        if answer is not None:
            answers[trustee.index] = answer
    transcript = dataclasses.replace(transcript, answers=answers)
    outcomes = [trustee.finalize(transcript) for trustee in trustees]
    return trustees, outcomes[0], transcript
