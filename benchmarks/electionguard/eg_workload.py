"""The confidence vote in ElectionGuard 1.4.0, timed. Runs inside its own Python 3.10
virtual environment (started by compare.py); prints one JSON object.

22 contests of 3 selections (one vote each: the three confidence levels), 5 guardians with
quorum 3: encryption per ballot, ballot verification, the tally of N ballots, decryption with
all guardians and with a quorum (compensating for 2 missing guardians).
"""

import json
import sys
import time
from datetime import datetime

from electionguard.ballot import PlaintextBallot, PlaintextBallotContest, PlaintextBallotSelection
from electionguard.ballot_box import BallotBox
from electionguard.ballot_validator import ballot_is_valid_for_election
from electionguard.data_store import DataStore
from electionguard.decryption_mediator import DecryptionMediator
from electionguard.encrypt import EncryptionDevice, EncryptionMediator
from electionguard.key_ceremony import CeremonyDetails
from electionguard.key_ceremony_mediator import KeyCeremonyMediator
from electionguard.manifest import (
    BallotStyle,
    Candidate,
    ContestDescription,
    ElectionType,
    GeopoliticalUnit,
    Manifest,
    ReportingUnitType,
    SelectionDescription,
    SpecVersion,
    VoteVariationType,
)
from electionguard.tally import tally_ballots
from electionguard_tools.helpers.election_builder import ElectionBuilder
from electionguard_tools.helpers.key_ceremony_orchestrator import KeyCeremonyOrchestrator
from electionguard_tools.helpers.tally_ceremony_orchestrator import TallyCeremonyOrchestrator

CONTESTS, SELECTIONS, GUARDIANS, QUORUM = 22, 3, 5, 3


def manifest():
    unit = GeopoliticalUnit("district", "District", ReportingUnitType.county)
    candidates, contests = [], []
    for c in range(CONTESTS):
        selections = []
        for s in range(SELECTIONS):
            candidate = Candidate(f"c{c}-level{s}")
            candidates.append(candidate)
            selections.append(SelectionDescription(f"c{c}-s{s}", s, candidate.object_id))
        contests.append(
            ContestDescription(
                f"contest-{c}",
                c,
                unit.object_id,
                VoteVariationType.one_of_m,
                1,
                1,
                f"Office holder {c}",
                selections,
            )
        )
    style = BallotStyle("style", [unit.object_id])
    now = datetime(2026, 12, 10)
    return Manifest(
        "confidence-vote",
        SpecVersion.EG0_95,
        ElectionType.general,
        now,
        now,
        [unit],
        [],
        candidates,
        contests,
        [style],
    )


def plaintext_ballot(number, election):
    contests = [
        PlaintextBallotContest(
            contest.object_id,
            [
                PlaintextBallotSelection(
                    contest.ballot_selections[(number + i) % SELECTIONS].object_id, 1
                )
            ],
        )
        for i, contest in enumerate(election.contests)
    ]
    return PlaintextBallot(f"ballot-{number}", "style", contests)


def main():
    ballots = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    results = {}
    election = manifest()
    started = time.perf_counter()
    guardians = KeyCeremonyOrchestrator.create_guardians(CeremonyDetails(GUARDIANS, QUORUM))
    mediator = KeyCeremonyMediator("mediator", guardians[0].ceremony_details)
    KeyCeremonyOrchestrator.perform_full_ceremony(guardians, mediator)
    joint = mediator.publish_joint_key()
    results["key ceremony 3 of 5"] = time.perf_counter() - started
    builder = ElectionBuilder(GUARDIANS, QUORUM, election)
    builder.set_public_key(joint.joint_public_key).set_commitment_hash(joint.commitment_hash)
    internal, context = builder.build()
    device = EncryptionMediator(internal, context, EncryptionDevice(1, 1, 1, "booth"))

    encrypted, encrypt_times, verify_times = [], [], []
    for number in range(ballots):
        started = time.perf_counter()
        ballot = device.encrypt(plaintext_ballot(number, election))
        encrypt_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        if not ballot_is_valid_for_election(ballot, internal, context, True):
            raise SystemExit("ElectionGuard rejected its own ballot")
        verify_times.append(time.perf_counter() - started)
        encrypted.append(ballot)
    results["encrypt one ballot"] = min(encrypt_times)
    results["verify one ballot"] = min(verify_times)

    store = DataStore()
    box = BallotBox(internal, context, store)
    for ballot in encrypted:
        box.cast(ballot)
    started = time.perf_counter()
    tally = tally_ballots(store, internal, context)
    results[f"tally {ballots} ballots"] = time.perf_counter() - started

    started = time.perf_counter()
    decryption = DecryptionMediator("all", context)
    TallyCeremonyOrchestrator.perform_decryption_setup(guardians, decryption, context, tally)
    plain = decryption.get_plaintext_tally(tally, election)
    results["decrypt tally, all 5 guardians"] = time.perf_counter() - started
    if plain is None:
        raise SystemExit("ElectionGuard did not decrypt")

    started = time.perf_counter()
    quorum = DecryptionMediator("quorum", context)
    TallyCeremonyOrchestrator.perform_compensated_decryption_setup(
        guardians[:QUORUM], [g.share_key() for g in guardians], quorum, context, tally
    )
    plain = quorum.get_plaintext_tally(tally, election)
    results["decrypt tally, 3 of 5 guardians"] = time.perf_counter() - started
    if plain is None:
        raise SystemExit("ElectionGuard did not decrypt with a quorum")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
